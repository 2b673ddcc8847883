package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;
import java.time.Instant;

/**
 * A lock a migration session held on a relation, as the monitor's samples saw it: granted in every
 * sample from {@code firstSeen} to {@code lastSeen}. The true hold is longer by less than one
 * sampling interval on each side, so a hold seen in one sample only has {@link #held()} zero.
 *
 * @param pid       the backend that held it
 * @param relation  schema-qualified name ({@code public.orders}), or the oid when it no longer resolves
 * @param kind      {@code r} table, {@code i} index, {@code m} materialized view, {@code S} sequence,
 *                  {@code p} partitioned table, {@code t} TOAST table (pg_class.relkind)
 * @param mode      the lock mode as pg_locks names it ({@code AccessExclusiveLock}, {@code ShareLock}, ...)
 */
public record LockHold(int pid, String relation, String kind, String mode, Instant firstSeen, Instant lastSeen) {

    public Duration held() {
        return Duration.between(firstSeen, lastSeen);
    }

    /** Modes that block plain reads (SELECT): only AccessExclusiveLock. */
    public boolean blocksReads() {
        return "AccessExclusiveLock".equals(mode);
    }

    /** Modes that block INSERT/UPDATE/DELETE (conflict with RowExclusiveLock). */
    public boolean blocksWrites() {
        return switch (mode) {
            case "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock" -> true;
            default -> false;
        };
    }
}
