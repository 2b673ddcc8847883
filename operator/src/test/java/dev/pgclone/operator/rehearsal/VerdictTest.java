package dev.pgclone.operator.rehearsal;

import static dev.pgclone.operator.rehearsal.Rehearsals.MIB;
import static dev.pgclone.operator.rehearsal.Rehearsals.calmQuery;
import static dev.pgclone.operator.rehearsal.Rehearsals.createIndex;
import static dev.pgclone.operator.rehearsal.Rehearsals.failedCheck;
import static dev.pgclone.operator.rehearsal.Rehearsals.ordersLimits;
import static dev.pgclone.operator.rehearsal.Rehearsals.phase;
import static dev.pgclone.operator.rehearsal.Rehearsals.plan;
import static dev.pgclone.operator.rehearsal.Rehearsals.query;
import static dev.pgclone.operator.rehearsal.Rehearsals.risky;
import static dev.pgclone.operator.rehearsal.Rehearsals.safe;
import static dev.pgclone.operator.rehearsal.Rehearsals.table;
import static dev.pgclone.operator.rehearsal.Rehearsals.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.postgres.rehearsal.WorkloadResult;
import dev.pgclone.operator.rehearsal.Rehearsals.Evidence;
import dev.pgclone.operator.rehearsal.Rehearsals.Step;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The verdict over the scenarios and each limit alone, at and just over its boundary. */
class VerdictTest {

    @Test
    void theRiskyMigrationFailsNamingTheLockTheTableHowLongItWasHeldAndHowLongTheWorkloadWaited() {
        Verdict verdict = Verdict.judge(risky().build(), ordersLimits());

        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.outcome()).isEqualTo("Failed");
        assertThat(verdict.reasons()).containsExactly(
                "AccessExclusiveLockTooLong", "WriteBlockingLockTooLong", "WorkloadWaitedTooLong");
        Finding lock = verdict.failures().get(0);
        assertThat(lock.message()).isEqualTo("statement 3 (inline:3) held AccessExclusiveLock on public.orders for 41.2 s"
                + " (limit 1 s); 3 workload sessions waited up to 40.8 s (recent-orders)");
        assertThat(lock.step()).isEqualTo(3);
        assertThat(lock.subject()).isEqualTo("public.orders");
        assertThat(lock.value()).isEqualTo(41.2);
        assertThat(lock.limit()).isEqualTo(1.0);
        assertThat(verdict.failures()).filteredOn(f -> f.reason().equals("WorkloadWaitedTooLong")).singleElement()
                .extracting(Finding::message).isEqualTo("workload query recent-orders waited 40.8 s for a lock (limit 5 s)"
                        + " behind statement 3 (inline:3) holding AccessExclusiveLock on public.orders");
        assertThat(verdict.message()).startsWith("statement 3 (inline:3) held AccessExclusiveLock on public.orders for 41.2 s")
                .endsWith("(and 2 more findings)");
    }

    @Test
    void theRiskyMigrationsOtherLocksAndWaitsAreNotesThatFailNothing() {
        Verdict verdict = Verdict.judge(risky().build(), ordersLimits());

        assertThat(verdict.notes()).extracting(Finding::message).containsExactly(
                "statement 1 (inline:1) held AccessExclusiveLock on public.orders briefly (seen in one sample), within the 1 s"
                        + " limit: blocks every statement on it, SELECT included; no session waited behind it",
                "workload query mark-shipped waited 2.1 s for a lock behind statement 2 (inline:2), for a row it had changed,"
                        + " within the 5 s limit",
                "workload query recent-orders fell behind its rate: on schedule before the migration, 52 late, 1988 skipped"
                        + " (largest lag 40790.5 ms) during it; late executions still ran, skipped ones did not, so less load was offered"
                        + " than asked (its sessions were busy: waiting for a lock, or a slow clone or operator)");
    }

    @Test
    void theSafeMigrationPassesWithItsBriefLocksNoted() {
        Verdict verdict = Verdict.judge(safe().build(), ordersLimits());

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.outcome()).isEqualTo("Passed");
        assertThat(verdict.reasons()).isEmpty();
        assertThat(verdict.notes()).extracting(Finding::reason).containsOnly(Finding.WRITE_BLOCKING_LOCK_HELD);
        assertThat(verdict.notes()).extracting(Finding::step).containsExactly(1, 5);
        assertThat(verdict.message()).isEqualTo("passed: 2 notes in the report");
    }

    @Test
    void aPlainCreateIndexIsReportedForTheShareLockItHoldsWhenNoLimitIsSet() {
        Verdict verdict = Verdict.judge(createIndex().build(), Limits.NONE);

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.notes()).filteredOn(f -> f.reason().equals(Finding.WRITE_BLOCKING_LOCK_HELD)).singleElement()
                .extracting(Finding::message).isEqualTo("statement 1 (inline:1) held ShareLock on public.orders for 3.1 s:"
                        + " blocks INSERT/UPDATE/DELETE; 1 workload session waited up to 2.8 s (insert-order)");
        assertThat(verdict.notes()).extracting(Finding::reason).contains(Finding.WORKLOAD_WAITED);
    }

    @Test
    void aPlainCreateIndexFailsALimitOnLocksThatBlockWritesButNotOneOnAccessExclusiveLocks() {
        Limits exclusiveOnly = new Limits(Duration.ofSeconds(1), null, null, null, null, null, null);
        assertThat(Verdict.judge(createIndex().build(), exclusiveOnly).passed()).isTrue();

        Limits writes = new Limits(null, Duration.ofSeconds(1), null, null, null, null, null);
        Verdict verdict = Verdict.judge(createIndex().build(), writes);
        assertThat(verdict.reasons()).containsExactly(Finding.WRITE_BLOCKING_LOCK_TOO_LONG);
        assertThat(verdict.failures().get(0).message()).isEqualTo("statement 1 (inline:1) held ShareLock on public.orders"
                + " for 3.1 s (limit 1 s on locks that block writes); 1 workload session waited up to 2.8 s (insert-order)");
    }

    @Test
    void aWorkloadThatFellBehindItsRateIsNotedWithWhatItMissedButFailsNothing() {
        Evidence e = new Evidence().step(new Step(1, "CREATE INDEX CONCURRENTLY orders_total ON orders (total);", 0, 4))
                .query(Rehearsals.paced(calmQuery("recent-orders"), new WorkloadResult.Pacing(3, 0, 0, 140.0),
                        new WorkloadResult.Pacing(41, 12, 1, 1_830.0)))
                .query(calmQuery("on-time"));

        Verdict verdict = Verdict.judge(e.build(), ordersLimits());

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.notes()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(Finding.WORKLOAD_BEHIND_SCHEDULE);
            assertThat(f.subject()).isEqualTo("recent-orders");
            assertThat(f.message()).isEqualTo("workload query recent-orders fell behind its rate: 3 late, 0 skipped (largest lag 140 ms)"
                    + " before the migration, 41 late, 12 skipped (largest lag 1830 ms) during it; late executions still ran, skipped"
                    + " ones did not, so less load was offered than asked (its sessions were busy: waiting for a lock, or a slow clone or operator)");
        });
    }

    @Test
    void aLockOfAboutTwoSecondsIsCaughtByAOneSecondLimit() {
        // a 2 s lock sampled every 100 ms: seen from the first sample after it was taken to the last before it went
        Evidence e = new Evidence().step(new Step(1, "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);", 0, 2.0)
                .lock(table("public.orders", "AccessExclusiveLock", 0.05, 1.95)));

        Verdict verdict = Verdict.judge(e.build(), new Limits(Duration.ofSeconds(1), null, null, null, null, null, null));

        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG);
            assertThat(f.message()).isEqualTo("statement 1 (inline:1) held AccessExclusiveLock on public.orders for 1.9 s"
                    + " (limit 1 s); no session waited behind it");
        });
    }

    @Test
    void aTableItsIndexesAndToastTableLockedTogetherAreOneFindingNamingTheTable() {
        Evidence e = new Evidence().step(new Step(1, "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);", 0, 6)
                .lock(Rehearsals.hold("public.orders_pkey", "i", "AccessExclusiveLock", 0.1, 5.9))
                .lock(Rehearsals.hold("pg_toast.pg_toast_16384", "t", "AccessExclusiveLock", 0.1, 5.9))
                .lock(table("public.orders", "AccessExclusiveLock", 0.1, 5.9)));

        Verdict verdict = Verdict.judge(e.build(), new Limits(Duration.ofSeconds(1), null, null, null, null, null, null));

        assertThat(verdict.failures()).singleElement().extracting(Finding::message).isEqualTo(
                "statement 1 (inline:1) held AccessExclusiveLock on public.orders (and 2 more relations) for 5.8 s (limit 1 s);"
                        + " no session waited behind it");
    }

    @Test
    void withNoLimitSetOnlyErrorsAndFailedChecksFail() {
        Evidence e = risky();
        e.step(new Step(4, "VACUUM FULL orders;", 79.304, 30).lock(table("public.orders", "AccessExclusiveLock", 79.4, 109.2))
                .rewrote("public.orders", "r", 900 * MIB, 700 * MIB));
        e.plan(plan("slow", 1, Rehearsals.INDEX_SCAN, 100, Rehearsals.SEQ_SCAN));
        e.query(query("errors", phase(Workload.MIGRATION, 10, 1, 1, 1, 1, Map.of("55P03", 7L)), 0));
        e.gap = Duration.ofSeconds(3);

        Verdict verdict = Verdict.judge(e.build(), Limits.NONE);

        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.notes()).extracting(Finding::reason).contains(Finding.WRITE_BLOCKING_LOCK_HELD, Finding.TABLE_REWRITTEN,
                Finding.WORKLOAD_WAITED, Finding.WORKLOAD_ERRORS_SEEN, Finding.PLAN_SHAPE_CHANGED, Finding.SAMPLING_GAP);
        assertThat(Verdict.judge(e.build(), null).findings()).isEqualTo(verdict.findings());
    }

    /** Each limit alone: a measurement equal to it passes ("at most"), one just over it fails with its reason. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void everyLimitIsAMaximum(String reason, Function<Evidence, Evidence> measured, Limits atTheLimit, Limits justUnder) {
        RehearsalEvidence evidence = measured.apply(new Evidence()).build();

        Verdict equal = Verdict.judge(evidence, atTheLimit);
        assertThat(equal.failures()).as("measured exactly at the limit").isEmpty();

        Verdict over = Verdict.judge(evidence, justUnder);
        assertThat(over.passed()).as("measured just over the limit").isFalse();
        assertThat(over.reasons()).containsExactly(reason);

        assertThat(Verdict.judge(evidence, Limits.NONE).failures()).as("the limit not set").isEmpty();
    }

    static Stream<Arguments> boundaries() {
        Duration two = Duration.ofSeconds(2);
        Duration under = Duration.ofMillis(1999);
        return Stream.of(
                Arguments.of(Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG,
                        step(s -> s.lock(table("public.orders", "AccessExclusiveLock", 1, 3))),
                        new Limits(two, null, null, null, null, null, null), new Limits(under, null, null, null, null, null, null)),
                Arguments.of(Finding.WRITE_BLOCKING_LOCK_TOO_LONG,
                        step(s -> s.lock(table("public.orders", "ShareRowExclusiveLock", 1, 3))),
                        new Limits(null, two, null, null, null, null, null), new Limits(null, under, null, null, null, null, null)),
                Arguments.of(Finding.WORKLOAD_WAITED_TOO_LONG,
                        (Function<Evidence, Evidence>) e -> e.query(query("recent-orders",
                                phase(Workload.MIGRATION, 10, 1, 1, 1, 2000, Map.of()), 2.0)),
                        new Limits(null, null, two, null, null, null, null), new Limits(null, null, under, null, null, null, null)),
                Arguments.of(Finding.MIGRATION_TOO_LONG,
                        (Function<Evidence, Evidence>) e -> e.step(new Step(1, "SELECT 1;", 0, 2.0)),
                        new Limits(null, null, null, two, null, null, null), new Limits(null, null, null, under, null, null, null)),
                Arguments.of(Finding.LARGE_TABLE_REWRITTEN,
                        step(s -> s.rewrote("public.orders", "r", 100 * MIB, 101 * MIB)),
                        new Limits(null, null, null, null, 100 * MIB, null, null),
                        new Limits(null, null, null, null, 100 * MIB - 1, null, null)),
                Arguments.of(Finding.PLAN_SLOWED_DOWN,
                        (Function<Evidence, Evidence>) e -> e.plan(plan("q", 2, Rehearsals.INDEX_SCAN, 5, Rehearsals.INDEX_SCAN)),
                        new Limits(null, null, null, null, null, 2.5, null), new Limits(null, null, null, null, null, 2.49, null)),
                Arguments.of(Finding.WORKLOAD_ERRORS,
                        (Function<Evidence, Evidence>) e -> e.query(query("insert-order",
                                phase(Workload.MIGRATION, 10, 1, 1, 1, 1, Map.of("55P03", 2L, "40P01", 1L)), 0)),
                        new Limits(null, null, null, null, null, null, 3L), new Limits(null, null, null, null, null, null, 2L)));
    }

    private static Function<Evidence, Evidence> step(Function<Step, Step> facts) {
        return e -> e.step(facts.apply(new Step(1, "ALTER TABLE orders ...;", 0, 4)));
    }

    @Test
    void aValueOverTheLimitNeverReadsAsTheLimit() {
        Evidence e = new Evidence().step(new Step(1, "LOCK TABLE orders;", 0, 2)
                .lock(table("public.orders", "AccessExclusiveLock", 0, 1.004)));

        Verdict verdict = Verdict.judge(e.build(), new Limits(Duration.ofSeconds(1), null, null, null, null, null, null));

        assertThat(verdict.failures().get(0).message()).contains("for 1.004 s (limit 1 s)");
    }

    @Test
    void aFailedCheckFailsTheRehearsalNamingTheCheckAndWhatItFound() {
        Evidence e = safe().check(failedCheck("no-negative-amounts", "3 rows"))
                .check(new dev.pgclone.operator.postgres.rehearsal.CheckResult("orders-count", "SELECT count(*) FROM orderz",
                        false, "value >= 1000000", null, "42P01 relation \"orderz\" does not exist"));

        Verdict verdict = Verdict.judge(e.build(), Limits.NONE);

        assertThat(verdict.reasons()).containsExactly(Finding.CHECK_FAILED);
        assertThat(verdict.failures()).extracting(Finding::message).containsExactly(
                "check no-negative-amounts failed: expected rows = 0, got 3 rows",
                "check orders-count failed: 42P01 relation \"orderz\" does not exist");
        assertThat(verdict.failures()).extracting(Finding::subject).containsExactly("no-negative-amounts", "orders-count");
    }

    @Test
    void aPlanSlowdownOverTheLimitFailsNamingTheQueryAndBothTimes() {
        Evidence e = safe().plan(plan("orders-by-status", 1.2, Rehearsals.INDEX_SCAN, 14.9, Rehearsals.SEQ_SCAN));

        Verdict verdict = Verdict.judge(e.build(), ordersLimits());

        assertThat(verdict.reasons()).containsExactly(Finding.PLAN_SLOWED_DOWN);
        assertThat(verdict.failures()).singleElement().satisfies(f -> {
            assertThat(f.message()).isEqualTo("query orders-by-status ran 12.4x slower after the migration (limit 2x):"
                    + " 1.2 ms before, 14.9 ms after; its plan changed shape");
            assertThat(f.value()).isEqualTo(12.417);
            assertThat(f.limit()).isEqualTo(2.0);
        });
    }

    @Test
    void aSubMillisecondSlowdownOverTheLimitIsNotedAsNoiseAndFailsOnlyOnceItCostsAMillisecond() {
        Verdict noise = Verdict.judge(safe().plan(plan("by-id", 0.04, Rehearsals.INDEX_SCAN, 0.1, Rehearsals.INDEX_SCAN)).build(),
                ordersLimits());
        assertThat(noise.passed()).isTrue();
        assertThat(noise.notes()).filteredOn(f -> f.reason().equals(Finding.PLAN_SLOWDOWN_WITHIN_NOISE)).singleElement()
                .extracting(Finding::message).isEqualTo("query by-id ran 2.5x slower after the migration, over the 2x limit, but by less"
                        + " than 1 ms with the same plan, which EXPLAIN's timing cannot tell from noise: 0.04 ms before, 0.1 ms after");
        // a plan that changed shape is a regression whatever the times: no floor
        Verdict newPlan = Verdict.judge(safe().plan(plan("by-id", 0.05, Rehearsals.INDEX_SCAN, 0.95, Rehearsals.SEQ_SCAN)).build(),
                ordersLimits());
        assertThat(newPlan.reasons()).containsExactly(Finding.PLAN_SLOWED_DOWN);

        Verdict slower = Verdict.judge(safe().plan(plan("by-id", 0.5, Rehearsals.INDEX_SCAN, 1.6, Rehearsals.SEQ_SCAN)).build(),
                ordersLimits());
        assertThat(slower.reasons()).containsExactly(Finding.PLAN_SLOWED_DOWN);
    }

    @Test
    void aNamedQueryThatBreaksWithTheMigrationFailsEvenWithoutALimit() {
        PlanCapture ok = Rehearsals.capture(Rehearsals.INDEX_SCAN, 0.4);
        PlanCapture broken = new PlanCapture(null, 0, 0, 0, null, "42703 column \"note\" does not exist");
        Evidence e = safe().plan(new PlanComparison("orders-with-note", "SELECT note FROM orders", ok, broken))
                .plan(new PlanComparison("broken-before", "SELECT nope", broken, broken));

        Verdict verdict = Verdict.judge(e.build(), Limits.NONE);

        assertThat(verdict.reasons()).containsExactly(Finding.PLAN_QUERY_FAILED);
        assertThat(verdict.failures().get(0).message()).isEqualTo("EXPLAIN of orders-with-note ran before the migration and"
                + " failed after it: 42703 column \"note\" does not exist");
        assertThat(verdict.notes()).extracting(Finding::reason).contains(Finding.PLAN_NOT_COMPARED);
    }

    @Test
    void aMigrationErrorFailsOnceNamingTheStatementAndItsSqlState() {
        Evidence e = risky();
        e.steps.get(2).failed("23502", "column \"processed_at\" of relation \"orders\" contains null values");
        e.migrationError = "statement 3 (inline:3) failed: column \"processed_at\" of relation \"orders\" contains null values";

        Verdict verdict = Verdict.judge(e.build(), Limits.NONE);

        assertThat(verdict.reasons()).containsExactly(Finding.MIGRATION_FAILED);
        assertThat(verdict.failures()).singleElement().satisfies(f -> {
            assertThat(f.message()).isEqualTo("statement 3 (inline:3) failed: 23502 column \"processed_at\" of relation"
                    + " \"orders\" contains null values");
            assertThat(f.step()).isEqualTo(3);
        });
    }

    @Test
    void aJobThatDidNotFinishFailsWithItsReasonAndSessionsAreNamedAsSessions() {
        Evidence e = new Evidence();
        e.path = "job";
        Step session = new Step(1, "ALTER TABLE orders ADD COLUMN x int DEFAULT 0", 0, 12)
                .lock(table("public.orders", "AccessExclusiveLock", 0.1, 11.9));
        session.script = "flyway";
        session.line = 0;
        e.step(session);
        e.migrationError = "the Job add-x-migrate did not finish within 10m (timeout)";

        Verdict verdict = Verdict.judge(e.build(), new Limits(Duration.ofSeconds(5), null, null, null, null, null, null));

        assertThat(verdict.failures()).extracting(Finding::message).containsExactly(
                "the migration did not finish: the Job add-x-migrate did not finish within 10m (timeout)",
                "session 1 (flyway) held AccessExclusiveLock on public.orders for 11.8 s (limit 5 s); no session waited behind it");
    }

    @Test
    void workloadErrorsOverTheLimitFailWithTheirSqlStatesByQuery() {
        Evidence e = safe().query(query("insert-order",
                phase(Workload.MIGRATION, 900, 1, 2, 3, 5000, Map.of("55P03", 10L, "57014", 2L)), 0));

        Verdict verdict = Verdict.judge(e.build(), ordersLimits());

        assertThat(verdict.failures()).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(Finding.WORKLOAD_ERRORS);
            assertThat(f.message()).isEqualTo("the workload had 12 errors during the migration (limit 0): insert-order 12"
                    + " (55P03 lock_not_available: 10, 57014 query_canceled: 2)");
        });
    }

    @Test
    void aSamplingGapLongerThanTheTightestLockLimitFailsTheEvidenceAShorterOneIsANote() {
        Limits limits = new Limits(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5), null, null, null, null);
        Evidence e = safe();

        e.gap = Duration.ofMillis(2500);
        Verdict hole = Verdict.judge(e.build(), limits);
        assertThat(hole.reasons()).containsExactly(Finding.EVIDENCE_INCOMPLETE);
        assertThat(hole.failures().get(0).message()).isEqualTo("the lock monitor's samples had a gap of 2.5 s (aiming for one"
                + " every 0.1 s): a lock or wait longer than the 1 s limit could have started and ended unseen");

        e.gap = Duration.ofSeconds(1);
        assertThat(Verdict.judge(e.build(), limits).passed()).as("a gap as long as the limit cannot hide a hold over it").isTrue();
        assertThat(Verdict.judge(e.build(), limits).notes()).extracting(Finding::reason).contains(Finding.SAMPLING_GAP);

        e.gap = Duration.ofMillis(200);
        assertThat(Verdict.judge(e.build(), limits).notes()).extracting(Finding::reason)
                .as("two intervals: no sample missing").doesNotContain(Finding.SAMPLING_GAP);

        e.gap = Duration.ofMillis(2500);
        assertThat(Verdict.judge(e.build(), Limits.NONE).passed()).as("no lock limit to hide").isTrue();
    }

    @Test
    void aMonitorWithoutSamplesCannotPassLockLimits() {
        Evidence e = safe();
        e.samples = 0;

        assertThat(Verdict.judge(e.build(), ordersLimits()).reasons()).containsExactly(Finding.EVIDENCE_INCOMPLETE);
        assertThat(Verdict.judge(e.build(), new Limits(null, null, null, Duration.ofMinutes(1), null, null, null)).passed()).isTrue();
    }

    @Test
    void waitsRecordedUnderALaterStepCountForTheLockTakenEarlierInTheTransaction() {
        // BEGIN; LOCK TABLE orders; UPDATE ...; COMMIT: the lock is first seen in step 2, the wait happens during step 3
        Evidence e = new Evidence()
                .step(new Step(1, "BEGIN;", 0, 0.001))
                .step(new Step(2, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;", 0.001, 0.002)
                        .lock(table("public.orders", "AccessExclusiveLock", 0.1, 6.0)))
                .step(new Step(3, "UPDATE orders SET note = '';", 0.003, 5.9)
                        .waited(waiting(7001, "recent-orders", "public.orders", "AccessShareLock", 0.5, 6.0)))
                .step(new Step(4, "COMMIT;", 5.903, 0.1));

        Verdict verdict = Verdict.judge(e.build(), new Limits(Duration.ofSeconds(1), null, null, null, null, null, null));

        assertThat(verdict.failures()).singleElement().extracting(Finding::message).isEqualTo(
                "statement 2 (inline:2) held AccessExclusiveLock on public.orders for 5.9 s (limit 1 s);"
                        + " 1 workload session waited up to 5.5 s (recent-orders)");
    }

    @Test
    void findingsAreTheSameForTheSameEvidence() {
        assertThat(Verdict.judge(risky().build(), ordersLimits())).isEqualTo(Verdict.judge(risky().build(), ordersLimits()));
        assertThat(Verdict.judge(risky().query(calmQuery("x")).build(), ordersLimits()).failures())
                .isEqualTo(Verdict.judge(risky().build(), ordersLimits()).failures());
    }
}
