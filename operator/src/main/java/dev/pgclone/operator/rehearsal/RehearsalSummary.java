package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a rehearsal's status shows: the verdict and the few numbers a reviewer asks first. Small
 * by construction (no SQL, no plans, no lists that grow with the migration); the report ConfigMap
 * has the rest. Durations in seconds, rounded to the millisecond.
 *
 * @param verdict                    {@code Passed} or {@code Failed}
 * @param reasons                    the failure reasons, each once (empty when it passed)
 * @param steps                      migration steps run (statements, or sessions on the Job path)
 * @param durationSeconds            the migration's duration; null when it never started
 * @param longestAccessExclusiveLock the longest AccessExclusiveLock a step held, or null when none was seen
 * @param longestWriteBlockingLock   the longest lock that blocks writes (ShareLock and stronger, AccessExclusiveLock included)
 * @param longestWorkloadWait        the workload query that waited longest for a lock behind the migration, or null
 * @param rewrites                   relations rewritten (tables, indexes, TOAST tables)
 * @param failedChecks               validation queries that did not hold
 * @param worstPlanSlowdown          the named query with the highest after/before execution time ratio, or null
 */
public record RehearsalSummary(String verdict, List<String> reasons, int steps, Double durationSeconds,
                               Lock longestAccessExclusiveLock, Lock longestWriteBlockingLock, Wait longestWorkloadWait,
                               int rewrites, int failedChecks, Plan worstPlanSlowdown) {

    public RehearsalSummary {
        reasons = List.copyOf(reasons);
    }

    /** A lock a migration step held: where, in which mode, for how long, and which step took it. */
    public record Lock(String relation, String mode, double seconds, int step) {}

    public record Wait(String query, double seconds) {}

    /** after / before execution time of a named query. */
    public record Plan(String name, double ratio) {}

    public static RehearsalSummary of(RehearsalEvidence evidence, Verdict verdict) {
        return new RehearsalSummary(verdict.outcome(), verdict.reasons(), evidence.steps().size(),
                Wording.secondsValue(evidence.duration()),
                longest(evidence.steps(), LockHold::blocksReads),
                longest(evidence.steps(), LockHold::blocksWrites),
                longestWait(evidence.workload()),
                evidence.steps().stream().mapToInt(s -> s.rewrites().size()).sum(),
                (int) evidence.checks().stream().filter(c -> !c.passed()).count(),
                worstPlan(evidence.plans()));
    }

    private static Lock longest(List<StepEvidence> steps, Predicate<LockHold> kind) {
        Observations.StepHold found = Observations.longest(steps, kind);
        return found == null ? null : new Lock(found.hold().relation(), found.hold().mode(),
                Wording.secondsValue(found.hold().held()), found.step().number());
    }

    private static Wait longestWait(List<QueryReport> workload) {
        QueryReport query = Observations.longestWaiting(workload);
        return query == null ? null : new Wait(query.name(), Wording.secondsValue(Observations.longestWait(query)));
    }

    private static Plan worstPlan(List<PlanComparison> plans) {
        return plans.stream()
                .filter(p -> !Double.isNaN(p.slowdown()))
                .min(Comparator.comparingDouble(PlanComparison::slowdown).reversed().thenComparing(PlanComparison::name))
                .map(p -> new Plan(p.name(), Wording.ratioValue(p.slowdown())))
                .orElse(null);
    }
}
