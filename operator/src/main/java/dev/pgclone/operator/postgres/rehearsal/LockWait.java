package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;
import java.time.Instant;

/**
 * A session that waited for a lock behind a migration session, seen waiting
 * ({@code pg_locks.granted = false}, the migration's pid in {@code pg_blocking_pids}, or the pid of a
 * session that itself waits behind the migration: a row's later writers queue on the first one's tuple
 * lock) in every sample from {@code firstSeen} to {@code lastSeen}.
 *
 * @param waiterPid         the waiting backend
 * @param waiterApplication its application_name ({@code pgclone-rehearsal/workload/<query>} for the workload's)
 * @param waiterQuery       its query text, cut to 200 characters
 * @param lockType          pg_locks.locktype of the awaited lock ({@code relation}, {@code transactionid}, {@code tuple}, ...)
 * @param relation          the relation, when the awaited lock is on one; otherwise null
 * @param mode              the mode requested
 * @param blockerPid        the migration session it waited behind, at the head of the queue
 */
public record LockWait(int waiterPid, String waiterApplication, String waiterQuery, String lockType, String relation,
                       String mode, int blockerPid, Instant firstSeen, Instant lastSeen) {

    public Duration waited() {
        return Duration.between(firstSeen, lastSeen);
    }
}
