package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.testing.PostgresTest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Job path against a real PostgreSQL: the team's tool is psql, run as a separate process, exactly
 * as a migration Job's container would run it; the rehearsal knows nothing of its sessions in advance.
 */
@PostgresTest
class SessionWatcherTest {

    private static TestClone clone;

    @BeforeAll
    static void start() {
        clone = TestClone.start("rehearsal-job");
    }

    @AfterAll
    static void stop() {
        if (clone != null) {
            clone.close();
        }
    }

    @Test
    void everySessionOfTheToolIsAStepWithItsLocksItsWaitersAndItsRewrites() throws Exception {
        clone.sql("CREATE TABLE job_t (id int PRIMARY KEY, v text); INSERT INTO job_t SELECT g, 'v' FROM generate_series(1, 2000) g");
        // sessions that are not the Job's: one of the rehearsal's own, holding a lock, and someone's connected before the Job
        Connection own = clone.session("workload/idle");
        own.setAutoCommit(false);
        try (Statement st = own.createStatement()) {
            st.execute("SELECT count(*) FROM pg_class");
        }
        Connection someone = clone.foreignSession("someones-psql");
        // the test's own sessions, opened beforehand: a psql of the test's would be a session of the Job
        Connection probe = clone.session("test/probe");
        Connection reader = clone.session("workload/reader");
        try (Statement st = someone.createStatement()) {
            st.execute("SELECT 1");
        }

        SessionWatcher.JobEvidence job;
        long readerWaitedNanos;
        long toolNanos;
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.otherSessions(), LockMonitor.DEFAULT_INTERVAL)) {
            SessionWatcher watcher = SessionWatcher.start(clone.sessions, monitor);
            Future<Long> tool = clone.inBackground(() -> {
                long t0 = System.nanoTime();
                clone.query("BEGIN; ALTER TABLE job_t ALTER COLUMN id TYPE bigint; SELECT pg_sleep(1.5); COMMIT;");
                return System.nanoTime() - t0;
            });
            TestClone.await("the tool holds its lock", Duration.ofSeconds(30),
                    () -> TestClone.holdsLock(probe, "psql", "job_t", "AccessExclusiveLock"));
            try (Statement st = reader.createStatement()) {
                long t0 = System.nanoTime();
                st.executeQuery("SELECT count(*) FROM job_t").close();
                readerWaitedNanos = System.nanoTime() - t0;
            }
            toolNanos = tool.get(60, TimeUnit.SECONDS);
            job = watcher.finish();
        } finally {
            own.rollback();
        }

        Duration edges = job.quality().interval().plus(job.quality().maxQueryTime()).multipliedBy(2);
        assertThat(job.sessions()).as("%s", job).singleElement().satisfies(s -> {
            assertThat(s.number()).isEqualTo(1);
            assertThat(s.script()).isEqualTo("psql");
            assertThat(s.line()).isZero();
            assertThat(s.sql()).isEqualTo("BEGIN; ALTER TABLE job_t ALTER COLUMN id TYPE bigint; SELECT pg_sleep(1.5); COMMIT;");
            // seen for the 1.5 s it slept at least, but for what sampling loses at each end (one interval and one
            // sample's time), and no longer than the psql process ran
            assertThat(s.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(1500).minus(edges)).isLessThanOrEqualTo(Duration.ofNanos(toolNanos));
            assertThat(s.locks()).anySatisfy(h -> {
                assertThat(h.relation()).isEqualTo("public.job_t");
                assertThat(h.mode()).isEqualTo("AccessExclusiveLock");
                assertThat(h.pid()).isEqualTo(s.pid());
                assertThat(h.held()).isGreaterThanOrEqualTo(Duration.ofMillis(1500).minus(edges)).isLessThanOrEqualTo(Duration.ofNanos(toolNanos));
            });
            assertThat(s.blocked()).singleElement().satisfies(w -> {
                assertThat(w.waiterApplication()).isEqualTo("pgclone-rehearsal/workload/reader");
                assertThat(w.relation()).isEqualTo("public.job_t");
                assertThat(w.blockerPid()).isEqualTo(s.pid());
                assertThat(w.waited().toNanos() / 1e9).isCloseTo(readerWaitedNanos / 1e9, org.assertj.core.data.Offset.offset(0.5));
            });
            assertThat(s.rewrites()).extracting(TableRewrite::relation).containsExactlyInAnyOrder("public.job_t", "public.job_t_pkey");
            assertThat(s.walBytes()).isPositive();
            assertThat(s.failed()).isFalse();
        });
        assertThat(job.rewrites()).hasSize(2);
        assertThat(job.unattributedRewrites()).isEmpty();
        assertThat(job.walBytes()).isPositive();
        assertThat(job.quality().failedSamples()).isZero();
        System.out.printf("Job path: %s%n", job);
    }

    @Test
    void rewritesGoToTheSessionThatLockedTheTableWhenTheToolHasSeveral() throws Exception {
        clone.sql("CREATE TABLE job_a (id int); CREATE TABLE job_b (id int); INSERT INTO job_a SELECT generate_series(1, 1000);"
                + " INSERT INTO job_b SELECT generate_series(1, 1000)");
        SessionWatcher.JobEvidence job;
        try (LockMonitor monitor = LockMonitor.start(clone.sessions, LockMonitor.Watch.otherSessions(), LockMonitor.DEFAULT_INTERVAL)) {
            SessionWatcher watcher = SessionWatcher.start(clone.sessions, monitor);
            Future<String> a = clone.inBackground(() -> clone.query("BEGIN; ALTER TABLE job_a ALTER COLUMN id TYPE bigint; SELECT pg_sleep(0.6); COMMIT;"));
            Future<String> b = clone.inBackground(() -> clone.query("BEGIN; SELECT pg_sleep(0.3); ALTER TABLE job_b ALTER COLUMN id TYPE bigint;"
                    + " SELECT pg_sleep(0.6); COMMIT;"));
            a.get(60, TimeUnit.SECONDS);
            b.get(60, TimeUnit.SECONDS);
            job = watcher.finish();
        }

        assertThat(job.sessions()).hasSize(2);
        assertThat(job.sessions()).allSatisfy(s -> assertThat(s.rewrites()).singleElement()
                .satisfies(w -> assertThat(s.sql()).contains("ALTER TABLE " + w.relation().substring("public.".length()) + " ")));
        assertThat(job.unattributedRewrites()).isEmpty();
        // the WAL of each session is an upper bound over its lifetime; the Job's is exact
        assertThat(job.sessions()).allMatch(s -> s.walBytes() > 0);
    }
}
