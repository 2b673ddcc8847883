package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real PostgreSQL standing in for a clone, with the rehearsal's sessions on it and a few helpers:
 * background work that is always stopped, and waiting for a condition with a bound.
 */
final class TestClone implements AutoCloseable {

    private static final String PASSWORD = "rehearsal-pw";

    final LocalPostgres pg;
    final Jdbc.Target target;
    final CloneSessions sessions;
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-background");
        t.setDaemon(true);
        return t;
    });
    private final List<Connection> opened = new ArrayList<>();

    private TestClone(LocalPostgres pg) {
        this.pg = pg;
        this.target = new Jdbc.Target("127.0.0.1", pg.port(), "postgres", LocalPostgres.SUPERUSER, PASSWORD, "disable");
        this.sessions = CloneSessions.of(target, Duration.ofSeconds(20));
    }

    static TestClone start(String name) {
        LocalPostgres pg = LocalPostgres.create(name);
        try {
            // no autovacuum taking locks of its own in the middle of the evidence
            pg.appendConfig("autovacuum = off");
            pg.start();
            pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
            return new TestClone(pg);
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    /** A session of the test's own (closed with the clone), as {@code pgclone-rehearsal/<role>}. */
    synchronized Connection session(String role) throws SQLException {
        Connection c = sessions.open(role, Map.of(), Duration.ofMinutes(2));
        opened.add(c);
        return c;
    }

    /** A session that is not the rehearsal's, under any application_name (closed with the clone). */
    synchronized Connection foreignSession(String applicationName) throws SQLException {
        Connection c = Jdbc.connect(target, Duration.ofSeconds(20), Duration.ofMinutes(2), Map.of(), applicationName);
        opened.add(c);
        return c;
    }

    void sql(String sql) {
        pg.psql(sql);
    }

    String query(String sql) {
        return pg.psql(sql);
    }

    static String queryOne(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /**
     * Whether a session of that application_name holds the lock, asked on {@code probe}: a session opened
     * beforehand, so that the test reacts within milliseconds (starting psql takes far longer on a loaded machine).
     */
    static boolean holdsLock(Connection probe, String applicationName, String table, String mode) {
        try {
            return "t".equals(queryOne(probe, "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                    + " WHERE a.application_name = '" + applicationName + "' AND l.granted AND l.mode = '" + mode + "'"
                    + " AND l.relation = '" + table + "'::regclass)"));
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    <T> Future<T> inBackground(Callable<T> work) {
        return background.submit(work);
    }

    /** Polls until the condition holds; fails after the bound. */
    static void await(String what, Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + bound + ": " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        synchronized (this) {
            for (Connection c : opened) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // the server goes next
                }
            }
        }
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pg.close();
        }
    }
}
