package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything one rehearsal measured, in the order it happened: what the verdict judges and the
 * report shows.
 *
 * @param rehearsal       namespace/name of the MigrationRehearsal
 * @param cloneName       the DatabaseClone it ran on
 * @param dataAsOf        when the clone's snapshot of production was taken
 * @param path            {@code sql} or {@code job}
 * @param started         when the migration started
 * @param duration        the migration's duration
 * @param steps           statements (SQL path) or sessions (Job path), in order
 * @param migrationError  why the migration did not finish (its failed statement, the Job's failure, a timeout), else null
 * @param workload        per workload query, baseline vs during the migration; empty without a workload
 * @param baseline        how long the workload ran before the migration started
 * @param checks          validation queries after the migration
 * @param plans           EXPLAIN of named queries before and after
 * @param samples         monitor samples taken over the run
 * @param largestSampleGap the longest time between two samples: evidence has a hole when this is much
 *                        longer than the sampling interval
 * @param samplingInterval the interval the monitor aimed for
 */
public record RehearsalEvidence(String rehearsal, String cloneName, Instant dataAsOf, String path, Instant started, Duration duration,
                                List<StepEvidence> steps, String migrationError, List<QueryReport> workload, Duration baseline,
                                List<CheckResult> checks, List<PlanComparison> plans, long samples, Duration largestSampleGap,
                                Duration samplingInterval) {

    public RehearsalEvidence {
        steps = List.copyOf(steps);
        workload = List.copyOf(workload);
        checks = List.copyOf(checks);
        plans = List.copyOf(plans);
    }
}
