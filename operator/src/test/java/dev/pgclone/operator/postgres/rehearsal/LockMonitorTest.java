package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.testing.PostgresTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** The monitor's sampling against a real PostgreSQL: whom it watches, what survives a failed sample, names of relations in flux. */
@PostgresTest
class LockMonitorTest {

    private static TestClone clone;

    @BeforeAll
    static void start() {
        clone = TestClone.start("rehearsal-monitor");
    }

    @AfterAll
    static void stop() {
        if (clone != null) {
            clone.close();
        }
    }

    private static int pid(Connection c) throws Exception {
        return c.unwrap(PGConnection.class).getBackendPID();
    }

    private static int waiting() {
        return Integer.parseInt(clone.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"));
    }

    private static Future<Void> inBackground(Connection c, String sql) {
        return clone.inBackground(() -> {
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            }
            return null;
        });
    }

    @Test
    void watchesOnlyTheMigrationsPidsAndFollowsTheQueueBehindThem() throws Exception {
        clone.sql("CREATE TABLE mig_t (id int); CREATE TABLE other_t (id int); CREATE TABLE rowz (id int PRIMARY KEY, v int);"
                + " INSERT INTO rowz VALUES (1, 0)");
        Connection migration = clone.session("test/migration");
        Connection other = clone.session("test/other");
        Connection readsOther = clone.session("test/reads-other");
        Connection readsMigration = clone.session("test/reads-migration");
        Connection firstWriter = clone.session("test/first-writer");
        Connection secondWriter = clone.session("test/second-writer");
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), Duration.ofMillis(50))) {
            monitor.watch(pid(migration));
            migration.setAutoCommit(false);
            other.setAutoCommit(false);
            try (Statement st = migration.createStatement()) {
                st.execute("LOCK TABLE mig_t IN ACCESS EXCLUSIVE MODE");
                st.execute("UPDATE rowz SET v = 1 WHERE id = 1");
            }
            try (Statement st = other.createStatement()) {
                st.execute("LOCK TABLE other_t IN ACCESS EXCLUSIVE MODE");
            }
            List<Future<Void>> blocked = List.of(
                    inBackground(readsOther, "SELECT count(*) FROM other_t"),
                    inBackground(readsMigration, "SELECT count(*) FROM mig_t"),
                    inBackground(firstWriter, "UPDATE rowz SET v = 2 WHERE id = 1"));
            TestClone.await("three sessions wait", Duration.ofSeconds(30), () -> waiting() == 3);
            // the second writer of the row queues behind the first, on its tuple lock: not on the migration directly
            blocked = new java.util.ArrayList<>(blocked);
            blocked.add(inBackground(secondWriter, "UPDATE rowz SET v = 3 WHERE id = 1"));
            TestClone.await("four sessions wait", Duration.ofSeconds(30), () -> waiting() == 4);
            monitor.sampleNow();
            other.rollback();
            migration.commit();
            for (Future<Void> f : blocked) {
                f.get(30, TimeUnit.SECONDS);
            }
            monitor.sampleNow();
            monitor.close();
            int migrationPid = pid(migration);

            assertThat(monitor.holds()).allMatch(h -> h.pid() == migrationPid)
                    .extracting(h -> h.relation() + " " + h.mode())
                    .contains("public.mig_t AccessExclusiveLock", "public.rowz RowExclusiveLock")
                    .doesNotContain("public.other_t AccessExclusiveLock");
            List<LockWait> waits = monitor.waits();
            assertThat(waits).allMatch(w -> w.blockerPid() == migrationPid);
            assertThat(waits).noneMatch(w -> w.waiterApplication().endsWith("reads-other"));
            assertThat(waits).filteredOn(w -> w.waiterApplication().endsWith("reads-migration")).singleElement().satisfies(w -> {
                assertThat(w.lockType()).isEqualTo("relation");
                assertThat(w.relation()).isEqualTo("public.mig_t");
                assertThat(w.mode()).isEqualTo("AccessShareLock");
            });
            assertThat(waits).filteredOn(w -> w.waiterApplication().endsWith("first-writer")).singleElement().satisfies(w -> {
                assertThat(w.lockType()).isEqualTo("transactionid");
                assertThat(w.relation()).isNull();
                assertThat(w.mode()).isEqualTo("ShareLock");
            });
            assertThat(waits).filteredOn(w -> w.waiterApplication().endsWith("second-writer")).singleElement().satisfies(w -> {
                assertThat(w.lockType()).isEqualTo("tuple");
                assertThat(w.relation()).isEqualTo("public.rowz");
                assertThat(w.waiterQuery()).isEqualTo("UPDATE rowz SET v = 3 WHERE id = 1");
            });
            assertThat(monitor.quality().failedSamples()).isZero();
        }
    }

    @Test
    void relationsDroppedOrCreatedByTheMigrationsOpenTransactionBreakNoSample() throws Exception {
        clone.sql("CREATE TABLE doomed (id int); CREATE TABLE kept (id int)");
        MigrationSession.Result result;
        SamplingQuality quality;
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), Duration.ofMillis(50))) {
            result = MigrationSession.run(clone.sessions, monitor, List.of(new MigrationSession.Script("inline", """
                    BEGIN;
                    DROP TABLE doomed;
                    CREATE TABLE newborn (id int);
                    CREATE INDEX kept_id ON kept (id);
                    SELECT pg_sleep(0.5);
                    COMMIT;
                    BEGIN;
                    LOCK TABLE newborn IN ACCESS EXCLUSIVE MODE;
                    SELECT pg_sleep(0.3);
                    COMMIT;
                    """)), MigrationSession.Limits.none());
            quality = monitor.quality();
        }

        assertThat(result.succeeded()).as("%s", result).isTrue();
        assertThat(quality.failedSamples()).as("%s", quality).isZero();
        // the dropped table was named while its DROP was uncommitted: everyone could see it, and its lock counts
        assertThat(result.steps().get(1).locks()).anyMatch(h -> h.relation().equals("public.doomed") && h.mode().equals("AccessExclusiveLock"));
        // the new table and the new index could be seen by nobody until COMMIT, which released their locks: those
        // locks blocked nobody and are not evidence; the index's table is locked against writes, which is
        List<LockHold> creating = result.steps().subList(0, 6).stream().flatMap(s -> s.locks().stream()).toList();
        assertThat(creating).noneMatch(h -> h.relation().equals("public.newborn") || h.relation().equals("public.kept_id"));
        assertThat(result.steps().get(3).locks()).anyMatch(h -> h.relation().equals("public.kept") && h.mode().equals("ShareLock"));
        // once committed, the new table is a table like any other: a later transaction's lock on it counts
        assertThat(result.steps().get(7).locks()).anyMatch(h -> h.relation().equals("public.newborn") && h.mode().equals("AccessExclusiveLock"));
    }

    @Test
    void aFailedSampleIsCountedAndSamplingGoesOnOnANewSession() throws Exception {
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.pids(), Duration.ofMillis(50))) {
            TestClone.await("a few samples", Duration.ofSeconds(30), () -> monitor.quality().samples() >= 3);
            String pid = clone.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgclone-rehearsal/monitor'");
            assertThat(clone.query("SELECT pg_terminate_backend(" + pid + ")")).isEqualTo("t");
            TestClone.await("a failed sample", Duration.ofSeconds(30), () -> monitor.quality().failedSamples() >= 1);
            long samplesAfterFailure = monitor.quality().samples();
            TestClone.await("sampling again", Duration.ofSeconds(30), () -> monitor.quality().samples() >= samplesAfterFailure + 3);

            SamplingQuality q = monitor.quality();
            assertThat(q.lastError()).startsWith("SQLSTATE 57P01");
            assertThat(clone.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgclone-rehearsal/monitor' AND pid <> " + pid))
                    .isEqualTo("1");
            assertThat(q.meanQueryTime()).isLessThanOrEqualTo(q.maxQueryTime());
            assertThat(q.largestGap()).isPositive();
        }
        assertThat(clone.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgclone-rehearsal/monitor'"))
                .as("closed with the monitor").isEqualTo("0");
    }
}
