package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.common.Condition;

/**
 * What a step found about the condition it owns: status, reason and message, for the
 * {@link CloneStatusFactory} to write. Steps never write conditions themselves.
 *
 * @param since        when what the condition is about began (the VolumeSnapshot's or Pod's creation), for
 *                     the timing recorded when the condition becomes True; null when no timing is kept
 * @param onlyInsteadOf when set, the finding replaces only a condition that has this reason and is dropped
 *                     otherwise (a queued task picked up by a worker ends its Waiting, nothing else)
 */
public record Finding(String status, String reason, String message, String since, String onlyInsteadOf) {

    public static Finding isTrue(String reason, String message) {
        return new Finding(Condition.TRUE, reason, message, null, null);
    }

    public static Finding isFalse(String reason, String message) {
        return new Finding(Condition.FALSE, reason, message, null, null);
    }

    /** The same finding, with when its subject began (see {@link #since}). */
    public Finding since(String began) {
        return new Finding(status, reason, message, began, onlyInsteadOf);
    }

    /** The same finding, written only over a condition with this reason (see {@link #onlyInsteadOf}). */
    public Finding onlyInsteadOf(String reasonReplaced) {
        return new Finding(status, reason, message, since, reasonReplaced);
    }
}
