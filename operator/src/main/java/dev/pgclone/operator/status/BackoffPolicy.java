package dev.pgclone.operator.status;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a reconciler waits before it looks again at a problem the user has to fix (a missing
 * PVC, a refused grant, a failing image pull): as long as the problem has lasted, within
 * {@code min .. max}. A problem that just began is looked at again after {@code min}; one that has
 * lasted an hour no more often than every {@code max}. One policy for every reconciler; tests
 * give it short bounds so they do not wait real seconds.
 */
public record BackoffPolicy(Duration min, Duration max) {

    /** What the operator runs with. */
    public static final BackoffPolicy STANDARD = new BackoffPolicy(Duration.ofSeconds(5), Duration.ofMinutes(5));

    public BackoffPolicy {
        if (min == null || max == null || min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff bounds must satisfy 0 <= min <= max, got " + min + " .. " + max);
        }
    }

    /**
     * The wait before the next look.
     * @param began when the problem began (the lastTransitionTime of the condition reporting it); null: now
     * @param now the reconciler's clock
     * @param justBegan true when this very reconcile saw the problem begin (a transition): the shortest wait
     */
    public Duration after(Instant began, Instant now, boolean justBegan) {
        if (justBegan || began == null) {
            return min;
        }
        Duration lasted = Duration.between(began, now);
        if (lasted.compareTo(min) < 0) {
            return min;
        }
        return lasted.compareTo(max) > 0 ? max : lasted;
    }
}
