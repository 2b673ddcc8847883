package dev.pgclone.operator.refresh;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code pgclone_refresh_total{result}}: runs that ended with a new clone serving (success) or with
 * a failed clone (failure). Both are registered up front so a dashboard sees 0, not "no data".
 */
final class RefreshMetrics {

    private final Counter success;
    private final Counter failure;

    RefreshMetrics(MeterRegistry registry) {
        this.success = counter(registry, "success");
        this.failure = counter(registry, "failure");
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("pgclone.refresh")
                .description("RefreshSchedule runs by result: success when the new clone serves, failure when it failed")
                .tag("result", result)
                .register(registry);
    }

    void success() {
        success.increment();
    }

    void failure() {
        failure.increment();
    }
}
