package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;
import java.time.Instant;

/**
 * How good the lock monitor's evidence is.
 *
 * @param interval       the sampling interval asked for
 * @param samples        samples taken
 * @param failedSamples  samples that failed (counted, not fatal)
 * @param largestGap     the longest time without a successful sample, between two samples or from the last one to the
 *                       end; a lock held for less than this may not have been seen
 * @param largestGapEnd  when that gap ended
 * @param meanQueryTime  a sample's mean time, measured by the client: the query, and the look-up of the names of
 *                       relations not seen before, network round trips included
 * @param maxQueryTime   the longest
 * @param lastError      the last failed sample's error (SQLSTATE and message), or null
 */
public record SamplingQuality(Duration interval, long samples, long failedSamples, Duration largestGap, Instant largestGapEnd,
                              Duration meanQueryTime, Duration maxQueryTime, String lastError) {

    /** A gap of more than two intervals: the evidence has a hole where a short lock could hide. */
    public boolean hasHole() {
        return largestGap.compareTo(interval.multipliedBy(2)) > 0;
    }
}
