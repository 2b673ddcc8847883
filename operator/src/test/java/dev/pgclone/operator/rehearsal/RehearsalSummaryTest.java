package dev.pgclone.operator.rehearsal;

import static dev.pgclone.operator.rehearsal.Rehearsals.MIB;
import static dev.pgclone.operator.rehearsal.Rehearsals.ordersLimits;
import static dev.pgclone.operator.rehearsal.Rehearsals.plan;
import static dev.pgclone.operator.rehearsal.Rehearsals.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.rehearsal.Rehearsals.Evidence;
import dev.pgclone.operator.rehearsal.Rehearsals.Step;
import org.junit.jupiter.api.Test;

/** The few numbers the status shows, from the evidence and the verdict. */
class RehearsalSummaryTest {

    @Test
    void theRiskyMigrationsSummaryNamesItsLongestLocksAndWait() {
        RehearsalEvidence evidence = Rehearsals.risky().build();
        RehearsalSummary summary = RehearsalSummary.of(evidence, Verdict.judge(evidence, ordersLimits()));

        assertThat(summary.verdict()).isEqualTo("Failed");
        assertThat(summary.reasons()).containsExactly("AccessExclusiveLockTooLong", "WriteBlockingLockTooLong", "WorkloadWaitedTooLong");
        assertThat(summary.steps()).isEqualTo(3);
        assertThat(summary.durationSeconds()).isEqualTo(79.304);
        assertThat(summary.longestAccessExclusiveLock()).isEqualTo(new RehearsalSummary.Lock("public.orders", "AccessExclusiveLock", 41.2, 3));
        assertThat(summary.longestWriteBlockingLock()).isEqualTo(summary.longestAccessExclusiveLock());
        assertThat(summary.longestWorkloadWait()).isEqualTo(new RehearsalSummary.Wait("recent-orders", 40.8));
        assertThat(summary.rewrites()).isZero();
        assertThat(summary.failedChecks()).isZero();
        assertThat(summary.worstPlanSlowdown()).isEqualTo(new RehearsalSummary.Plan("recent-orders-by-customer", 1.071));
    }

    @Test
    void aWriteBlockingLockLongerThanAnyAccessExclusiveLockIsItsOwnEntry() {
        Evidence e = Rehearsals.createIndex();
        e.step(new Step(2, "ALTER TABLE orders ADD COLUMN x int;", 3.2, 0.01).lock(table("public.orders", "AccessExclusiveLock", 3.3, 3.3)));
        RehearsalEvidence evidence = e.build();
        RehearsalSummary summary = RehearsalSummary.of(evidence, Verdict.judge(evidence, Limits.NONE));

        assertThat(summary.verdict()).isEqualTo("Passed");
        assertThat(summary.reasons()).isEmpty();
        assertThat(summary.longestAccessExclusiveLock()).isEqualTo(new RehearsalSummary.Lock("public.orders", "AccessExclusiveLock", 0.0, 2));
        assertThat(summary.longestWriteBlockingLock()).isEqualTo(new RehearsalSummary.Lock("public.orders", "ShareLock", 3.1, 1));
        assertThat(summary.longestWorkloadWait()).isEqualTo(new RehearsalSummary.Wait("insert-order", 2.8));
    }

    @Test
    void countsRewritesAndFailedChecksAndTakesTheWorstPlan() {
        Evidence e = new Evidence()
                .step(new Step(1, "VACUUM FULL orders;", 0, 5).rewrote("public.orders", "r", 10 * MIB, 8 * MIB)
                        .rewrote("public.orders_pkey", "i", MIB, MIB))
                .check(Rehearsals.failedCheck("a", "1 row"))
                .check(Rehearsals.failedCheck("b", "2 rows"))
                .check(Rehearsals.passedCheck("c"))
                .plan(plan("fast", 2, Rehearsals.INDEX_SCAN, 1, Rehearsals.INDEX_SCAN))
                .plan(plan("slow", 1, Rehearsals.INDEX_SCAN, 3, Rehearsals.SEQ_SCAN));
        RehearsalEvidence evidence = e.build();
        RehearsalSummary summary = RehearsalSummary.of(evidence, Verdict.judge(evidence, Limits.NONE));

        assertThat(summary.verdict()).isEqualTo("Failed");
        assertThat(summary.reasons()).containsExactly("CheckFailed");
        assertThat(summary.rewrites()).isEqualTo(2);
        assertThat(summary.failedChecks()).isEqualTo(2);
        assertThat(summary.worstPlanSlowdown()).isEqualTo(new RehearsalSummary.Plan("slow", 3.0));
    }

    @Test
    void nothingMeasuredIsNullNotZero() {
        RehearsalEvidence evidence = new RehearsalEvidence("ns/none", "clone", null, "sql", null, null, java.util.List.of(), "no migration",
                java.util.List.of(), null, java.util.List.of(), java.util.List.of(), 0, null, null);
        RehearsalSummary summary = RehearsalSummary.of(evidence, Verdict.judge(evidence, Limits.NONE));

        assertThat(summary.durationSeconds()).isNull();
        assertThat(summary.longestAccessExclusiveLock()).isNull();
        assertThat(summary.longestWriteBlockingLock()).isNull();
        assertThat(summary.longestWorkloadWait()).isNull();
        assertThat(summary.worstPlanSlowdown()).isNull();
        assertThat(summary.reasons()).containsExactly("MigrationFailed");
        // and the report still renders what little there is
        assertThat(Report.render(evidence, Limits.NONE, Verdict.judge(evidence, Limits.NONE)).markdown())
                .contains("No migration step ran.").contains("data as of unknown");
    }
}
