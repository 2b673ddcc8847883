package dev.pgclone.operator.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole run over JDBC against a real PostgreSQL standing in for the clone: plans, the workload's
 * baseline, the migration under the workload with the monitor sampling, the checks, and then the
 * verdict and the report built from what was measured. Each test migrates a table of its own.
 */
@PostgresTest
class JdbcRehearsalRunnerTest {

    private static final String PASSWORD = "runner-pw";
    private static final int ROWS = 200_000;
    private static LocalPostgres pg;
    private static Jdbc.Target target;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.create("rehearsal-runner");
        pg.appendConfig("autovacuum = off");
        pg.start();
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        target = new Jdbc.Target("127.0.0.1", pg.port(), "postgres", LocalPostgres.SUPERUSER, PASSWORD, "disable");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static void orders(String table) {
        pg.psql("""
                CREATE TABLE %1$s (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL);
                INSERT INTO %1$s (customer_id, status, created_at)
                  SELECT i %% 5000, 'complete', now() - i * interval '1 second'
                  FROM generate_series(1, %2$d) i;
                CREATE INDEX %1$s_customer ON %1$s (customer_id);
                ANALYZE %1$s;
                """.formatted(table, ROWS));
    }

    private static RehearsalPlan plan(String table, String migrationSql) {
        String spec = ("{clone: {spec: {source: {pvcName: data}, postgres: {image: \"postgres:15\"}}}, migration: {sql: {inline: x}},"
                + " workload: {baseline: 1s, queries: [{name: recent-orders, sql: \"SELECT id FROM @T@ WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20\","
                + " rate: 20, concurrency: 2}]},"
                + " checks: {validations: [{name: all-processed, sql: \"SELECT count(*) FROM @T@ WHERE status = 'complete' AND processed_at IS NULL\", value: \"0\"}],"
                + " explain: [{name: recent-orders, sql: \"SELECT id FROM @T@ WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20\"}]},"
                + " limits: {maxAccessExclusiveLock: 1s, maxWorkloadLockWait: 30s}}").replace("@T@", table);
        var result = RehearsalValidator.validate(RehearsalValidatorTest.rehearsal("r", spec));
        assertThat(result.problems()).isEmpty();
        return result.plan();
    }

    private static RehearsalEvidence run(String table, String migrationSql, List<RehearsalRunner.Stage> stages) {
        LinkedHashMap<String, String> scripts = new LinkedHashMap<>();
        scripts.put("inline", migrationSql);
        RehearsalRunner.Request request = new RehearsalRunner.Request("test/" + table, table + "-clone", null, target,
                plan(table, migrationSql), scripts, null);
        return new JdbcRehearsalRunner().run(request, stages::add);
    }

    @Test
    void theRiskyBackfillHoldsAnAccessExclusiveLockForItsWholeTransactionAndTheReadsWait() {
        orders("orders_risky");
        List<RehearsalRunner.Stage> stages = new ArrayList<>();
        RehearsalEvidence evidence = run("orders_risky", """
                BEGIN;
                ALTER TABLE orders_risky ADD COLUMN processed_at timestamptz;
                UPDATE orders_risky SET processed_at = created_at WHERE status = 'complete';
                ALTER TABLE orders_risky ALTER COLUMN processed_at SET NOT NULL;
                COMMIT;
                """, stages);
        assertThat(stages).containsExactly(RehearsalRunner.Stage.BASELINE, RehearsalRunner.Stage.MIGRATING, RehearsalRunner.Stage.CHECKING);
        assertThat(evidence.migrationError()).isNull();
        assertThat(evidence.steps()).hasSize(5);
        StepEvidence alter = evidence.steps().get(1);
        assertThat(alter.locks()).anySatisfy(l -> {
            assertThat(l.relation()).isEqualTo("public.orders_risky");
            assertThat(l.mode()).isEqualTo("AccessExclusiveLock");
        });
        assertThat(evidence.workload()).singleElement().satisfies(q -> {
            assertThat(q.name()).isEqualTo("recent-orders");
            assertThat(q.baseline().executed()).isPositive();
            assertThat(q.longestLockWait()).as("reads queue behind the ALTER's lock until COMMIT").isPositive();
        });
        assertThat(evidence.checks()).singleElement().satisfies(c -> assertThat(c.passed()).isTrue());
        assertThat(evidence.plans()).singleElement().satisfies(p -> assertThat(p.before().error()).isNull());
        assertThat(evidence.samples()).isPositive();

        // the limit well under the hold: the backfill of 200,000 rows holds the lock for about a second on this
        // machine, and a limit of about as much would make the test a coin toss
        Limits limits = new Limits(Duration.ofMillis(300), null, null, null, null, null, null);
        Verdict verdict = Verdict.judge(evidence, limits);
        System.out.println(verdict.message());
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.failures()).extracting(Finding::reason).contains(Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG);
        Report report = Report.render(evidence, limits, verdict);
        assertThat(report.markdown()).contains("public.orders_risky").contains("AccessExclusiveLock");
    }

    @Test
    void theSafeVersionPasses() {
        orders("orders_safe");
        StringBuilder sql = new StringBuilder("ALTER TABLE orders_safe ADD COLUMN processed_at timestamptz;\n");
        for (int from = 1; from <= ROWS; from += 20_000) {
            sql.append("UPDATE orders_safe SET processed_at = created_at WHERE status = 'complete' AND id BETWEEN ")
                    .append(from).append(" AND ").append(from + 19_999).append(";\n");
        }
        sql.append("""
                ALTER TABLE orders_safe ADD CONSTRAINT orders_safe_processed CHECK (status <> 'complete' OR processed_at IS NOT NULL) NOT VALID;
                ALTER TABLE orders_safe VALIDATE CONSTRAINT orders_safe_processed;
                CREATE INDEX CONCURRENTLY orders_safe_processed_at ON orders_safe (processed_at);
                """);
        RehearsalEvidence evidence = run("orders_safe", sql.toString(), new ArrayList<>());
        assertThat(evidence.migrationError()).isNull();
        Verdict verdict = Verdict.judge(evidence, plan("orders_safe", "").limits());
        assertThat(verdict.passed()).as("%s", verdict.findings()).isTrue();
        assertThat(evidence.steps().get(evidence.steps().size() - 1).locks()).as("CREATE INDEX CONCURRENTLY")
                .noneMatch(l -> l.relation().equals("public.orders_safe") && l.blocksWrites());
    }

    @Test
    void aFailingStatementStopsTheMigrationAndFailsTheRehearsal() {
        orders("orders_broken");
        RehearsalEvidence evidence = run("orders_broken", """
                ALTER TABLE orders_broken ADD COLUMN processed_at timestamptz;
                ALTER TABLE orders_broken ADD COLUMN processed_at timestamptz;
                UPDATE orders_broken SET processed_at = now();
                """, new ArrayList<>());
        assertThat(evidence.migrationError()).contains("statement 2").contains("42701");
        assertThat(evidence.steps()).as("the third statement never ran").hasSize(2);
        Verdict verdict = Verdict.judge(evidence, plan("orders_broken", "").limits());
        assertThat(verdict.failures()).extracting(Finding::reason).contains(Finding.MIGRATION_FAILED);
    }

    /** A Job that answers as told: never ending (null), or with its outcome after the first wait. */
    private static class FakeJob implements RehearsalRunner.MigrationJob {
        private final String outcome;
        final List<String> calls = new ArrayList<>();

        FakeJob(String outcome) {
            this.outcome = outcome;
        }

        @Override
        public void start() {
            calls.add("start");
        }

        @Override
        public String awaitOutcome(Duration max) {
            if (outcome == null) {
                try {
                    Thread.sleep(max.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return outcome;
        }

        @Override
        public void stop() {
            calls.add("stop");
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    private static RehearsalEvidence runJob(FakeJob job) {
        var result = RehearsalValidator.validate(RehearsalValidatorTest.rehearsal("r", "{clone: {spec: {source: {pvcName: data},"
                + " postgres: {image: \"postgres:15\"}}}, migration: {job: {image: \"postgres:15\", command: [psql]}, timeout: 2s},"
                + " workload: {baseline: 1s}}"));
        assertThat(result.problems()).isEmpty();
        RehearsalRunner.Request request = new RehearsalRunner.Request("test/job", "job-clone", null, target, result.plan(),
                new LinkedHashMap<>(), job);
        return new JdbcRehearsalRunner().run(request, stage -> { });
    }

    @Test
    void aJobThatNeverFinishesIsDeletedAtTheMigrationTimeoutAndFailsTheRehearsal() {
        FakeJob job = new FakeJob(null);
        RehearsalEvidence evidence = runJob(job);
        assertThat(job.calls).containsExactly("start", "stop", "close");
        assertThat(evidence.migrationError()).isEqualTo("the migration Job ran longer than migration.timeout (2 s) and was deleted");
        assertThat(evidence.duration()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        Verdict verdict = Verdict.judge(evidence, Limits.NONE);
        assertThat(verdict.failures()).extracting(Finding::reason).containsExactly(Finding.MIGRATION_FAILED);
    }

    @Test
    void aWaitThatFailsStopsTheJobBeforeTheErrorGoesOn() {
        FakeJob job = new FakeJob(null) {
            @Override
            public String awaitOutcome(Duration max) {
                throw new IllegalStateException("the API server is gone");
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runJob(job)).hasMessageContaining("the API server is gone");
        assertThat(job.calls).as("the tool does not go on migrating the clone").containsExactly("start", "stop", "close");
    }

    @Test
    void aFailedJobFailsTheRehearsalWithWhatTheJobSaid() {
        FakeJob job = new FakeJob("Job r-migration failed: BackoffLimitExceeded (Job has reached the specified backoff limit)");
        RehearsalEvidence evidence = runJob(job);
        assertThat(job.calls).containsExactly("start", "close");
        assertThat(evidence.migrationError()).startsWith("Job r-migration failed: BackoffLimitExceeded");
        assertThat(Verdict.judge(evidence, Limits.NONE).failures()).extracting(Finding::message)
                .containsExactly("the migration did not finish: Job r-migration failed: BackoffLimitExceeded (Job has reached the specified"
                        + " backoff limit)");
    }
}
