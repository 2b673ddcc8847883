package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The workload against a real PostgreSQL. Counts are checked against the schedule within a slack
 * of a few executions; nothing here depends on how fast the machine is.
 */
@PostgresTest
class WorkloadTest {

    private static final String PASSWORD = "workload-test";
    private static LocalPostgres pg;
    private static Jdbc.Target target;

    @BeforeAll
    static void startServer() {
        pg = LocalPostgres.start("workload");
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        pg.psql("CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g");
        target = new Jdbc.Target("127.0.0.1", pg.port(), "postgres", "postgres", PASSWORD, "disable");
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection connect() throws SQLException {
        return Jdbc.connect(target, Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A builder with a login timeout for a busy machine. */
    private static Workload.Builder workload() {
        return Workload.builder(target).loginTimeout(Duration.ofSeconds(30));
    }

    private static long sessionsNamed(Connection c, String query) throws SQLException {
        return count(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + Workload.applicationName(query) + "'");
    }

    private static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    @Test
    void keepsAModestRateAndSplitsTheCountsByPhase() throws Exception {
        double rate = 40;
        WorkloadResult result;
        try (Workload w = workload().query(new WorkloadQuery("point", "SELECT v FROM items WHERE id = 7", rate, 2))
                .start()) {
            w.phase(Workload.BASELINE);
            sleep(1500);
            w.phase(Workload.MIGRATION);
            sleep(1500);
            result = w.stop();
        }
        assertThat(result.phases()).extracting(WorkloadResult.Phase::name).containsExactly(Workload.BASELINE, Workload.MIGRATION);
        // turns due just before the switch that the sessions reached after it count in the next phase:
        // as many as came during the lag (a busy machine makes it longer, never the load offered lower)
        double carried = rate * result.query("point").pacing().values().stream().mapToDouble(WorkloadResult.Pacing::maxLagMs)
                .max().orElseThrow() / 1000;
        for (WorkloadResult.Phase phase : result.phases()) {
            QueryPhaseStats s = result.stats("point", phase.name());
            WorkloadResult.Pacing p = result.pacing("point", phase.name());
            double due = rate * phase.duration().toNanos() / 1e9;
            double slack = Math.max(3, due * 0.1) + carried;
            // every turn that came in the phase ran in it or was skipped
            assertThat((double) s.executed() + p.skipped()).as("%s: %s, %s", phase.name(), s, p)
                    .isBetween(due - slack, due + slack);
            // a schedule, not a loop as fast as it can: never more than the turns that came
            assertThat((double) s.executed()).isLessThanOrEqualTo(due + slack);
            assertThat(s.executed()).isPositive();
            assertThat(s.errors()).isZero();
            assertThat(s.errorsBySqlState()).isEmpty();
            assertThat(s.p50Ms()).isPositive();
            assertThat(s.p50Ms()).isLessThanOrEqualTo(s.p95Ms());
            assertThat(s.p95Ms()).isLessThanOrEqualTo(s.p99Ms());
            assertThat(s.p99Ms()).isLessThanOrEqualTo(s.maxMs());
            assertThat(p.reconnects()).isZero();
        }
        QueryReport report = result.report("point", Duration.ofMillis(250));
        assertThat(report.name()).isEqualTo("point");
        assertThat(report.baseline()).isEqualTo(result.stats("point", Workload.BASELINE));
        assertThat(report.migration()).isEqualTo(result.stats("point", Workload.MIGRATION));
        assertThat(report.longestLockWait()).isEqualTo(Duration.ofMillis(250));
        assertThat(result.reports(Map.of())).singleElement().satisfies(r -> assertThat(r.longestLockWait()).isZero());
    }

    @Test
    void aQueryWithoutARateRunsBackToBackWithoutASchedule() throws Exception {
        WorkloadResult result;
        try (Workload w = workload().query(new WorkloadQuery("flat-out", "SELECT 1", 0, 1)).start()) {
            w.phase(Workload.BASELINE);
            sleep(300);
            result = w.stop();
        }
        assertThat(result.stats("flat-out", Workload.BASELINE).executed()).isGreaterThan(5);
        assertThat(result.pacing("flat-out", Workload.BASELINE)).isEqualTo(new WorkloadResult.Pacing(0, 0, 0, 0));
        // the phase that never ran reads as nothing executed
        assertThat(result.stats("flat-out", Workload.MIGRATION).executed()).isZero();
        assertThat(result.stats("flat-out", Workload.MIGRATION).p99Ms()).isNaN();
    }

    @Test
    void countsErrorsBySqlStateAndGoesOn() throws Exception {
        try (Connection c = connect()) {
            c.createStatement().execute("CREATE TABLE locked (id int)");
            WorkloadResult result;
            try (Workload w = workload()
                    .query(new WorkloadQuery("missing", "SELECT * FROM no_such_table", 20, 1))
                    .query(new WorkloadQuery("locked", "SELECT count(*) FROM locked", 20, 2))
                    .lockTimeout(Duration.ofMillis(100))
                    .start()) {
                w.phase(Workload.BASELINE);
                sleep(1000);
                w.phase(Workload.MIGRATION);
                // an execution sent just before the switch counts in the baseline: let it finish (milliseconds) before the lock
                sleep(300);
                c.setAutoCommit(false);
                c.createStatement().execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE");
                sleep(1200);
                // the lock monitor tells the workload's sessions apart by their names
                try (Connection observer = connect()) {
                    assertThat(sessionsNamed(observer, "locked")).isEqualTo(2);
                    assertThat(sessionsNamed(observer, "missing")).isEqualTo(1);
                }
                c.commit();
                c.setAutoCommit(true);
                sleep(500);
                result = w.stop();
            }
            QueryPhaseStats before = result.stats("locked", Workload.BASELINE);
            QueryPhaseStats during = result.stats("locked", Workload.MIGRATION);
            assertThat(before.executed()).isPositive();
            assertThat(before.errors()).isZero();
            assertThat(during.errorsBySqlState()).as("%s", during).containsOnlyKeys("55P03");
            assertThat(during.errorsBySqlState().get("55P03")).isEqualTo(during.errors()).isPositive();
            // after the COMMIT the same sessions succeed again
            assertThat(during.executed()).isGreaterThan(during.errors());

            for (String phase : new String[] {Workload.BASELINE, Workload.MIGRATION}) {
                QueryPhaseStats missing = result.stats("missing", phase);
                assertThat(missing.executed()).as(phase).isGreaterThan(5);
                assertThat(missing.errors()).isEqualTo(missing.executed());
                assertThat(missing.errorsBySqlState()).isEqualTo(Map.of("42P01", missing.executed()));
                assertThat(missing.p50Ms()).isNaN();
            }
            try (Connection observer = connect()) {
                awaitNoSessions(observer, "locked");
                awaitNoSessions(observer, "missing");
            }
        }
    }

    @Test
    void reopensABrokenConnectionAndCountsIt() throws Exception {
        WorkloadResult result;
        try (Workload w = workload().query(new WorkloadQuery("victim", "SELECT 1", 20, 2)).start();
             Connection c = connect()) {
            w.phase(Workload.BASELINE);
            sleep(500);
            String victims = "FROM pg_stat_activity WHERE application_name = '" + Workload.applicationName("victim") + "'";
            String terminated = query(c, "SELECT string_agg(pid::text, ',') " + victims);
            assertThat(count(c, "SELECT count(pg_terminate_backend(pid)) " + victims)).isEqualTo(2);
            // both sessions find their connection gone at their next turn and open a new one
            String reopened = "SELECT count(*) " + victims + " AND pid NOT IN (" + terminated + ")";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (count(c, reopened) < 2 && System.nanoTime() < deadline) {
                sleep(50);
            }
            assertThat(count(c, reopened)).isEqualTo(2);
            w.phase(Workload.MIGRATION);
            sleep(500);
            result = w.stop();
        }
        QueryPhaseStats baseline = result.stats("victim", Workload.BASELINE);
        assertThat(result.pacing("victim", Workload.BASELINE).reconnects()).isEqualTo(2);
        assertThat(baseline.errors()).as("%s", baseline).isEqualTo(2);
        assertThat(baseline.errorsBySqlState().keySet()).allMatch(s -> s.equals("57P01") || s.startsWith("08"));
        QueryPhaseStats migration = result.stats("victim", Workload.MIGRATION);
        assertThat(migration.executed()).isPositive();
        assertThat(migration.errors()).isZero();
        assertThat(result.pacing("victim", Workload.MIGRATION).reconnects()).isZero();
    }

    @Test
    void runsAPgbenchScriptWholeAsOneQuery() throws Exception {
        pg.psql("CREATE TABLE acct (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);"
                + " INSERT INTO acct (id) SELECT generate_series(1, 50); CREATE TABLE acct_log (id int, client int)");
        PgbenchScript script = PgbenchScript.parse("touch-account", """
                \\set id random(1, 50)
                UPDATE acct SET n = n + 1 WHERE id = :id;
                INSERT INTO acct_log VALUES (:id, :client_id);
                """);
        WorkloadResult result;
        try (Workload w = workload().script(script, 30, 2).start()) {
            w.phase(Workload.BASELINE);
            sleep(1000);
            w.phase(Workload.MIGRATION);
            sleep(500);
            result = w.stop();
        }
        long executed = result.stats("touch-account", Workload.BASELINE).executed()
                + result.stats("touch-account", Workload.MIGRATION).executed();
        assertThat(result.stats("touch-account", Workload.BASELINE).errors()).isZero();
        assertThat(result.stats("touch-account", Workload.MIGRATION).errors()).isZero();
        assertThat(executed).isGreaterThan(10);
        // every execution ran both statements, with one random id for both
        assertThat(Long.parseLong(pg.psql("SELECT count(*) FROM acct_log"))).isEqualTo(executed);
        assertThat(Long.parseLong(pg.psql("SELECT sum(n) FROM acct"))).isEqualTo(executed);
        assertThat(pg.psql("SELECT count(*) FROM acct_log l JOIN acct a USING (id) WHERE a.n = 0")).isEqualTo("0");
        assertThat(pg.psql("SELECT min(id) >= 1 AND max(id) <= 50 AND count(DISTINCT id) > 1 FROM acct_log")).isEqualTo("t");
        assertThat(pg.psql("SELECT string_agg(DISTINCT client::text, ',' ORDER BY client::text) FROM acct_log")).isEqualTo("0,1");
    }

    @Test
    void aScriptsTransactionBlockNeverStaysOpen() throws Exception {
        pg.psql("CREATE TABLE block_log (v int)");
        PgbenchScript failing = PgbenchScript.parse("fails-inside", """
                BEGIN;
                INSERT INTO block_log VALUES (1);
                SELECT 1 / 0;
                END;
                """);
        PgbenchScript unfinished = PgbenchScript.parse("never-commits", """
                BEGIN;
                INSERT INTO block_log VALUES (2);
                """);
        WorkloadResult result;
        try (Workload w = workload().script(failing, 20, 1).script(unfinished, 20, 1).start()) {
            w.phase(Workload.BASELINE);
            sleep(800);
            result = w.stop();
        }
        QueryPhaseStats f = result.stats("fails-inside", Workload.BASELINE);
        QueryPhaseStats u = result.stats("never-commits", Workload.BASELINE);
        assertThat(f.executed()).isGreaterThan(3);
        assertThat(f.errorsBySqlState()).isEqualTo(Map.of("22012", f.executed()));
        assertThat(u.executed()).isGreaterThan(3);
        assertThat(u.errorsBySqlState()).isEqualTo(Map.of("25000", u.executed()));
        // each failure rolled its block back, on a session that went on working
        assertThat(pg.psql("SELECT count(*) FROM block_log")).isEqualTo("0");
    }

    private static void awaitNoSessions(Connection c, String query) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sessionsNamed(c, query) > 0 && System.nanoTime() < deadline) {
            sleep(50);
        }
        assertThat(sessionsNamed(c, query)).as("sessions of %s after stop", query).isZero();
    }
}
