package dev.pgclone.operator.rehearsal;

/**
 * One thing the verdict found in a rehearsal's evidence: a failure (a limit exceeded, a check that
 * did not hold, an error) or a note that fails nothing but a reviewer should read (the ShareLock a
 * plain CREATE INDEX holds while no limit is set on it).
 *
 * @param reason  stable CamelCase code, one of the constants below: what machines match on
 * @param message one line for people, naming the step, the lock mode, the relation, how long and the limit
 * @param step    the migration step it is about (its {@code number}), or null
 * @param subject what it is about besides the step: the relation, the workload query, the check or the EXPLAIN query; or null
 * @param value   what was measured, in the unit of its reason: seconds for locks, waits and durations, bytes for
 *                rewrites, the after/before ratio for plans, a count for errors; or null
 * @param limit   the limit it was compared with, in the same unit; null when none is set or none applies (checks, errors)
 */
public record Finding(Severity severity, String reason, String message, Integer step, String subject, Double value,
                      Double limit) {

    public enum Severity {
        /** Fails the rehearsal. */
        FAILURE,
        /** Reported, fails nothing. */
        NOTE
    }

    // failures
    /** A migration step held an AccessExclusiveLock (blocks reads too) on a relation longer than maxAccessExclusiveLock. */
    public static final String ACCESS_EXCLUSIVE_LOCK_TOO_LONG = "AccessExclusiveLockTooLong";
    /** A migration step held a lock that blocks writes (ShareLock or stronger) longer than maxWriteBlockingLock. */
    public static final String WRITE_BLOCKING_LOCK_TOO_LONG = "WriteBlockingLockTooLong";
    /** A workload query waited for a lock behind the migration longer than maxWorkloadLockWait. */
    public static final String WORKLOAD_WAITED_TOO_LONG = "WorkloadWaitedTooLong";
    /** The migration took longer than maxDuration. */
    public static final String MIGRATION_TOO_LONG = "MigrationTooLong";
    /** A relation larger than maxRewriteBytes was rewritten. */
    public static final String LARGE_TABLE_REWRITTEN = "LargeTableRewritten";
    /** The workload's queries failed more often during the migration than maxWorkloadErrors. */
    public static final String WORKLOAD_ERRORS = "WorkloadErrors";
    /** A validation query did not return what it must, or failed. */
    public static final String CHECK_FAILED = "CheckFailed";
    /** A named query's execution time grew by more than maxPlanSlowdown. */
    public static final String PLAN_SLOWED_DOWN = "PlanSlowedDown";
    /** A named query ran before the migration and fails after it: the application's query broke. */
    public static final String PLAN_QUERY_FAILED = "PlanQueryFailed";
    /** A migration step ended in an error, or the migration did not finish. */
    public static final String MIGRATION_FAILED = "MigrationFailed";
    /** The lock monitor's samples have a hole long enough to hide a lock or wait over a limit. */
    public static final String EVIDENCE_INCOMPLETE = "EvidenceIncomplete";

    // notes
    /** A step held a lock that blocks writes, within its limit or with none set. */
    public static final String WRITE_BLOCKING_LOCK_HELD = "WriteBlockingLockHeld";
    /** A relation was rewritten, within the limit or with none set. */
    public static final String TABLE_REWRITTEN = "TableRewritten";
    /** A workload query waited for a lock behind the migration, within the limit or with none set. */
    public static final String WORKLOAD_WAITED = "WorkloadWaited";
    /** The workload's queries failed during the migration, within the limit or with none set. */
    public static final String WORKLOAD_ERRORS_SEEN = "WorkloadErrorsSeen";
    /** A workload query could not keep its rate: executions ran late or were skipped, so less load was offered than asked. */
    public static final String WORKLOAD_BEHIND_SCHEDULE = "WorkloadBehindSchedule";
    /** A named query's time ratio is over maxPlanSlowdown, but it grew by less than EXPLAIN's timing can tell from noise. */
    public static final String PLAN_SLOWDOWN_WITHIN_NOISE = "PlanSlowdownWithinNoise";
    /** A named query's plan changed shape without slowing down beyond the limit. */
    public static final String PLAN_SHAPE_CHANGED = "PlanShapeChanged";
    /** A named query failed already before the migration, so its plans cannot be compared. */
    public static final String PLAN_NOT_COMPARED = "PlanNotCompared";
    /** The lock monitor missed samples, but not for long enough to hide a lock over a limit. */
    public static final String SAMPLING_GAP = "SamplingGap";

    public boolean fails() {
        return severity == Severity.FAILURE;
    }

    static Finding failure(String reason, String message, Integer step, String subject, Double value, Double limit) {
        return new Finding(Severity.FAILURE, reason, message, step, subject, value, limit);
    }

    static Finding note(String reason, String message, Integer step, String subject, Double value, Double limit) {
        return new Finding(Severity.NOTE, reason, message, step, subject, value, limit);
    }
}
