package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.testing.PostgresTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SQL path against a real PostgreSQL: what each statement of a migration locked, for how long, who
 * waited behind it, what it rewrote. One server for the class; each test has tables of its own.
 *
 * <p>The durations asserted here are evidence (a lock held for the 2 seconds a script sleeps is seen held
 * for about 2 seconds), with windows wide enough for a loaded machine; how fast anything runs is never asserted.
 */
@PostgresTest
class MigrationSessionTest {

    private static TestClone clone;

    @BeforeAll
    static void start() {
        clone = TestClone.start("rehearsal-sql");
        // an IMMUTABLE function that takes 20 ms a row: an index build over 40 rows lasts about 0.8 s
        // whatever the machine, long enough for the monitor to see the locks it holds
        clone.sql("CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN $1; END $$");
    }

    @AfterAll
    static void stop() {
        if (clone != null) {
            clone.close();
        }
    }

    /** The evidence of one run, with the monitor's quality. */
    private record Rehearsed(MigrationSession.Result result, SamplingQuality quality) {
        List<StepEvidence> steps() {
            return result.steps();
        }

        StepEvidence step(int number) {
            return result.steps().get(number - 1);
        }
    }

    private static Rehearsed rehearse(MigrationSession.Limits limits, MigrationSession.Script... scripts) throws SQLException {
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), LockMonitor.DEFAULT_INTERVAL)) {
            MigrationSession.Result result = MigrationSession.run(clone.sessions, monitor, List.of(scripts), limits);
            monitor.close();
            return new Rehearsed(result, monitor.quality());
        }
    }

    private static Rehearsed rehearse(String sql) throws SQLException {
        return rehearse(MigrationSession.Limits.none(), new MigrationSession.Script("inline", sql));
    }

    private static Instant end(StepEvidence s) {
        return s.started().plus(s.duration());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    @Test
    void aLockHeldForTwoSecondsInABlockIsSeenHeldUntilCommitWithTheSelectThatWaitedBehindIt() throws Exception {
        clone.sql("CREATE TABLE held (id int); INSERT INTO held VALUES (1)");
        // opened before: the reader asks for the table as soon as the migration holds it
        Connection probe = clone.session("test/probe");
        Connection reader = clone.session("workload/reader");
        Future<Rehearsed> run = clone.inBackground(() -> rehearse("""
                BEGIN;
                LOCK TABLE held IN ACCESS EXCLUSIVE MODE;
                SELECT pg_sleep(2);
                COMMIT;
                """));
        TestClone.await("the migration holds its lock", Duration.ofSeconds(30),
                () -> TestClone.holdsLock(probe, "pgclone-rehearsal/migration", "held", "AccessExclusiveLock"));
        long waitedNanos;
        try (Statement st = reader.createStatement()) {
            long t0 = System.nanoTime();
            st.executeQuery("SELECT count(*) FROM held").close();
            waitedNanos = System.nanoTime() - t0;
        }
        Rehearsed r = run.get(60, TimeUnit.SECONDS);

        assertThat(r.result().succeeded()).as("%s", r.result()).isTrue();
        assertThat(r.steps()).extracting(StepEvidence::sql)
                .containsExactly("BEGIN", "LOCK TABLE held IN ACCESS EXCLUSIVE MODE", "SELECT pg_sleep(2)", "COMMIT");
        assertThat(r.steps()).extracting(StepEvidence::line).containsExactly(1, 2, 3, 4);
        StepEvidence lock = r.step(2);
        StepEvidence sleep = r.step(3);
        StepEvidence commit = r.step(4);
        assertThat(lock.locks()).filteredOn(h -> h.relation().equals("public.held")).singleElement().satisfies(h -> {
            assertThat(h.mode()).isEqualTo("AccessExclusiveLock");
            assertThat(h.kind()).isEqualTo("r");
            assertThat(h.pid()).isEqualTo(lock.pid());
            assertThat(seconds(h.held())).as("held").isBetween(1.7, 2.6);
            // taken by statement 2 and still held when the sleep of statement 3 ended, released by the COMMIT
            assertThat(h.firstSeen()).isAfterOrEqualTo(lock.started()).isBefore(sleep.started());
            assertThat(h.lastSeen()).isAfterOrEqualTo(end(sleep)).isBefore(end(commit));
        });
        assertThat(sleep.locks()).noneMatch(h -> h.relation().equals("public.held"));
        assertThat(commit.locks()).isEmpty();

        // the reader waited behind the lock, and the wait is the LOCK statement's, not the sleep's that ran meanwhile
        assertThat(sleep.blocked()).isEmpty();
        assertThat(lock.blocked()).singleElement().satisfies(w -> {
            assertThat(w.waiterApplication()).isEqualTo("pgclone-rehearsal/workload/reader");
            assertThat(w.waiterQuery()).isEqualTo("SELECT count(*) FROM held");
            assertThat(w.lockType()).isEqualTo("relation");
            assertThat(w.relation()).isEqualTo("public.held");
            assertThat(w.mode()).isEqualTo("AccessShareLock");
            assertThat(w.blockerPid()).isEqualTo(lock.pid());
            assertThat(seconds(w.waited())).as("waited").isBetween(1.0, 2.6)
                    .isCloseTo(waitedNanos / 1e9, org.assertj.core.data.Offset.offset(0.5));
        });
        assertThat(r.quality().failedSamples()).isZero();
        System.out.printf("2 s lock: held %.3f s; reader waited %.3f s (client: %.3f s); %s%n", seconds(lock.locks().get(0).held()),
                seconds(lock.blocked().get(0).waited()), waitedNanos / 1e9, r.quality());
    }

    @Test
    void aPlainCreateIndexHoldsAShareLockOnTheTable() throws Exception {
        clone.sql("CREATE TABLE plain_ix (id int); INSERT INTO plain_ix SELECT generate_series(1, 40)");

        Rehearsed r = rehearse("CREATE INDEX plain_ix_slow ON plain_ix (slow_key(id))");

        assertThat(r.result().succeeded()).as("%s", r.result()).isTrue();
        List<LockHold> onTable = r.step(1).locks().stream().filter(h -> h.relation().equals("public.plain_ix")).toList();
        assertThat(onTable).extracting(LockHold::mode).contains("ShareLock").doesNotContain("ShareUpdateExclusiveLock");
        assertThat(onTable).filteredOn(h -> h.mode().equals("ShareLock")).allMatch(LockHold::blocksWrites);
    }

    @Test
    void createIndexConcurrentlyHoldsNoShareLockButAShareUpdateExclusiveLock() throws Exception {
        clone.sql("CREATE TABLE conc_ix (id int); INSERT INTO conc_ix SELECT generate_series(1, 40)");

        Rehearsed r = rehearse("CREATE INDEX CONCURRENTLY conc_ix_slow ON conc_ix (slow_key(id))");

        assertThat(r.result().succeeded()).as("%s", r.result()).isTrue();
        List<LockHold> onTable = r.step(1).locks().stream().filter(h -> h.relation().equals("public.conc_ix")).toList();
        assertThat(onTable).extracting(LockHold::mode).contains("ShareUpdateExclusiveLock").doesNotContain("ShareLock");
        assertThat(onTable).noneMatch(LockHold::blocksWrites);
    }

    @Test
    void rewritesAreReportedWithTheirSizesAndGivenToTheStatementThatMadeThemEvenInsideABlock() throws Exception {
        clone.sql("CREATE TABLE rw (id int PRIMARY KEY, v text); INSERT INTO rw SELECT g, repeat('x', 50) FROM generate_series(1, 5000) g");

        Rehearsed r = rehearse("""
                ALTER TABLE rw ADD COLUMN note text;
                ALTER TABLE rw ADD COLUMN r float8 DEFAULT random();
                BEGIN;
                ALTER TABLE rw ALTER COLUMN id TYPE bigint;
                COMMIT;
                """);

        assertThat(r.result().succeeded()).as("%s", r.result()).isTrue();
        assertThat(r.step(1).rewrites()).as("a nullable column without a default rewrites nothing").isEmpty();
        assertThat(r.step(2).rewrites()).extracting(TableRewrite::relation).containsExactlyInAnyOrder("public.rw", "public.rw_pkey");
        assertThat(r.step(2).rewrites()).filteredOn(w -> w.relation().equals("public.rw")).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo("r");
            assertThat(w.bytesBefore()).isPositive();
            // every row got 8 more bytes
            assertThat(w.bytesAfter()).isGreaterThan(w.bytesBefore());
        });
        assertThat(r.step(2).walBytes()).isPositive();
        assertThat(r.step(4).rewrites()).extracting(TableRewrite::relation).contains("public.rw");
        assertThat(r.step(4).locks()).anyMatch(h -> h.relation().equals("public.rw") && h.mode().equals("AccessExclusiveLock"));
        assertThat(r.step(5).rewrites()).as("the COMMIT only made the rewrite visible").isEmpty();
        System.out.printf("rewrites: %s / %s; WAL of the volatile default %d bytes%n", r.step(2).rewrites(), r.step(4).rewrites(),
                r.step(2).walBytes());
    }

    @Test
    void aFailingStatementGivesItsSqlStateAndStopsTheRun() throws Exception {
        Rehearsed r = rehearse(MigrationSession.Limits.none(),
                new MigrationSession.Script("01.sql", "CREATE TABLE f1 (id int);\nINSERT INTO f1\n  VALUES ('x');\nCREATE TABLE f2 (id int);"),
                new MigrationSession.Script("02.sql", "CREATE TABLE f3 (id int);"));

        assertThat(r.result().statements()).isEqualTo(4);
        assertThat(r.result().succeeded()).isFalse();
        assertThat(r.steps()).hasSize(2);
        assertThat(r.step(1).failed()).isFalse();
        assertThat(r.step(2).sqlState()).isEqualTo("22P02");
        assertThat(r.step(2).error()).contains("invalid input syntax for type integer").contains("(line 3)");
        assertThat(r.step(2).script()).isEqualTo("01.sql");
        assertThat(r.step(2).line()).isEqualTo(2);
        assertThat(clone.query("SELECT count(*) FROM pg_class WHERE relname IN ('f1', 'f2', 'f3')")).as("f1 only").isEqualTo("1");
    }

    @Test
    void aFailureInsideABlockRollsTheBlockBack() throws Exception {
        Rehearsed r = rehearse("""
                BEGIN;
                CREATE TABLE fb (id int);
                SELECT 1 / 0;
                COMMIT;
                CREATE TABLE fb_after (id int);
                """);

        assertThat(r.steps()).hasSize(3);
        assertThat(r.step(3).sqlState()).isEqualTo("22012");
        assertThat(clone.query("SELECT count(*) FROM pg_class WHERE relname IN ('fb', 'fb_after')")).isEqualTo("0");
        // the table the rolled-back block created was never visible to another session: no hold on it is reported
        assertThat(r.step(2).locks()).isEmpty();
    }

    @Test
    void aScriptEndingInsideABlockIsRolledBackAndReported() throws Exception {
        Rehearsed r = rehearse(MigrationSession.Limits.none(), new MigrationSession.Script("open.sql", "BEGIN;\nCREATE TABLE left_open (id int);"),
                new MigrationSession.Script("next.sql", "CREATE TABLE after_open (id int);"));

        assertThat(r.steps()).hasSize(3);
        assertThat(r.step(3).sql()).isEqualTo("(end of script)");
        assertThat(r.step(3).line()).isEqualTo(2);
        assertThat(r.step(3).script()).isEqualTo("open.sql");
        assertThat(r.step(3).error()).contains("BEGIN without COMMIT").contains("later scripts were not run");
        assertThat(r.result().succeeded()).isFalse();
        assertThat(clone.query("SELECT count(*) FROM pg_class WHERE relname IN ('left_open', 'after_open')")).isEqualTo("0");
    }

    @Test
    void theDeadlineCancelsTheRunningStatementAndNothingRunsAfterIt() throws Exception {
        Rehearsed r = rehearse(new MigrationSession.Limits(null, null, Duration.ofSeconds(1)),
                new MigrationSession.Script("inline", "SELECT pg_sleep(60);\nCREATE TABLE after_deadline (id int);"));

        assertThat(r.result().deadlineExceeded()).isTrue();
        assertThat(r.steps()).singleElement().satisfies(s -> {
            assertThat(s.sqlState()).isEqualTo("57014");
            assertThat(s.error()).startsWith("cancelled at the migration's deadline of 1 s: canceling statement due to user request");
            // cancelled, not slept to the end
            assertThat(s.duration()).isLessThan(Duration.ofSeconds(30));
        });
        assertThat(clone.query("SELECT count(*) FROM pg_class WHERE relname = 'after_deadline'")).isEqualTo("0");
    }

    @Test
    void lockAndStatementTimeoutsApplyToTheMigrationSession() throws Exception {
        clone.sql("CREATE TABLE lt (id int)");
        try (Connection holder = clone.session("test/holder"); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            st.execute("LOCK TABLE lt IN ACCESS SHARE MODE");

            Rehearsed locked = rehearse(new MigrationSession.Limits(null, Duration.ofMillis(200), null),
                    new MigrationSession.Script("inline", "ALTER TABLE lt ADD COLUMN x int"));
            holder.rollback();

            assertThat(locked.step(1).sqlState()).isEqualTo("55P03");
            assertThat(locked.step(1).error()).contains("lock timeout");
        }
        Rehearsed slow = rehearse(new MigrationSession.Limits(Duration.ofMillis(300), null, null),
                new MigrationSession.Script("inline", "SELECT pg_sleep(30)"));
        assertThat(slow.step(1).sqlState()).isEqualTo("57014");
        assertThat(slow.step(1).error()).isEqualTo("canceling statement due to statement timeout");
        assertThat(slow.result().deadlineExceeded()).isFalse();
    }

    // ------------------------------------------------------------------ the risky migration under a writer

    /** 200,000 orders; every {@code completeEvery}-th is complete, the others pending. */
    private static void createOrders(String table, int completeEvery) {
        clone.sql("CREATE TABLE " + table + " AS SELECT g AS id, CASE WHEN g % " + completeEvery + " = 0 THEN 'complete' ELSE 'pending' END AS status,"
                + " now() - g * interval '1 second' AS created_at, ''::text AS note FROM generate_series(1, 200000) g;"
                + " ALTER TABLE " + table + " ADD PRIMARY KEY (id)");
        clone.sql("VACUUM ANALYZE " + table);
    }

    /** Updates random completed orders, one per statement, on its own session, until stopped. */
    private static Future<Long> writer(String table, AtomicBoolean stop) {
        return clone.inBackground(() -> {
            long n = 0;
            try (Connection c = clone.session("workload/writer"); Statement st = c.createStatement()) {
                while (!stop.get()) {
                    int id = 3 * ThreadLocalRandom.current().nextInt(1, 66_666);
                    st.executeUpdate("UPDATE " + table + " SET note = 'touched' WHERE id = " + id);
                    n++;
                }
            }
            return n;
        });
    }

    private static final String RISKY = """
            ALTER TABLE %1$s ADD COLUMN processed_at timestamptz;
            UPDATE %1$s SET processed_at = created_at WHERE status = 'complete';
            ALTER TABLE %1$s ALTER COLUMN processed_at SET NOT NULL;
            """;

    @Test
    void theRiskyMigrationInOneTransactionHoldsAnAccessExclusiveLockForTheWholeBackfillAndTheWriterWaits() throws Exception {
        // all complete, so that the migration as written succeeds: what makes it risky is the lock, not an error
        createOrders("orders_tx", 1);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Long> writes = writer("orders_tx", stop);
        Rehearsed r;
        try {
            TestClone.await("the writer writes", Duration.ofSeconds(30),
                    () -> Long.parseLong(clone.query("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'orders_tx'")) > 0);
            r = rehearse("BEGIN;\n" + RISKY.formatted("orders_tx") + "COMMIT;\n");
        } finally {
            stop.set(true);
        }
        assertThat(writes.get(60, TimeUnit.SECONDS)).isPositive();

        assertThat(r.result().succeeded()).as("%s", r.result()).isTrue();
        StepEvidence addColumn = r.step(2);
        StepEvidence backfill = r.step(3);
        StepEvidence commit = r.step(5);
        LockHold exclusive = addColumn.locks().stream()
                .filter(h -> h.relation().equals("public.orders_tx") && h.mode().equals("AccessExclusiveLock")).findFirst().orElseThrow();
        // taken by ADD COLUMN, held through the whole backfill until COMMIT
        assertThat(exclusive.firstSeen()).isBefore(backfill.started());
        assertThat(exclusive.lastSeen()).isAfterOrEqualTo(end(backfill)).isBefore(end(commit));
        assertThat(exclusive.held()).isGreaterThanOrEqualTo(backfill.duration());
        assertThat(backfill.locks()).anyMatch(h -> h.relation().equals("public.orders_tx") && h.mode().equals("RowExclusiveLock"));
        assertThat(backfill.walBytes()).isPositive();

        // the writer queued behind the table lock of ADD COLUMN
        assertThat(addColumn.blocked()).filteredOn(w -> w.waiterApplication().equals("pgclone-rehearsal/workload/writer")).singleElement()
                .satisfies(w -> {
                    assertThat(w.lockType()).isEqualTo("relation");
                    assertThat(w.relation()).isEqualTo("public.orders_tx");
                    assertThat(w.mode()).isEqualTo("RowExclusiveLock");
                    assertThat(w.waiterQuery()).startsWith("UPDATE orders_tx SET note = 'touched'");
                    assertThat(w.waited()).isGreaterThanOrEqualTo(backfill.duration().dividedBy(2));
                });
        assertThat(r.quality().failedSamples()).isZero();
        System.out.printf("risky, one transaction: backfill %.3f s, AccessExclusiveLock held %.3f s, writer waited %.3f s; %s%n",
                seconds(backfill.duration()), seconds(exclusive.held()), seconds(addColumn.blocked().get(0).waited()), r.quality());
    }

    @Test
    void theRiskyMigrationStatementByStatementMakesTheWriterWaitOnTheBackfillsRowLocks() throws Exception {
        createOrders("orders_ac", 3);
        AtomicBoolean stop = new AtomicBoolean();
        Future<Long> writes = writer("orders_ac", stop);
        Rehearsed r;
        try {
            TestClone.await("the writer writes", Duration.ofSeconds(30),
                    () -> Long.parseLong(clone.query("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'orders_ac'")) > 0);
            r = rehearse(RISKY.formatted("orders_ac"));
        } finally {
            stop.set(true);
        }
        assertThat(writes.get(60, TimeUnit.SECONDS)).isPositive();

        // the migration as written: the pending orders have no processed_at, so SET NOT NULL fails
        assertThat(r.steps()).as("%s %s", r.result(), r.quality()).hasSize(3);
        StepEvidence backfill = r.step(2);
        assertThat(backfill.failed()).isFalse();
        assertThat(r.step(3).sqlState()).isEqualTo("23502");
        assertThat(backfill.locks()).as("%s %s", r.result(), r.quality())
                .anyMatch(h -> h.relation().equals("public.orders_ac") && h.mode().equals("RowExclusiveLock"));
        // the writer touched a row the backfill had updated and waited for the backfill's transaction to end
        assertThat(backfill.blocked()).filteredOn(w -> w.waiterApplication().equals("pgclone-rehearsal/workload/writer")).isNotEmpty()
                .allSatisfy(w -> {
                    assertThat(w.lockType()).isIn("transactionid", "tuple");
                    assertThat(w.blockerPid()).isEqualTo(backfill.pid());
                    assertThat(w.firstSeen()).isAfterOrEqualTo(backfill.started());
                });
        assertThat(backfill.blocked()).anyMatch(w -> w.lockType().equals("transactionid") && w.mode().equals("ShareLock"));
        System.out.printf("risky, statement by statement: backfill %.3f s, %d waits, longest %.3f s; %s%n", seconds(backfill.duration()),
                backfill.blocked().size(), backfill.blocked().stream().mapToDouble(w -> seconds(w.waited())).max().orElse(0), r.quality());
    }
}
