package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void anEmptyHistogramHasNoPercentiles() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.count()).isZero();
        assertThat(h.millisAt(50)).isNaN();
        assertThat(h.maxMillis()).isNaN();
    }

    @Test
    void smallValuesAreExactAndPercentilesAreNearestRank() {
        LatencyHistogram h = new LatencyHistogram();
        List<Long> values = new ArrayList<>();
        for (long v = 1; v <= 100; v++) {
            values.add(v);
        }
        Collections.shuffle(values, new Random(7));
        values.forEach(h::record);

        assertThat(h.count()).isEqualTo(100);
        assertThat(h.valueAt(50)).isEqualTo(50);
        assertThat(h.valueAt(95)).isEqualTo(95);
        assertThat(h.valueAt(99)).isEqualTo(99);
        assertThat(h.valueAt(99.5)).isEqualTo(100);
        assertThat(h.valueAt(0)).isEqualTo(1);
        assertThat(h.max()).isEqualTo(100);
        assertThat(h.millisAt(50)).isEqualTo(0.05);
    }

    @Test
    void oneValueIsEveryPercentile() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(123_456);
        assertThat(h.valueAt(1)).isEqualTo(123_456);
        assertThat(h.valueAt(50)).isEqualTo(123_456);
        assertThat(h.valueAt(100)).isEqualTo(123_456);
    }

    @Test
    void aFewSlowExecutionsShowInTheTailOnly() {
        // 989 executions of 2 ms and 11 of 500 ms: p99 (rank 990) is slow, p98.9 (rank 989) is not
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 0; i < 989; i++) {
            h.record(2_000);
        }
        for (int i = 0; i < 11; i++) {
            h.record(500_000);
        }
        assertThat(h.millisAt(50)).isCloseTo(2.0, within(2.0 / LatencyHistogram.HALF));
        assertThat(h.millisAt(95)).isCloseTo(2.0, within(2.0 / LatencyHistogram.HALF));
        assertThat(h.millisAt(98.9)).isCloseTo(2.0, within(2.0 / LatencyHistogram.HALF));
        assertThat(h.millisAt(99)).isCloseTo(500.0, within(500.0 / LatencyHistogram.HALF));
        assertThat(h.maxMillis()).isEqualTo(500.0);
    }

    @Test
    void largeValuesAreWithinTheRelativePrecisionAndNeverBelowTheTruth() {
        LatencyHistogram h = new LatencyHistogram();
        // 1 ms .. 10 s in 10,000 steps of 1 ms
        for (long ms = 1; ms <= 10_000; ms++) {
            h.record(ms * 1000);
        }
        for (double p : new double[] {10, 50, 90, 95, 99, 99.9}) {
            long truth = BigDecimal.valueOf(p).multiply(BigDecimal.valueOf(10_000)).divide(BigDecimal.valueOf(100))
                    .setScale(0, RoundingMode.CEILING).longValueExact() * 1000;
            long reported = h.valueAt(p);
            assertThat(reported).as("p%s", p).isGreaterThanOrEqualTo(truth);
            assertThat((double) reported - truth).as("p%s", p).isLessThanOrEqualTo((double) truth / LatencyHistogram.HALF);
        }
        assertThat(h.max()).isEqualTo(10_000_000);
        assertThat(h.valueAt(100)).isEqualTo(10_000_000);
    }

    @Test
    void bucketsCoverEveryValueOnceInOrder() {
        // the highest value of each bucket maps back to it, and the next value to the next bucket
        for (int i = 0; i < LatencyHistogram.index(LatencyHistogram.LARGEST); i++) {
            long high = LatencyHistogram.highestIn(i);
            assertThat(LatencyHistogram.index(high)).isEqualTo(i);
            assertThat(LatencyHistogram.index(high + 1)).isEqualTo(i + 1);
        }
    }

    @Test
    void nanosecondsRoundUpToWholeMicroseconds() {
        LatencyHistogram h = new LatencyHistogram();
        h.recordNanos(1);
        h.recordNanos(1_000);
        h.recordNanos(1_001);
        assertThat(h.valueAt(0)).isEqualTo(1);
        assertThat(h.max()).isEqualTo(2);
    }

    @Test
    void hugeAndNegativeValuesAreClamped() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(-5);
        h.record(Long.MAX_VALUE);
        assertThat(h.valueAt(50)).isZero();
        assertThat(h.max()).isEqualTo(LatencyHistogram.LARGEST);
    }
}
