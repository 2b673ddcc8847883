package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;

/**
 * One workload query over the whole rehearsal.
 *
 * @param longestLockWait  the longest time one of its sessions was seen waiting for a lock held by a
 *                         migration session (from the monitor's samples; zero when never seen waiting)
 * @param baselinePacing   how well its schedule was kept before the migration
 * @param migrationPacing  and while the migration ran
 */
public record QueryReport(String name, QueryPhaseStats baseline, QueryPhaseStats migration, Duration longestLockWait,
                          WorkloadResult.Pacing baselinePacing, WorkloadResult.Pacing migrationPacing) {

    public QueryReport {
        baselinePacing = baselinePacing == null ? WorkloadResult.Pacing.NONE : baselinePacing;
        migrationPacing = migrationPacing == null ? WorkloadResult.Pacing.NONE : migrationPacing;
    }

    /** A query whose schedule was kept in both phases (or that had none). */
    public QueryReport(String name, QueryPhaseStats baseline, QueryPhaseStats migration, Duration longestLockWait) {
        this(name, baseline, migration, longestLockWait, WorkloadResult.Pacing.NONE, WorkloadResult.Pacing.NONE);
    }

    /** Some executions ran late or were skipped, in either phase. */
    public boolean behindSchedule() {
        return baselinePacing.behind() || migrationPacing.behind();
    }
}
