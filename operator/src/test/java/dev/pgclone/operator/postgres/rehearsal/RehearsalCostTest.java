package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.testing.PostgresTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * What the rehearsal's own measurements cost on a schema of 1,000 relations (500 tables, each with its
 * primary key): the relations' files read at every statement boundary, the lock monitor's sample query
 * with a migration holding 500 locks, and the SQL path's time between statements. The numbers are
 * printed for the record (this machine's load makes them noisy); what is asserted is that each
 * measurement saw what it had to.
 */
@PostgresTest
class RehearsalCostTest {

    private static final int TABLES = 500;
    private static final java.util.regex.Pattern EXECUTION_TIME = java.util.regex.Pattern.compile("\"Execution Time\": ([0-9.]+)");
    private static TestClone clone;

    @BeforeAll
    static void start() {
        clone = TestClone.start("rehearsal-cost");
        clone.sql("DO $$ BEGIN FOR i IN 1.." + TABLES + " LOOP"
                + " EXECUTE format('CREATE TABLE cost_%s (id int PRIMARY KEY, v text); INSERT INTO cost_%s VALUES (1, ''x'')', i, i);"
                + " END LOOP; END $$");
    }

    @AfterAll
    static void stop() {
        if (clone != null) {
            clone.close();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    @Test
    void theRelationFilesOfAThousandRelations() throws Exception {
        Connection c = clone.session("test/observer");
        RelationFiles.read(c);
        List<Double> ms = new ArrayList<>();
        RelationFiles files = null;
        for (int i = 0; i < 9; i++) {
            long t0 = System.nanoTime();
            files = RelationFiles.read(c);
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        assertThat(files.size()).isEqualTo(2 * TABLES);
        System.out.printf(Locale.ROOT, "relation files of %d relations: median %.1f ms, max %.1f ms%n", files.size(), median(ms),
                Collections.max(ms));
    }

    @Test
    void theSampleQueryWithAMigrationHoldingFiveHundredLocks() throws Exception {
        Connection migration = clone.session("test/migration");
        List<Connection> idle = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(clone.session("test/idle-" + i));
        }
        int pid = migration.unwrap(PGConnection.class).getBackendPID();
        migration.setAutoCommit(false);
        try (Statement st = migration.createStatement()) {
            st.execute("LOCK TABLE " + IntStream.rangeClosed(1, TABLES).mapToObj(i -> "cost_" + i).collect(Collectors.joining(", "))
                    + " IN ACCESS SHARE MODE");
        }
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), Duration.ofMillis(20))) {
            monitor.watch(pid);
            TestClone.await("100 samples", Duration.ofMinutes(2), () -> monitor.quality().samples() >= 100);
            assertThat(monitor.holds()).filteredOn(h -> h.pid() == pid).hasSize(TABLES);
            SamplingQuality q = monitor.quality();
            assertThat(q.failedSamples()).isZero();

            Connection c = clone.session("test/explain");
            double withLocks = serverTime(c, LockMonitor.sampleQuery(monitor.watching()), new Integer[] {pid});
            double idleClone = serverTime(c, LockMonitor.sampleQuery(monitor.watching()), new Integer[] {});
            System.out.printf(Locale.ROOT, "sample query, 500 locks held, 22 sessions: client mean %.1f ms, max %.1f ms over %d samples"
                            + " (largest gap %d ms); server median %.2f ms with the locks, %.2f ms watching no pid%n",
                    q.meanQueryTime().toNanos() / 1e6, q.maxQueryTime().toNanos() / 1e6, q.samples(), q.largestGap().toMillis(),
                    withLocks, idleClone);
        } finally {
            migration.rollback();
        }
    }

    /** The median Execution Time of EXPLAIN ANALYZE over 15 runs. */
    private static double serverTime(Connection c, String sql, Integer[] pids) throws Exception {
        List<Double> ms = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)) {
            ps.setArray(1, c.createArrayOf("int4", pids));
            for (int i = 0; i < 15; i++) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    java.util.regex.Matcher m = EXECUTION_TIME.matcher(rs.getString(1));
                    assertThat(m.find()).isTrue();
                    ms.add(Double.parseDouble(m.group(1)));
                }
            }
        }
        return median(ms);
    }

    @Test
    void theTimeBetweenStatementsOfTheSqlPath() throws Exception {
        int statements = 100;
        String script = IntStream.range(0, statements).mapToObj(i -> "SELECT " + i + ";").collect(Collectors.joining("\n"));
        MigrationSession.Result result;
        long t0;
        long total;
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), LockMonitor.DEFAULT_INTERVAL)) {
            t0 = System.nanoTime();
            result = MigrationSession.run(clone.sessions, monitor, List.of(new MigrationSession.Script("many", script)),
                    MigrationSession.Limits.none());
            total = System.nanoTime() - t0;
        }
        assertThat(result.succeeded()).isTrue();
        assertThat(result.steps()).hasSize(statements);
        long inStatements = result.steps().stream().mapToLong(s -> s.duration().toNanos()).sum();

        // what one boundary between statements does, part by part, on the same sessions
        Connection observer = clone.session("test/observer");
        RelationFiles.Tracker tracker = new RelationFiles.Tracker(observer);
        double wal;
        double files;
        double sample;
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), Duration.ofSeconds(60))) {
            wal = meanMillis(() -> LockMonitor.currentWal(observer));
            files = meanMillis(() -> tracker.advance(observer));
            sample = meanMillis(monitor::sampleNow);
        }
        System.out.printf(Locale.ROOT, "SQL path, %d trivial statements on %d relations: %.0f ms in all, %.0f ms in the statements,"
                        + " %.1f ms per statement for the measurements (sessions opened once); per boundary: WAL position %.1f ms (twice),"
                        + " files %.1f ms (full sizes re-read when due), extra sample %.1f ms%n", statements, 2 * TABLES, total / 1e6,
                inStatements / 1e6, (total - inStatements) / 1e6 / statements, wal, files, sample);
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static double meanMillis(Work work) throws Exception {
        work.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            work.run();
        }
        return (System.nanoTime() - t0) / 1e6 / 30;
    }
}
