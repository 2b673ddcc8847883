package dev.pgclone.operator.rehearsal;

import java.time.Duration;

/**
 * What a rehearsal may do and still pass; a null limit is not checked. Each limit is a maximum: a
 * measurement equal to it passes. Failed validation queries and a migration that ends in an error
 * always fail the rehearsal ({@link Verdict#judge} has the whole rule).
 *
 * @param maxAccessExclusiveLock longest AccessExclusiveLock (blocks even reads) a migration step may hold on one relation
 * @param maxWriteBlockingLock   longest lock that blocks writes (ShareLock and stronger) a migration step may hold on one relation
 * @param maxWorkloadLockWait    longest time any workload session may wait for a lock behind the migration
 * @param maxDuration            the migration's total duration
 * @param maxRewriteBytes        a relation of more bytes than this may not be rewritten
 * @param maxPlanSlowdown        after / before execution time of any EXPLAIN query
 * @param maxWorkloadErrors      errors of the workload's queries during the migration, all queries together
 */
public record Limits(Duration maxAccessExclusiveLock, Duration maxWriteBlockingLock, Duration maxWorkloadLockWait,
                     Duration maxDuration, Long maxRewriteBytes, Double maxPlanSlowdown, Long maxWorkloadErrors) {

    public static final Limits NONE = new Limits(null, null, null, null, null, null, null);
}
