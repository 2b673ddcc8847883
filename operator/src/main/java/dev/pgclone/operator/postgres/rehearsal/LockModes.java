package dev.pgclone.operator.postgres.rehearsal;

import java.util.List;

/**
 * PostgreSQL's table-level lock modes, weakest first, and which pairs conflict (the table in
 * "Explicit Locking" of the PostgreSQL manual). Used to tell which of a migration's locks a waiting
 * session waited for.
 */
final class LockModes {

    static final List<String> MODES = List.of("AccessShareLock", "RowShareLock", "RowExclusiveLock",
            "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock");

    // CONFLICTS[i] has bit j set when mode i conflicts with mode j
    private static final int[] CONFLICTS = {
            0b1000_0000, // AccessShare: AccessExclusive
            0b1100_0000, // RowShare: Exclusive, AccessExclusive
            0b1111_0000, // RowExclusive: Share, ShareRowExclusive, Exclusive, AccessExclusive
            0b1111_1000, // ShareUpdateExclusive: itself and everything stronger
            0b1110_1100, // Share: RowExclusive, ShareUpdateExclusive, ShareRowExclusive, Exclusive, AccessExclusive
            0b1111_1100, // ShareRowExclusive: RowExclusive and everything stronger
            0b1111_1110, // Exclusive: everything but AccessShare
            0b1111_1111, // AccessExclusive: everything
    };

    private LockModes() {}

    /** Whether a lock held in {@code held} makes a request for {@code requested} wait; false for modes that are not table modes. */
    static boolean conflict(String held, String requested) {
        int h = MODES.indexOf(held);
        int r = MODES.indexOf(requested);
        return h >= 0 && r >= 0 && (CONFLICTS[r] & (1 << h)) != 0;
    }

    /** Position in {@link #MODES} (stronger is larger), -1 for other modes. */
    static int strength(String mode) {
        return MODES.indexOf(mode);
    }
}
