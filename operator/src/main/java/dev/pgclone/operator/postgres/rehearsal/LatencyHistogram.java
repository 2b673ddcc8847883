package dev.pgclone.operator.postgres.rehearsal;

/**
 * Latencies counted in buckets whose width grows with the value, so that memory stays fixed
 * however long a rehearsal runs and every percentile is known to a fixed relative precision (the
 * layout HdrHistogram made common). Values are whole microseconds: below {@value #EXACT_BELOW} µs
 * each value has its own bucket; above, each power of two is cut into {@value #HALF} equal buckets,
 * so a reported percentile is at most 1/{@value #HALF} (0.4%) above the true one, and never below
 * it. The maximum is kept exactly. Values beyond about 50 days are counted as that.
 *
 * <p>Percentiles are nearest-rank: p is the smallest recorded value (to the bucket's precision)
 * that at least p% of the values do not exceed. Not thread-safe: the workload guards each one.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 9;
    static final int EXACT_BELOW = 1 << SUB_BITS;
    static final int HALF = EXACT_BELOW / 2;
    private static final int TOP_BIT = 41;
    static final long LARGEST = (1L << (TOP_BIT + 1)) - 1;

    private final long[] counts = new long[EXACT_BELOW + (TOP_BIT - SUB_BITS + 1) * HALF];
    private long total;
    private long max;

    void recordNanos(long nanos) {
        // rounded up: an execution that took any time at all is not recorded as zero
        record(nanos <= 0 ? 0 : (nanos + 999) / 1000);
    }

    void record(long micros) {
        long v = Math.max(0, Math.min(LARGEST, micros));
        counts[index(v)]++;
        total++;
        max = Math.max(max, v);
    }

    long count() {
        return total;
    }

    /** The largest value recorded, exact, in µs; 0 when empty. */
    long max() {
        return max;
    }

    /** Nearest-rank percentile in µs (see the class comment); -1 when empty. */
    long valueAt(double percentile) {
        if (total == 0) {
            return -1;
        }
        double p = Math.max(0, Math.min(100, percentile));
        // p% of n as binary floating point can land a hair above a whole rank (98.9% of 1000 is
        // 989.0000000000001): such a hair is not a rank of its own
        long rank = Math.max(1, (long) Math.ceil(p * total / 100.0 - 1e-9));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestIn(i), max);
            }
        }
        return max;
    }

    /** {@link #valueAt} in milliseconds; NaN when empty. */
    double millisAt(double percentile) {
        return total == 0 ? Double.NaN : valueAt(percentile) / 1000.0;
    }

    double maxMillis() {
        return total == 0 ? Double.NaN : max / 1000.0;
    }

    static int index(long v) {
        if (v < EXACT_BELOW) {
            return (int) v;
        }
        int topBit = 63 - Long.numberOfLeadingZeros(v);
        int shift = topBit - SUB_BITS + 1;
        int sub = (int) (v >>> shift);
        return EXACT_BELOW + (shift - 1) * HALF + (sub - HALF);
    }

    /** The largest value that falls into bucket {@code i}. */
    static long highestIn(int i) {
        if (i < EXACT_BELOW) {
            return i;
        }
        int shift = (i - EXACT_BELOW) / HALF + 1;
        long sub = HALF + (i - EXACT_BELOW) % HALF;
        return ((sub + 1) << shift) - 1;
    }
}
