package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The application's queries, run against the clone at their rates and concurrency while the
 * rehearsal goes through its phases ({@link #BASELINE}, then {@link #MIGRATION}), measured per
 * query and phase.
 *
 * <p>Each query has {@code concurrency} sessions of its own, each on its own connection named
 * {@code pgclone-rehearsal/workload/<query>} so the lock monitor can tell whose queries waited.
 * Sessions autocommit, with the workload's {@code statement_timeout} and {@code lock_timeout}
 * (sent at login, so nothing in the clone's catalogs overrides them).
 *
 * <p>Pacing is open loop, as an application's traffic is: the query's n-th execution is due at
 * start + n / rate whatever the earlier ones did, and goes to whichever of its sessions is free
 * first. A lock that stalls every session therefore does not lower the load offered: the turns that
 * came meanwhile are run late when the sessions are free again (and counted late), or skipped when
 * they are later than the skip threshold (and counted skipped), instead of silently not existing.
 * A query with rate 0 runs as fast as its sessions can, with no schedule.
 *
 * <p>An execution belongs to the phase in which it was sent, and counts there as executed whether
 * it succeeds or fails. Its latency, from send to the last row read, goes into that phase's
 * histogram when it succeeds; when it fails, its SQLSTATE is counted and the workload goes on. A session whose connection broke (SQLSTATE class 08, or the
 * server ended it: 57P01-57P03) opens a new one at its next turn (counted as a reconnect); a turn
 * that finds no connection possible counts as a failed execution under the connect error's
 * SQLSTATE. An error inside a {@code BEGIN} block of a script rolls the block back; a script that
 * ends with its block still open counts a 25000 error and is rolled back too, so no session of
 * the workload keeps a transaction (and its locks) open between executions.
 */
public final class Workload implements AutoCloseable {

    public static final String BASELINE = "baseline";
    public static final String MIGRATION = "migration";
    public static final String APPLICATION_PREFIX = "pgclone-rehearsal/workload/";

    private static final String UNKNOWN_STATE = "unknown";
    private static final Duration MAX_RECONNECT_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MIN_RECONNECT_BACKOFF = Duration.ofMillis(100);

    /**
     * The {@code application_name} of a query's sessions. The server keeps only its first 63
     * bytes and rewrites characters outside printable ASCII, so {@code pg_stat_activity} shows a
     * query's name as given only when it is printable ASCII of at most 36 characters.
     */
    public static String applicationName(String query) {
        return APPLICATION_PREFIX + query;
    }

    /** The query a session of the workload runs, from its {@code application_name}; null for any other session. */
    public static String queryOf(String applicationName) {
        return applicationName != null && applicationName.startsWith(APPLICATION_PREFIX)
                ? applicationName.substring(APPLICATION_PREFIX.length()) : null;
    }

    public static Builder builder(Jdbc.Target target) {
        return new Builder(target);
    }

    /** What to run and how; {@link #start()} opens the sessions. */
    public static final class Builder {
        private final Jdbc.Target target;
        private final List<Task> tasks = new ArrayList<>();
        private Duration loginTimeout = Duration.ofSeconds(10);
        private Duration statementTimeout;
        private Duration lockTimeout;
        private Duration lateAfter = Duration.ofMillis(100);
        private Duration skipAfter = Duration.ofSeconds(1);
        private Duration stopGrace = Duration.ofSeconds(5);
        private long seed = System.nanoTime();

        private Builder(Jdbc.Target target) {
            this.target = target;
        }

        /** A query run as written. */
        public Builder query(WorkloadQuery q) {
            return add(new Task(q.name(), q.ratePerSecond(), q.concurrency(), PgbenchScript.literal(q.name(), q.sql())));
        }

        /** A pgbench script, run whole as one execution of a query named after the script. */
        public Builder script(PgbenchScript script, double ratePerSecond, int concurrency) {
            return add(new Task(script.name(), ratePerSecond, concurrency, script));
        }

        private Builder add(Task t) {
            if (t.name() == null || t.name().isBlank()) {
                throw new IllegalArgumentException("a workload query needs a name");
            }
            if (tasks.stream().anyMatch(o -> o.name().equals(t.name()))) {
                throw new IllegalArgumentException("two workload queries are named " + t.name());
            }
            if (t.concurrency() < 1) {
                throw new IllegalArgumentException("workload query " + t.name() + ": concurrency " + t.concurrency() + " is below 1");
            }
            if (!(t.ratePerSecond() >= 0) || Double.isInfinite(t.ratePerSecond())) {
                throw new IllegalArgumentException("workload query " + t.name() + ": rate " + t.ratePerSecond()
                        + " is not a number of executions per second (0: as fast as possible)");
            }
            tasks.add(t);
            return this;
        }

        public Builder loginTimeout(Duration d) {
            this.loginTimeout = d;
            return this;
        }

        /** Server-side {@code statement_timeout} of every session (null or zero: none). */
        public Builder statementTimeout(Duration d) {
            this.statementTimeout = d;
            return this;
        }

        /** Server-side {@code lock_timeout} of every session (null or zero: none). */
        public Builder lockTimeout(Duration d) {
            this.lockTimeout = d;
            return this;
        }

        /** An execution sent more than this after its turn counts as late (default 100 ms). */
        public Builder lateAfter(Duration d) {
            this.lateAfter = d;
            return this;
        }

        /** A turn more than this late is skipped (default 1 s). */
        public Builder skipAfter(Duration d) {
            this.skipAfter = d;
            return this;
        }

        /** How long {@link #stop()} lets executions in flight finish before cancelling them (default 5 s). */
        public Builder stopGrace(Duration d) {
            this.stopGrace = d;
            return this;
        }

        /** Seed of the scripts' random numbers (default: from the clock). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Opens every session; nothing runs before the first {@link Workload#phase}.
         *
         * @throws SQLException when a session cannot connect (the ones already open are closed)
         */
        public Workload start() throws SQLException {
            if (tasks.isEmpty()) {
                throw new IllegalArgumentException("a workload needs at least one query");
            }
            if (skipAfter.compareTo(lateAfter) < 0) {
                throw new IllegalArgumentException("skipAfter " + skipAfter + " is shorter than lateAfter " + lateAfter);
            }
            Workload w = new Workload(this);
            try {
                w.connectAll();
            } catch (SQLException | RuntimeException e) {
                w.closeConnections();
                throw e;
            }
            return w;
        }
    }

    private record Task(String name, double ratePerSecond, int concurrency, PgbenchScript script) {}

    private record PhaseMark(String name, long startNanos, Instant started) {}

    private final Jdbc.Target target;
    private final Duration loginTimeout;
    private final long lateAfterNanos;
    private final long skipAfterNanos;
    private final Duration stopGrace;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Duration socketTimeout;
    private final List<QueryRunner> runners = new ArrayList<>();
    private final List<PhaseMark> phases = new ArrayList<>();
    private volatile PhaseMark current;
    private volatile boolean stopping;
    private volatile long stopNanos;
    private long scheduleStart;
    private WorkloadResult result;

    private Workload(Builder b) {
        this.target = b.target;
        this.loginTimeout = b.loginTimeout;
        this.lateAfterNanos = b.lateAfter.toNanos();
        this.skipAfterNanos = b.skipAfter.toNanos();
        this.stopGrace = b.stopGrace;
        boolean statementTimeout = b.statementTimeout != null && b.statementTimeout.toMillis() > 0;
        if (statementTimeout) {
            settings.put("statement_timeout", Long.toString(b.statementTimeout.toMillis()));
        }
        if (b.lockTimeout != null) {
            settings.put("lock_timeout", Long.toString(b.lockTimeout.toMillis()));
        }
        // the server ends a statement at statement_timeout; the socket gives up a little later. Without
        // one, stop() is what ends a statement that never returns.
        this.socketTimeout = statementTimeout ? b.statementTimeout.plusSeconds(5) : null;
        long seed = b.seed;
        for (Task t : b.tasks) {
            runners.add(new QueryRunner(t, seed));
            seed += 1_000_003L;
        }
    }

    private void connectAll() throws SQLException {
        for (QueryRunner r : runners) {
            for (SessionRunner s : r.sessions) {
                s.connection = open(r.task.name());
                s.statement = s.connection.createStatement();
            }
        }
    }

    private Connection open(String query) throws SQLException {
        return Jdbc.connect(target, loginTimeout, socketTimeout, settings, applicationName(query));
    }

    /**
     * Starts a phase: executions sent from now on count in it. The first call starts the sessions
     * and the schedule, which runs on across phases.
     */
    public synchronized void phase(String name) {
        if (result != null) {
            throw new IllegalStateException("the workload has stopped");
        }
        if (phases.stream().anyMatch(p -> p.name().equals(name))) {
            throw new IllegalArgumentException("phase " + name + " has run already");
        }
        long now = System.nanoTime();
        PhaseMark mark = new PhaseMark(name, now, Instant.now());
        for (QueryRunner r : runners) {
            r.recorders.put(name, new PhaseRecorder());
        }
        phases.add(mark);
        current = mark;
        if (phases.size() == 1) {
            scheduleStart = now;
            for (QueryRunner r : runners) {
                for (SessionRunner s : r.sessions) {
                    s.thread = new Thread(s, "pgclone-rehearsal-workload-" + r.task.name() + "-" + s.clientId);
                    s.thread.setDaemon(true);
                }
            }
            for (QueryRunner r : runners) {
                r.sessions.forEach(s -> s.thread.start());
            }
        }
    }

    /**
     * Stops sending, lets executions in flight finish for the stop grace, cancels the rest (they
     * count nowhere), closes every session and returns what was measured. Later calls return the
     * same result.
     */
    public synchronized WorkloadResult stop() {
        if (result != null) {
            return result;
        }
        stopNanos = System.nanoTime();
        stopping = true;
        List<SessionRunner> all = runners.stream().flatMap(r -> r.sessions.stream()).toList();
        all.forEach(s -> {
            if (s.thread != null) {
                LockSupport.unpark(s.thread);
            }
        });
        joinAll(all, stopGrace);
        for (SessionRunner s : all) {
            if (alive(s)) {
                s.cancelledByStop = true;
                try {
                    Statement st = s.statement;
                    if (st != null) {
                        st.cancel();
                    }
                } catch (SQLException e) {
                    // the abort below ends it
                }
            }
        }
        joinAll(all, Duration.ofSeconds(2));
        for (SessionRunner s : all) {
            if (alive(s)) {
                abort(s.connection);
            }
        }
        joinAll(all, Duration.ofSeconds(2));
        closeConnections();
        countTurnsNobodyTook();
        result = buildResult(stopNanos);
        return result;
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Turns that came before the stop and that no session took (all of them were busy or behind)
     * were not sent: skipped, like the ones too late to send, so that executed plus skipped is
     * every turn of the phase.
     */
    private void countTurnsNobodyTook() {
        if (phases.isEmpty()) {
            return;
        }
        PhaseMark last = phases.get(phases.size() - 1);
        for (QueryRunner r : runners) {
            if (r.intervalNanos <= 0) {
                continue;
            }
            long taken = r.nextTurn.get();
            long came = (long) Math.floor((stopNanos - scheduleStart) / r.intervalNanos) + 1;
            for (long turn = taken; turn < came; turn++) {
                r.recorder(last).turn(stopNanos - r.due(turn), false, true);
            }
        }
    }

    private WorkloadResult buildResult(long stopNanos) {
        List<WorkloadResult.Phase> out = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            PhaseMark p = phases.get(i);
            long end = i + 1 < phases.size() ? phases.get(i + 1).startNanos() : stopNanos;
            out.add(new WorkloadResult.Phase(p.name(), p.started(), Duration.ofNanos(end - p.startNanos())));
        }
        List<WorkloadResult.QueryRun> queries = new ArrayList<>();
        for (QueryRunner r : runners) {
            Map<String, QueryPhaseStats> stats = new LinkedHashMap<>();
            Map<String, WorkloadResult.Pacing> pacing = new LinkedHashMap<>();
            for (PhaseMark p : phases) {
                PhaseRecorder rec = r.recorders.get(p.name());
                stats.put(p.name(), rec.stats(p.name()));
                pacing.put(p.name(), rec.pacing());
            }
            queries.add(new WorkloadResult.QueryRun(r.task.name(), r.task.ratePerSecond(), r.task.concurrency(), stats, pacing));
        }
        return new WorkloadResult(out, queries);
    }

    private static boolean alive(SessionRunner s) {
        return s.thread != null && s.thread.isAlive();
    }

    private static void joinAll(List<SessionRunner> sessions, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        for (SessionRunner s : sessions) {
            if (s.thread == null) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                s.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void closeConnections() {
        for (QueryRunner r : runners) {
            for (SessionRunner s : r.sessions) {
                Connection c = s.connection;
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException | RuntimeException e) {
                        abort(c);
                    }
                }
            }
        }
    }

    private static void abort(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // closed already
        }
    }

    /** Whether the connection is gone: class 08, or the server ended the session (shutdown, pg_terminate_backend). */
    static boolean connectionLost(SQLException e, Connection c) {
        String state = Jdbc.sqlState(e);
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
            return true;
        }
        try {
            return c.isClosed();
        } catch (SQLException closed) {
            return true;
        }
    }

    // ------------------------------------------------------------------ per query and per session

    private final class QueryRunner {
        final Task task;
        final double intervalNanos;
        final AtomicLong nextTurn = new AtomicLong();
        final Map<String, PhaseRecorder> recorders = new ConcurrentHashMap<>();
        final List<SessionRunner> sessions = new ArrayList<>();

        QueryRunner(Task task, long seed) {
            this.task = task;
            this.intervalNanos = task.ratePerSecond() > 0 ? 1e9 / task.ratePerSecond() : 0;
            for (int i = 0; i < task.concurrency(); i++) {
                sessions.add(new SessionRunner(this, i, task.script().session(i, seed + i)));
            }
        }

        long due(long turn) {
            return scheduleStart + Math.round(turn * intervalNanos);
        }

        PhaseRecorder recorder(PhaseMark phase) {
            return recorders.get(phase.name());
        }
    }

    private final class SessionRunner implements Runnable {
        final QueryRunner query;
        final int clientId;
        final PgbenchScript.Session variables;
        volatile Connection connection;
        volatile Statement statement;
        volatile boolean cancelledByStop;
        Thread thread;
        private Duration backoff = MIN_RECONNECT_BACKOFF;

        SessionRunner(QueryRunner query, int clientId, PgbenchScript.Session variables) {
            this.query = query;
            this.clientId = clientId;
            this.variables = variables;
        }

        @Override
        public void run() {
            while (!stopping) {
                PhaseMark phase;
                if (query.intervalNanos > 0) {
                    long turn = query.nextTurn.getAndIncrement();
                    long due = query.due(turn);
                    if (!sleepUntil(due)) {
                        if (due <= stopNanos) {
                            // its time came, but the workload stopped before this session got to it
                            query.recorder(current).turn(stopNanos - due, false, true);
                        }
                        return;
                    }
                    phase = current;
                    long lag = System.nanoTime() - due;
                    boolean skip = lag > skipAfterNanos;
                    query.recorder(phase).turn(lag, !skip && lag > lateAfterNanos, skip);
                    if (skip) {
                        continue;
                    }
                } else {
                    phase = current;
                }
                executeOnce(query.recorder(phase));
            }
        }

        private boolean sleepUntil(long due) {
            while (!stopping) {
                long left = due - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                LockSupport.parkNanos(left);
            }
            return false;
        }

        private void executeOnce(PhaseRecorder rec) {
            if (connection == null && !reconnect(rec)) {
                return;
            }
            List<String> sqls;
            try {
                sqls = variables.next();
            } catch (SQLException e) {
                rec.error(e.getSQLState());
                return;
            }
            Statement st = statement;
            long start = System.nanoTime();
            try {
                for (String sql : sqls) {
                    runOne(st, sql);
                }
                long took = System.nanoTime() - start;
                if (inTransaction()) {
                    rec.error("25000");
                    rollback(st);
                } else {
                    rec.success(took);
                }
            } catch (SQLException e) {
                if (stopping && cancelledByStop) {
                    return;
                }
                rec.error(e.getSQLState());
                if (connectionLost(e, connection)) {
                    Connection lost = connection;
                    connection = null;
                    statement = null;
                    abort(lost);
                } else if (inTransaction()) {
                    rollback(st);
                }
            }
        }

        private void runOne(Statement st, String sql) throws SQLException {
            boolean isResultSet = st.execute(sql);
            while (true) {
                if (isResultSet) {
                    try (ResultSet rs = st.getResultSet()) {
                        while (rs.next()) {
                            // read every row: the latency includes the whole result
                        }
                    }
                } else if (st.getUpdateCount() == -1) {
                    return;
                }
                isResultSet = st.getMoreResults();
            }
        }

        private boolean inTransaction() {
            try {
                Connection c = connection;
                return c != null && c.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE;
            } catch (SQLException e) {
                return false;
            }
        }

        private void rollback(Statement st) {
            try {
                st.execute("ROLLBACK");
            } catch (SQLException e) {
                if (connectionLost(e, connection)) {
                    Connection lost = connection;
                    connection = null;
                    statement = null;
                    abort(lost);
                }
            }
        }

        /** A new connection for this session; a failure counts as a failed execution and waits a backoff. */
        private boolean reconnect(PhaseRecorder rec) {
            Connection c = null;
            try {
                c = open(query.task.name());
                statement = c.createStatement();
                connection = c;
                if (stopping) {
                    // stop() may have closed the sessions before this one was set: leave nothing open
                    abort(c);
                    return false;
                }
                rec.reconnected();
                backoff = MIN_RECONNECT_BACKOFF;
                return true;
            } catch (SQLException e) {
                abort(c);
                rec.error(e.getSQLState());
                long until = System.nanoTime() + backoff.toNanos();
                backoff = backoff.multipliedBy(2).compareTo(MAX_RECONNECT_BACKOFF) > 0 ? MAX_RECONNECT_BACKOFF : backoff.multipliedBy(2);
                sleepUntil(until);
                return false;
            }
        }
    }

    /** One query's counts in one phase; its sessions record concurrently. */
    private static final class PhaseRecorder {
        private final LatencyHistogram latencies = new LatencyHistogram();
        private final Map<String, Long> errorsByState = new TreeMap<>();
        private long executed;
        private long errors;
        private long late;
        private long skipped;
        private long reconnects;
        private long maxLagNanos;

        synchronized void success(long nanos) {
            executed++;
            latencies.recordNanos(nanos);
        }

        synchronized void error(String sqlState) {
            executed++;
            errors++;
            errorsByState.merge(sqlState == null || sqlState.isEmpty() ? UNKNOWN_STATE : sqlState, 1L, Long::sum);
        }

        synchronized void turn(long lagNanos, boolean isLate, boolean isSkipped) {
            maxLagNanos = Math.max(maxLagNanos, lagNanos);
            if (isLate) {
                late++;
            }
            if (isSkipped) {
                skipped++;
            }
        }

        synchronized void reconnected() {
            reconnects++;
        }

        synchronized QueryPhaseStats stats(String phase) {
            return new QueryPhaseStats(phase, executed, errors, errorsByState, latencies.millisAt(50), latencies.millisAt(95),
                    latencies.millisAt(99), latencies.maxMillis());
        }

        synchronized WorkloadResult.Pacing pacing() {
            return new WorkloadResult.Pacing(late, skipped, reconnects, maxLagNanos / 1e6);
        }
    }
}
