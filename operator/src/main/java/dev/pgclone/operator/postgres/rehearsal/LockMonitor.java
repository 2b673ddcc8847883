package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples, on a session of its own ({@code pgclone-rehearsal/monitor}), which relation locks the
 * migration's backends hold and who waits behind them, at a fixed interval (100 ms by default) for
 * as long as it runs, and turns the samples into intervals:
 * <ul>
 *   <li>{@link LockHold}: a granted relation lock of a migration backend, per pid, relation and mode,
 *       from the first to the last consecutive sample that showed it;</li>
 *   <li>{@link LockWait}: a session waiting for a lock ({@code pg_locks.granted = false}) whose
 *       {@code pg_blocking_pids} holds a migration backend, or holds a session that itself waits,
 *       directly or further down the queue, behind one: a row lock makes the first writer wait on the
 *       migration's transaction id and every later writer of that row on the first writer's tuple lock,
 *       and all of them waited for the migration;</li>
 *   <li>the migration backends themselves (for the Job path): first and last seen, application_name,
 *       last query.</li>
 * </ul>
 *
 * <p>Which backends are the migration's is a {@link Watch}: the migration session's pid (SQL path),
 * or every client backend of the database that is not one of the rehearsal's own sessions (Job path:
 * the team's tool connects as it likes). Background processes (autovacuum, parallel workers, whose
 * locks their leader holds too) never are.
 *
 * <p>One query per sample reads {@code pg_stat_activity} and {@code pg_locks} once each (a
 * {@code pg_locks} read briefly takes the lock manager's partition locks, so reading it once matters on a
 * busy clone) and calls {@code pg_blocking_pids} only for the sessions that wait. Relation names come
 * from a left join on {@code pg_class} under the sample's own snapshot, never from a {@code regclass}
 * cast: a relation dropped or created by the migration's open transaction resolves to nothing (not an
 * error). A name once resolved is kept (a dropped table keeps the name it had); a relation no sample could
 * name is looked up again when the holds are read, after the migration committed. One that never
 * resolves was never visible to any other session (created and dropped, or rolled back, inside the
 * migration's transaction, like the transient copy a table rewrite builds): nobody else could ask for a
 * lock on it, and its holds are left out. So are the holds that began while their relation could not be
 * named yet and committed later (the index a CREATE INDEX builds, a table created by the migration):
 * they end with the transaction that made the relation visible; a lock taken on it by a later
 * transaction, once it is named, is a hold like any other.
 *
 * <p>Kept: relations with an oid of a user object (16384 and above: no system catalog, no
 * information_schema view), without temporary tables (they cannot block anyone else) and without TOAST
 * tables and their indexes: every access to a TOAST table goes through its parent table, which the same
 * transaction locks first, so a session that would conflict on the TOAST table conflicts on the parent
 * before; the TOAST lines would only repeat the parent's under internal names
 * ({@code pg_toast.pg_toast_16412_index}). A wait is kept whatever it waits on (a relation of any kind,
 * a transaction id, a tuple, an advisory lock). Sessions still logging in (no state yet, no
 * application_name yet) are not looked at.
 *
 * <p>A sample that fails (the session was terminated, the statement timed out, a catalog was locked)
 * is counted, not fatal: the next tick reconnects when the session is gone and samples again. Intervals
 * stay open across a failed sample. {@link #quality()} says how good the evidence is: the samples taken
 * and failed, the largest gap between two successful samples (more than two intervals is a hole in the
 * evidence: a lock shorter than the gap may have been missed) and what the query cost.
 *
 * <p>A sample reads the server somewhere between the moment its query is sent and the moment the answer
 * arrives. An interval starts when the answer of the first sample that showed it arrived and ends when the
 * last one that showed it was sent: the lock was held (the session waited) for at least that long, and a
 * statement that started before the interval's start can be the one that took it, one that started after
 * cannot. The true hold is longer by less than one interval plus one query on each side; an interval seen
 * in one sample only has no length. {@link #sampleNow()} takes a sample at once: the SQL path takes one
 * after every statement, so a lock still held after its statement is seen before the next statement
 * starts, whatever the interval.
 */
public final class LockMonitor implements AutoCloseable {

    public static final String ROLE = "monitor";
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    /** Bounds on one sample: a sample is cheap, and a catalog locked by the migration must not stall the monitor. */
    static final Map<String, String> SETTINGS = Map.of("statement_timeout", "5s", "lock_timeout", "1s", "jit", "off");
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    private static final int FIRST_USER_OID = 16384;

    /** Which backends are the migration's. */
    public static final class Watch {
        private final boolean otherSessions;
        private final Set<Integer> pids = ConcurrentHashMap.newKeySet();

        private Watch(boolean otherSessions) {
            this.otherSessions = otherSessions;
        }

        /** The SQL path: the pids the caller adds ({@link LockMonitor#watch(int)}), none at first. */
        public static Watch pids() {
            return new Watch(false);
        }

        /**
         * The Job path: every client backend of the database whose application_name does not start
         * with {@value CloneSessions#PREFIX}.
         */
        public static Watch otherSessions() {
            return new Watch(true);
        }

        public boolean isOtherSessions() {
            return otherSessions;
        }

        /** The condition on pg_stat_activity (alias {@code a}); the pids variant has one array parameter. */
        String condition() {
            return otherSessions
                    ? "a.backend_type = 'client backend' AND left(coalesce(a.application_name, ''), "
                            + CloneSessions.PREFIX.length() + ") <> '" + CloneSessions.PREFIX + "'"
                    : "a.pid = ANY (?::int[])";
        }
    }

    /**
     * A migration backend as the samples saw it. {@code walBefore} is the WAL insert position at the
     * last sample before it was first seen, {@code walAfter} at the first sample after it was last seen
     * (or the latest sample while it is still connected): their difference bounds the WAL it can have
     * written, along with everything else the clone wrote meanwhile.
     */
    record Backend(int pid, Instant backendStart, String applicationName, String lastQuery, Instant firstSeen, Instant lastSeen,
                   long walBefore, long walAfter) {}

    /** A hold with the relation's oid, which rewrites are matched on. */
    record Hold(long oid, LockHold hold) {}

    private final CloneSessions sessions;
    private final Watch watch;
    private final Duration interval;
    private final long originNanos = System.nanoTime();
    private final Instant origin = Instant.now();
    private final String sql;
    private final Thread thread;
    private volatile boolean running = true;

    // everything below is guarded by "this"
    private Connection connection;
    private PreparedStatement statement;
    private final Map<HoldKey, Interval> openHolds = new HashMap<>();
    private final List<Map.Entry<HoldKey, Interval>> closedHolds = new ArrayList<>();
    private final Map<WaitKey, Interval> openWaits = new HashMap<>();
    private final List<Map.Entry<WaitKey, Interval>> closedWaits = new ArrayList<>();
    private final Map<BackendKey, SeenBackend> backends = new LinkedHashMap<>();
    private final Map<Long, Relation> relations = new HashMap<>();
    private long samples;
    private long failedSamples;
    private String lastError;
    private final Instant startedAt;
    private Instant lastSampleAt;
    private long lastWal = -1;
    private Duration largestGap = Duration.ZERO;
    private Instant largestGapEnd;
    private long queryNanosTotal;
    private long queryNanosMax;
    private Instant stoppedAt;

    private LockMonitor(CloneSessions sessions, Watch watch, Duration interval) {
        this.sessions = sessions;
        this.watch = watch;
        this.interval = interval;
        this.sql = sampleQuery(watch);
        this.startedAt = now();
        this.thread = new Thread(this::loop, "pgclone-rehearsal-monitor");
        this.thread.setDaemon(true);
    }

    /**
     * Opens the monitor's session, takes a first sample and starts sampling every {@code interval}.
     * Throws when the session cannot be opened: a rehearsal without a monitor has no evidence.
     */
    public static LockMonitor start(CloneSessions sessions, Watch watch, Duration interval) throws SQLException {
        Objects.requireNonNull(sessions, "sessions");
        Objects.requireNonNull(watch, "watch");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        LockMonitor m = new LockMonitor(sessions, watch, interval);
        synchronized (m) {
            m.connection = sessions.open(ROLE, SETTINGS, SOCKET_TIMEOUT);
        }
        m.sampleNow();
        m.thread.start();
        return m;
    }

    /** The rehearsal's time line: wall-clock time at start plus a monotonic clock, so a clock step cannot bend an interval. */
    public Instant now() {
        return origin.plusNanos(System.nanoTime() - originNanos);
    }

    public Duration interval() {
        return interval;
    }

    public Watch watching() {
        return watch;
    }

    /** Adds a migration backend (SQL path). */
    public void watch(int pid) {
        if (watch.otherSessions) {
            throw new IllegalStateException("this monitor watches every session but the rehearsal's own; it takes no pids");
        }
        watch.pids.add(pid);
    }

    /** Takes a sample now, on the caller's thread (after any sample in progress); a failure is counted, as any sample's. */
    public synchronized void sampleNow() {
        if (stoppedAt != null) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            if (connection == null || connection.isClosed()) {
                closeConnection();
                connection = sessions.open(ROLE, SETTINGS, SOCKET_TIMEOUT);
            }
            if (statement == null) {
                statement = connection.prepareStatement(sql);
            }
            if (!watch.otherSessions) {
                Array pids = connection.createArrayOf("int4", watch.pids.toArray());
                statement.setArray(1, pids);
            }
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.add(Row.read(rs));
                }
            }
            Instant sent = origin.plusNanos(t0 - originNanos);
            Instant received = now();
            Set<Long> seen = new HashSet<>();
            rows.forEach(r -> seen.add(r.relation));
            name(seen);
            record(sent, received, rows);
            long t1 = System.nanoTime();
            queryNanosTotal += t1 - t0;
            queryNanosMax = Math.max(queryNanosMax, t1 - t0);
        } catch (SQLException | RuntimeException e) {
            failedSamples++;
            lastError = e instanceof SQLException s ? Jdbc.describe(s) : e.toString();
            if (e instanceof SQLException s && lost(s)) {
                closeConnection();
            }
        }
    }

    /**
     * Every hold seen so far, ended or not, in the order they were first seen. Two relations of one name seen
     * over the same samples (an index and the copy that replaces it in a rebuild) are one line.
     */
    public List<LockHold> holds() {
        return holdsWithOids().stream().map(Hold::hold).distinct().toList();
    }

    synchronized List<Hold> holdsWithOids() {
        resolveUnknownNames();
        List<Hold> out = new ArrayList<>();
        for (Map.Entry<HoldKey, Interval> e : allHolds()) {
            Relation r = relations.get(e.getKey().oid);
            // never seen by any other session: created (and dropped, or rolled back) inside the migration's transaction,
            // such as the transient copy a table rewrite builds; nobody else could ask for a lock on it
            if (r == null || !r.kept()) {
                continue;
            }
            // created by the holder's own open transaction (CREATE INDEX's new index, a new table): no other
            // session could see the relation while the lock was held, so nobody could wait for it
            if (e.getValue().unseenByOthers) {
                continue;
            }
            out.add(new Hold(e.getKey().oid, new LockHold(e.getKey().pid, r.name, r.kind, e.getKey().mode, e.getValue().first, e.getValue().last)));
        }
        out.sort(Comparator.comparing((Hold h) -> h.hold().firstSeen()).thenComparingInt(h -> h.hold().pid()));
        return out;
    }

    /** Every wait behind a migration backend seen so far, in the order they were first seen. */
    public synchronized List<LockWait> waits() {
        resolveUnknownNames();
        List<LockWait> out = new ArrayList<>();
        List<Map.Entry<WaitKey, Interval>> all = new ArrayList<>(closedWaits);
        all.addAll(openWaits.entrySet());
        for (Map.Entry<WaitKey, Interval> e : all) {
            WaitKey k = e.getKey();
            Interval i = e.getValue();
            String relation = null;
            if (k.relationOid != 0) {
                Relation r = relations.get(k.relationOid);
                relation = r == null ? Long.toString(k.relationOid) : r.name;
            }
            out.add(new LockWait(k.waiterPid, i.application, i.query, k.lockType, relation, k.mode, k.blockerPid, i.first, i.last));
        }
        out.sort(Comparator.comparing(LockWait::firstSeen).thenComparingInt(LockWait::waiterPid));
        return out;
    }

    /** The migration backends seen so far, in the order they were first seen. */
    synchronized List<Backend> backends() {
        List<Backend> out = new ArrayList<>();
        for (SeenBackend b : backends.values()) {
            out.add(new Backend(b.pid, b.backendStart, b.application, b.lastQuery, b.first, b.last, b.walBefore, b.walAfter));
        }
        return out;
    }

    public synchronized SamplingQuality quality() {
        Duration gap = largestGap;
        Instant gapEnd = largestGapEnd;
        Instant end = stoppedAt == null ? now() : stoppedAt;
        // no sample at all: the whole run is the gap
        Duration tail = Duration.between(lastSampleAt == null ? startedAt : lastSampleAt, end);
        if (tail.compareTo(gap) > 0) {
            gap = tail;
            gapEnd = end;
        }
        Duration mean = samples == 0 ? Duration.ZERO : Duration.ofNanos(queryNanosTotal / samples);
        return new SamplingQuality(interval, samples, failedSamples, gap, gapEnd, mean, Duration.ofNanos(queryNanosMax), lastError);
    }

    /** Stops sampling (a sample in progress finishes first) and closes the session; the intervals stay readable. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            // a sample is bounded by its statement_timeout (5 s); the socket timeout bounds a silent server
            thread.join(SOCKET_TIMEOUT.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (stoppedAt == null) {
                resolveUnknownNames();
                stoppedAt = now();
            }
            closeConnection();
        }
    }

    // ------------------------------------------------------------------ sampling

    private void loop() {
        long step = interval.toNanos();
        long next = System.nanoTime() + step;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            sampleNow();
            long now = System.nanoTime();
            // a sample that overran skips the ticks it missed rather than catching up in a burst
            next += Math.max(1, (now - next) / step + 1) * step;
        }
    }

    /** Turns one sample into intervals. */
    private void record(Instant sent, Instant at, List<Row> rows) {
        // gaps count from the first sample on: logging in before it is not a hole in the evidence
        Duration gap = lastSampleAt == null ? Duration.ZERO : Duration.between(lastSampleAt, at);
        if (gap.compareTo(largestGap) > 0) {
            largestGap = gap;
            largestGapEnd = at;
        }
        lastSampleAt = at;
        samples++;

        long wal = -1;
        Set<Integer> watchedPids = new HashSet<>();
        Map<Integer, int[]> blockersOf = new HashMap<>();
        List<Row> waitRows = new ArrayList<>();
        Set<HoldKey> heldNow = new HashSet<>();
        Set<BackendKey> connectedNow = new HashSet<>();
        for (Row r : rows) {
            switch (r.kind) {
                case "x" -> wal = r.wal;
                case "b" -> watchedPids.add(r.pid);
                case "w" -> {
                    blockersOf.put(r.pid, r.blockers);
                    waitRows.add(r);
                }
                default -> { }
            }
        }
        for (Row r : rows) {
            if (r.kind.equals("b")) {
                BackendKey key = new BackendKey(r.pid, r.backendStart);
                connectedNow.add(key);
                SeenBackend b = backends.get(key);
                if (b == null) {
                    b = new SeenBackend(r.pid, r.backendStart, at, lastWal >= 0 ? lastWal : wal);
                    backends.put(key, b);
                }
                b.last = latest(b.first, sent);
                b.application = r.application;
                if (r.query != null && !r.query.isEmpty()) {
                    b.lastQuery = r.query;
                }
            } else if (r.kind.equals("h")) {
                Relation rel = relations.get(r.relation);
                if (rel != null && !rel.kept()) {
                    continue;
                }
                HoldKey key = new HoldKey(r.pid, r.relation, r.mode);
                heldNow.add(key);
                Interval i = openHolds.get(key);
                if (i != null && i.unseenByOthers && rel != null) {
                    // named now: the transaction that created the relation has committed (releasing every
                    // lock it held), so this lock is a later transaction's, on a relation everyone sees
                    closedHolds.add(Map.entry(key, i));
                    i = null;
                }
                if (i == null) {
                    i = new Interval(at);
                    // no name after this sample's look-up: created by the holder's open transaction
                    i.unseenByOthers = rel == null;
                    openHolds.put(key, i);
                }
                i.last = latest(i.first, sent);
            }
        }
        for (SeenBackend b : backends.values()) {
            // still connected: its WAL bound moves on; gone: it stays at the first sample without it
            if (!b.gone) {
                b.walAfter = wal;
                b.gone = !connectedNow.contains(new BackendKey(b.pid, b.backendStart));
            }
        }
        closeUnseen(openHolds, heldNow, closedHolds);

        Set<WaitKey> waitingNow = new HashSet<>();
        for (Row r : waitRows) {
            for (int blocker : migrationRoots(r.pid, blockersOf, watchedPids)) {
                WaitKey key = new WaitKey(r.pid, r.lockType, r.lockKey, r.relation, r.mode, blocker);
                waitingNow.add(key);
                Interval i = openWaits.computeIfAbsent(key, k -> new Interval(at));
                i.last = latest(i.first, sent);
                i.application = r.application;
                i.query = r.query;
            }
        }
        closeUnseen(openWaits, waitingNow, closedWaits);
        if (wal >= 0) {
            lastWal = wal;
        }
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static <K> void closeUnseen(Map<K, Interval> open, Set<K> seen, List<Map.Entry<K, Interval>> closed) {
        var it = open.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!seen.contains(e.getKey())) {
                closed.add(Map.entry(e.getKey(), e.getValue()));
                it.remove();
            }
        }
    }

    /**
     * The migration backends a waiting session waits behind: its blockers that are migration backends,
     * and those of the blockers that wait themselves, transitively.
     */
    static Set<Integer> migrationRoots(int waiter, Map<Integer, int[]> blockersOf, Set<Integer> migration) {
        Set<Integer> roots = new LinkedHashSet<>();
        Set<Integer> visited = new HashSet<>();
        Deque<Integer> todo = new ArrayDeque<>();
        todo.add(waiter);
        visited.add(waiter);
        while (!todo.isEmpty()) {
            int[] blockers = blockersOf.get(todo.poll());
            if (blockers == null) {
                continue;
            }
            for (int b : blockers) {
                if (migration.contains(b)) {
                    roots.add(b);
                } else if (visited.add(b)) {
                    todo.add(b);
                }
            }
        }
        return roots;
    }

    /** The session is gone: a connection failure (class 08), or the server ended it (57P01 terminated, 57P02/57P03 shutting down). */
    static boolean lost(SQLException e) {
        String state = Jdbc.sqlState(e);
        return state.startsWith("08") || state.startsWith("57P");
    }

    /** Names relations that no sample could resolve (created by an open transaction) now that it may have committed. */
    private void resolveUnknownNames() {
        Set<Long> unknown = new HashSet<>();
        allHolds().forEach(e -> unknown.add(e.getKey().oid));
        closedWaits.forEach(e -> unknown.add(e.getKey().relationOid));
        openWaits.keySet().forEach(k -> unknown.add(k.relationOid));
        if (stoppedAt == null && connection != null) {
            try {
                name(unknown);
            } catch (SQLException e) {
                // the oids stay as they are: the evidence is complete without the names
                lastError = Jdbc.describe(e);
            }
        }
    }

    /**
     * Looks up the relations of {@code oids} not named yet. Under the session's own snapshot: a relation
     * created by a transaction still open is not found, and is looked up again the next time it is seen.
     */
    private void name(Set<Long> oids) throws SQLException {
        Set<Long> unknown = new HashSet<>(oids);
        unknown.remove(0L);
        unknown.removeAll(relations.keySet());
        if (unknown.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
                + " c.relkind::text, c.relpersistence = 't' OR n.nspname = 'pg_toast'"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?::oid[])")) {
            ps.setArray(1, connection.createArrayOf("int8", unknown.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    relations.put(rs.getLong(1), new Relation(rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
    }

    private List<Map.Entry<HoldKey, Interval>> allHolds() {
        List<Map.Entry<HoldKey, Interval>> all = new ArrayList<>(closedHolds);
        all.addAll(openHolds.entrySet());
        return all;
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // it is being replaced or abandoned
        }
        connection = null;
        statement = null;
    }

    // ------------------------------------------------------------------ the query

    /**
     * One sample: {@code x} the WAL insert position; {@code b} a migration backend; {@code h} a granted
     * relation lock of one; {@code w} a waiting lock of any session with its blockers. pg_locks and
     * pg_stat_activity are each read once (CTEs referenced twice are computed once). Relations come as
     * oids: naming them here (a join on pg_class and pg_namespace per lock) cost five times the rest of
     * the query with 500 locks held, so names are looked up once per relation instead.
     */
    static String sampleQuery(Watch watch) {
        return """
                WITH a AS (
                    SELECT a.pid, a.application_name, a.backend_start, a.query, (%s) AS watched
                    FROM pg_stat_activity a
                    WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                      AND a.state IS NOT NULL AND a.state <> 'starting'
                ), l AS (
                    SELECT l.*
                    FROM pg_locks l JOIN a ON a.pid = l.pid
                    WHERE NOT l.granted OR (a.watched AND l.locktype = 'relation' AND l.relation >= %d)
                )
                SELECT 'x' AS kind, 0 AS pid, NULL AS application_name, NULL::timestamptz AS backend_start, NULL AS query,
                       NULL AS locktype, NULL::oid AS relation, NULL AS mode, NULL AS lock_key, NULL::int[] AS blockers,
                       pg_current_wal_insert_lsn()::text AS wal
                UNION ALL
                SELECT 'b', a.pid, a.application_name, a.backend_start, left(a.query, 2000), NULL, NULL, NULL, NULL, NULL, NULL
                FROM a WHERE a.watched
                UNION ALL
                SELECT 'h', l.pid, NULL, NULL, NULL, l.locktype, l.relation, l.mode, NULL, NULL, NULL
                FROM l WHERE l.granted
                UNION ALL
                SELECT 'w', l.pid, a.application_name, NULL, left(a.query, 200), l.locktype, l.relation, l.mode,
                       concat_ws('/', l.relation, l.page, l.tuple, l.transactionid, l.virtualxid, l.classid, l.objid, l.objsubid),
                       pg_blocking_pids(l.pid), NULL
                FROM l JOIN a ON a.pid = l.pid
                WHERE NOT l.granted
                """.formatted(watch.condition(), FIRST_USER_OID);
    }

    /** One row of a sample. */
    private record Row(String kind, int pid, String application, Instant backendStart, String query, String lockType, long relation,
                       String mode, String lockKey, int[] blockers, long wal) {

        static Row read(ResultSet rs) throws SQLException {
            java.sql.Timestamp started = rs.getTimestamp("backend_start");
            int[] blockers = new int[0];
            Array a = rs.getArray("blockers");
            if (a != null) {
                Integer[] values = (Integer[]) a.getArray();
                blockers = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    blockers[i] = values[i];
                }
            }
            String wal = rs.getString("wal");
            return new Row(rs.getString("kind"), rs.getInt("pid"), rs.getString("application_name"),
                    started == null ? null : started.toInstant(), rs.getString("query"), rs.getString("locktype"),
                    rs.getLong("relation"), rs.getString("mode"), rs.getString("lock_key"), blockers, wal == null ? -1 : lsn(wal));
        }
    }

    /** A pg_lsn's text ({@code 16/B374D848}) as a byte position. */
    static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }

    /** The WAL insert position now, read on {@code c}. */
    static long currentWal(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return lsn(rs.getString(1));
        }
    }

    private record HoldKey(int pid, long oid, String mode) {}

    private record WaitKey(int waiterPid, String lockType, String lockKey, long relationOid, String mode, int blockerPid) {}

    private record BackendKey(int pid, Instant backendStart) {}

    /** A relation as a sample or the final look-up saw it; hidden: temporary, or TOAST (a TOAST table or its index). */
    private record Relation(String name, String kind, boolean hidden) {
        boolean kept() {
            return !hidden;
        }
    }

    private static final class Interval {
        final Instant first;
        Instant last;
        /** A hold that began on a relation no other session could see yet; it ends with the transaction that created it. */
        boolean unseenByOthers;
        String application;
        String query;

        Interval(Instant first) {
            this.first = first;
            this.last = first;
        }
    }

    private static final class SeenBackend {
        final int pid;
        final Instant backendStart;
        final Instant first;
        final long walBefore;
        Instant last;
        String application;
        String lastQuery;
        long walAfter;
        boolean gone;

        SeenBackend(int pid, Instant backendStart, Instant first, long walBefore) {
            this.pid = pid;
            this.backendStart = backendStart;
            this.first = first;
            this.walBefore = walBefore;
        }
    }
}
