package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.SqlScripts;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;

/**
 * The SQL path: runs a migration's scripts one statement at a time on one session
 * ({@code pgclone-rehearsal/migration}) and records a {@link StepEvidence} per statement.
 *
 * <p>Statements run as written, split the way psql splits them ({@link SqlScripts}), with autocommit on:
 * a {@code BEGIN ... COMMIT} in the text is a real transaction block and every other statement commits on
 * its own. The first error stops the run (later statements do not run); after an error inside a block the
 * session issues {@code ROLLBACK}, as the transaction is lost anyway. A script that ends inside a block
 * is rolled back too, and reported as a step of its own: a migration tool would have committed it, or
 * failed, but never silently left it open.
 *
 * <p>Nothing else runs on the migration session, not even between its statements: a query there would
 * take the snapshot of a REPEATABLE READ block early or break a {@code SET TRANSACTION} that must come
 * first. Every measurement comes from other sessions:
 * <ul>
 *   <li>locks and waits from the {@link LockMonitor} (which watches this session's pid, and samples once
 *       more after every statement, so a lock the statement leaves held is seen before the next statement
 *       starts): a step's {@code locks} are the holds first seen while it ran; its {@code blocked} are the
 *       waits for a lock it took (a wait for a relation goes to the step that first held a conflicting mode
 *       on it, which in a block may be an earlier statement than the one running while the wait was seen),
 *       and the other waits (row locks: a transaction id or a tuple) to the step running when the wait was
 *       first seen; each wait goes to one step;</li>
 *   <li>WAL and rewrites from an observer session ({@code pgclone-rehearsal/observer}): the WAL insert position
 *       before and after each statement; the relations' files ({@link RelationFiles}) each time the migration
 *       session is outside a transaction block, when it holds no lock. A rewrite inside a block becomes
 *       visible to another session at COMMIT; it is given to the block's statement that held an
 *       ACCESS EXCLUSIVE lock on the relation first (every rewrite takes one), else to the COMMIT. A block
 *       that is rolled back rewrote nothing that lasts, and reports no rewrite.</li>
 * </ul>
 *
 * <p>{@link Limits}: a {@code statement_timeout} and {@code lock_timeout} sent at login (a script's own
 * {@code SET} may change them, as it would in production); a deadline for the whole run, at which the
 * observer cancels the running statement with {@code pg_cancel_backend} (again every 250 ms until it
 * returns), no further statement starts, and the cancelled step says so.
 */
public final class MigrationSession {

    public static final String ROLE = "migration";
    public static final String OBSERVER_ROLE = "observer";
    static final int MAX_SQL = 2000;
    private static final Map<String, String> OBSERVER_SETTINGS = Map.of("statement_timeout", "60s", "lock_timeout", "5s", "jit", "off");
    private static final Duration OBSERVER_SOCKET_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration LOGIN_SLACK = Duration.ofSeconds(60);

    /** A script of the migration: its name (a ConfigMap key, {@code inline}) and its text. */
    public record Script(String name, String sql) {
        public Script {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sql, "sql");
        }
    }

    /**
     * @param statementTimeout the migration session's statement_timeout; null: the clone's own (production's) setting
     * @param lockTimeout      its lock_timeout; null: the clone's own
     * @param deadline         the whole run's; null: none
     */
    public record Limits(Duration statementTimeout, Duration lockTimeout, Duration deadline) {
        public Limits {
            for (Duration d : new Duration[] {statementTimeout, lockTimeout, deadline}) {
                if (d != null && (d.isNegative() || d.isZero())) {
                    throw new IllegalArgumentException("limits must be positive: " + d);
                }
            }
        }

        public static Limits none() {
            return new Limits(null, null, null);
        }
    }

    /**
     * @param steps            one per statement that ran (or was due to run when the deadline had passed), in order
     * @param statements       how many statements the scripts hold: fewer steps than this means the run stopped early
     * @param deadlineExceeded the deadline passed and the running statement was cancelled (or none was started after it)
     * @param rehearsalError   the rehearsal's own session failed (the observer could not measure): the run stopped and
     *                         its evidence is incomplete; null when it did not. Not the migration's fault.
     */
    public record Result(List<StepEvidence> steps, int statements, boolean deadlineExceeded, String rehearsalError) {
        public Result {
            steps = List.copyOf(steps);
        }

        /** Every statement ran and none failed. */
        public boolean succeeded() {
            return rehearsalError == null && steps.size() == statements && steps.stream().noneMatch(StepEvidence::failed);
        }
    }

    private final CloneSessions sessions;
    private final LockMonitor monitor;
    private final Limits limits;
    private final ReentrantLock observerLock = new ReentrantLock();
    private Connection migration;
    private Connection observer;
    private Statement current;
    private int pid;
    private volatile boolean deadlineExceeded;
    private volatile boolean statementRunning;
    private volatile boolean finished;

    private MigrationSession(CloneSessions sessions, LockMonitor monitor, Limits limits) {
        this.sessions = sessions;
        this.monitor = monitor;
        this.limits = limits;
    }

    /**
     * Runs the scripts in order. Throws when the migration or observer session cannot be opened (nothing
     * ran); every other failure is in the result.
     */
    public static Result run(CloneSessions sessions, LockMonitor monitor, List<Script> scripts, Limits limits) throws SQLException {
        Objects.requireNonNull(limits, "limits");
        return new MigrationSession(sessions, monitor, limits).execute(List.copyOf(scripts));
    }

    /** The migration session's login settings. */
    static Map<String, String> migrationSettings(Limits limits) {
        Map<String, String> s = new LinkedHashMap<>();
        if (limits.statementTimeout() != null) {
            s.put("statement_timeout", Long.toString(Math.max(1, Math.min(Integer.MAX_VALUE, limits.statementTimeout().toMillis()))));
        }
        if (limits.lockTimeout() != null) {
            s.put("lock_timeout", Long.toString(Math.max(1, Math.min(Integer.MAX_VALUE, limits.lockTimeout().toMillis()))));
        }
        return s;
    }

    private Result execute(List<Script> scripts) throws SQLException {
        long startNanos = System.nanoTime();
        int statements = 0;
        List<List<SqlScripts.SqlStatement>> split = new ArrayList<>();
        for (Script s : scripts) {
            List<SqlScripts.SqlStatement> list = SqlScripts.split(s.sql());
            split.add(list);
            statements += list.size();
        }
        Thread watchdog = null;
        List<Ran> ran = new ArrayList<>();
        String rehearsalError = null;
        try {
            // no socket timeout without a deadline: a statement may rightly run for hours
            Duration socketTimeout = limits.deadline() == null ? null : limits.deadline().plus(LOGIN_SLACK);
            migration = sessions.open(ROLE, migrationSettings(limits), socketTimeout);
            observer = sessions.open(OBSERVER_ROLE, OBSERVER_SETTINGS, OBSERVER_SOCKET_TIMEOUT);
            pid = migration.unwrap(PGConnection.class).getBackendPID();
            monitor.watch(pid);
            if (limits.deadline() != null) {
                watchdog = startWatchdog(startNanos + limits.deadline().toNanos());
            }
            rehearsalError = runScripts(scripts, split, ran);
        } finally {
            finished = true;
            if (watchdog != null) {
                LockSupport.unpark(watchdog);
                try {
                    watchdog.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeQuietly(migration);
            closeQuietly(observer);
        }
        return new Result(evidence(ran), statements, deadlineExceeded, rehearsalError);
    }

    /** Runs until the end or the first error; returns the rehearsal's own error, or null. */
    private String runScripts(List<Script> scripts, List<List<SqlScripts.SqlStatement>> split, List<Ran> ran) {
        try (Statement st = migration.createStatement()) {
            // JDBC escapes ({fn ...}, {d '...'}) are not SQL: send the text as written
            st.setEscapeProcessing(false);
            current = st;
            RelationFiles.Tracker files = observe(RelationFiles.Tracker::new);
            int blockStart = 0;
            for (int s = 0; s < scripts.size(); s++) {
                Script script = scripts.get(s);
                for (SqlScripts.SqlStatement statement : split.get(s)) {
                    Ran r = new Ran(script.name(), statement.line(), statement.sql());
                    ran.add(r);
                    if (deadlineExceeded) {
                        r.started = monitor.now();
                        r.error = "not started: the migration's deadline of " + Jdbc.human(limits.deadline()) + " had passed";
                        return null;
                    }
                    long walBefore = observe(LockMonitor::currentWal);
                    r.started = monitor.now();
                    long t0 = System.nanoTime();
                    statementRunning = true;
                    try {
                        execute(st, statement.sql());
                    } catch (SQLException e) {
                        r.failed(e, statement, deadlineExceeded, limits.deadline());
                    } finally {
                        statementRunning = false;
                    }
                    r.duration = Duration.ofNanos(System.nanoTime() - t0);
                    r.walBytes = observe(LockMonitor::currentWal) - walBefore;
                    monitor.sampleNow();
                    TransactionState state = transactionState();
                    if (r.sqlState != null || r.error != null) {
                        if (state != TransactionState.IDLE) {
                            rollback(st);
                        }
                        return null;
                    }
                    if (state == TransactionState.IDLE) {
                        attributeRewrites(observe(files::advance), ran.subList(blockStart, ran.size()));
                        blockStart = ran.size();
                    }
                }
                if (transactionState() != TransactionState.IDLE) {
                    Ran r = new Ran(script.name(), (int) script.sql().lines().count(), "(end of script)");
                    r.started = monitor.now();
                    rollback(st);
                    r.error = "the script ended inside a transaction block (BEGIN without COMMIT): it was rolled back"
                            + (s + 1 < scripts.size() ? " and later scripts were not run" : "");
                    ran.add(r);
                    return null;
                }
            }
            return null;
        } catch (SQLException e) {
            return "the rehearsal's observer session failed, so the migration was stopped: " + Jdbc.describe(e);
        } finally {
            current = null;
        }
    }

    /** Executes one statement and reads every result it returns (a SELECT's rows are read and dropped). */
    private static void execute(Statement st, String sql) throws SQLException {
        boolean isResultSet = st.execute(sql);
        while (true) {
            if (isResultSet) {
                st.getResultSet().close();
            } else if (st.getLargeUpdateCount() == -1) {
                return;
            }
            isResultSet = st.getMoreResults();
        }
    }

    private TransactionState transactionState() throws SQLException {
        return migration.unwrap(BaseConnection.class).getTransactionState();
    }

    private static void rollback(Statement st) {
        try {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // the session is broken: closing it ends the transaction all the same
        }
    }

    /** A rewrite is the one statement's outside a block; inside one, the statement's that held ACCESS EXCLUSIVE on it first. */
    private void attributeRewrites(List<RelationFiles.Rewrite> rewrites, List<Ran> block) {
        if (rewrites.isEmpty() || block.isEmpty()) {
            return;
        }
        if (block.size() == 1) {
            rewrites.forEach(r -> block.get(0).rewrites.add(r.rewrite()));
            return;
        }
        List<LockMonitor.Hold> holds = monitor.holdsWithOids();
        for (RelationFiles.Rewrite rewrite : rewrites) {
            Ran owner = block.get(block.size() - 1);
            for (LockMonitor.Hold h : holds) {
                boolean same = h.oid() == rewrite.oid() || h.oid() == rewrite.oldOid();
                if (h.hold().pid() == pid && same && h.hold().blocksReads()) {
                    Ran taker = stepAt(block, h.hold().firstSeen());
                    if (taker != null) {
                        owner = taker;
                        break;
                    }
                }
            }
            owner.rewrites.add(rewrite.rewrite());
        }
    }

    /** The step of {@code steps} running at {@code t}: the last one started at or before it. */
    private static Ran stepAt(List<Ran> steps, Instant t) {
        Ran found = null;
        for (Ran r : steps) {
            if (!r.started.isAfter(t)) {
                found = r;
            }
        }
        return found;
    }

    // ------------------------------------------------------------------ evidence

    private List<StepEvidence> evidence(List<Ran> ran) {
        if (ran.isEmpty()) {
            return List.of();
        }
        List<LockHold> holds = monitor.holds().stream().filter(h -> h.pid() == pid).toList();
        List<LockWait> waits = monitor.waits().stream().filter(w -> w.blockerPid() == pid).toList();
        Map<Ran, List<LockHold>> locks = new LinkedHashMap<>();
        Map<Ran, List<LockWait>> blocked = new LinkedHashMap<>();
        ran.forEach(r -> {
            locks.put(r, new ArrayList<>());
            blocked.put(r, new ArrayList<>());
        });
        Map<LockHold, Ran> takenBy = new LinkedHashMap<>();
        for (LockHold h : holds) {
            Ran r = stepAt(ran, h.firstSeen());
            // a hold seen before the first statement cannot be the migration's; the pid is only watched once it runs
            if (r != null) {
                locks.get(r).add(h);
                takenBy.put(h, r);
            }
        }
        for (LockWait w : waits) {
            blocked.get(waitedFor(w, takenBy, ran)).add(w);
        }
        List<StepEvidence> out = new ArrayList<>();
        for (int i = 0; i < ran.size(); i++) {
            Ran r = ran.get(i);
            out.add(new StepEvidence(i + 1, r.script, r.line, cut(r.sql, MAX_SQL), pid, r.started,
                    r.duration == null ? Duration.ZERO : r.duration, r.walBytes, locks.get(r), blocked.get(r), r.rewrites,
                    r.sqlState, r.error));
        }
        return out;
    }

    /** The step a wait is given to (see the class comment). */
    private Ran waitedFor(LockWait w, Map<LockHold, Ran> takenBy, List<Ran> ran) {
        if ("relation".equals(w.lockType()) && w.relation() != null) {
            Duration slack = monitor.interval();
            for (Map.Entry<LockHold, Ran> e : takenBy.entrySet()) {
                LockHold h = e.getKey();
                boolean overlaps = !h.firstSeen().isAfter(w.lastSeen().plus(slack)) && !h.lastSeen().isBefore(w.firstSeen().minus(slack));
                if (h.relation().equals(w.relation()) && LockModes.conflict(h.mode(), w.mode()) && overlaps) {
                    return e.getValue();
                }
            }
        }
        Ran r = stepAt(ran, w.firstSeen());
        return r == null ? ran.get(0) : r;
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    // ------------------------------------------------------------------ the observer and the deadline

    @FunctionalInterface
    private interface Observation<T> {
        T read(Connection c) throws SQLException;
    }

    /** A measurement on the observer session; reopens it once when it was lost. */
    private <T> T observe(Observation<T> o) throws SQLException {
        observerLock.lock();
        try {
            try {
                return o.read(observer);
            } catch (SQLException e) {
                if (!LockMonitor.lost(e) && !observer.isClosed()) {
                    throw e;
                }
                closeQuietly(observer);
                observer = sessions.open(OBSERVER_ROLE, OBSERVER_SETTINGS, OBSERVER_SOCKET_TIMEOUT);
                return o.read(observer);
            }
        } finally {
            observerLock.unlock();
        }
    }

    /** At the deadline: no further statement, and the running one cancelled, again every 250 ms until it returns. */
    private Thread startWatchdog(long deadlineNanos) {
        Thread t = new Thread(() -> {
            long wait;
            while (!finished && (wait = deadlineNanos - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, wait);
            }
            if (finished) {
                return;
            }
            deadlineExceeded = true;
            while (!finished) {
                if (statementRunning) {
                    cancelRunningStatement();
                }
                // again soon: a statement may have started just before the deadline was seen, or ignored a cancel
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(250));
            }
        }, "pgclone-rehearsal-deadline");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** pg_cancel_backend from the observer; the protocol's cancel request when the observer is busy or lost. */
    private void cancelRunningStatement() {
        boolean cancelled = false;
        try {
            if (observerLock.tryLock(2, TimeUnit.SECONDS)) {
                try (PreparedStatement ps = observer.prepareStatement("SELECT pg_cancel_backend(?)")) {
                    ps.setInt(1, pid);
                    try (ResultSet rs = ps.executeQuery()) {
                        cancelled = rs.next() && rs.getBoolean(1);
                    }
                } finally {
                    observerLock.unlock();
                }
            }
        } catch (SQLException e) {
            cancelled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Statement st = current;
        if (!cancelled && st != null) {
            try {
                st.cancel();
            } catch (SQLException ignored) {
                // the next round tries again
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing ends the session either way
            }
        }
    }

    /** One statement's measurements while the run goes on; turned into a StepEvidence at the end. */
    private static final class Ran {
        final String script;
        final int line;
        final String sql;
        final List<TableRewrite> rewrites = new ArrayList<>();
        Instant started;
        Duration duration;
        long walBytes;
        String sqlState;
        String error;

        Ran(String script, int line, String sql) {
            this.script = script;
            this.line = line;
            this.sql = sql;
        }

        void failed(SQLException e, SqlScripts.SqlStatement statement, boolean deadlinePassed, Duration deadline) {
            String message;
            if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
                sqlState = p.getServerErrorMessage().getSQLState();
                message = Jdbc.oneLine(p.getServerErrorMessage().getMessage());
                int position = p.getServerErrorMessage().getPosition();
                if (position > 0 && statement.lineOfPosition(position) != statement.line()) {
                    message += " (line " + statement.lineOfPosition(position) + ")";
                }
            } else {
                sqlState = e.getSQLState();
                message = Jdbc.describe(e);
            }
            if (deadlinePassed && "57014".equals(sqlState)) {
                message = "cancelled at the migration's deadline of " + Jdbc.human(deadline) + ": " + message;
            }
            error = message;
        }
    }
}
