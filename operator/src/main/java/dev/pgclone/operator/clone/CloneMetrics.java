package dev.pgclone.operator.clone;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** Clone metrics beside JOSDK's reconcile metrics, scraped at /q/metrics. */
public class CloneMetrics {

    private final Timer readySeconds;

    public CloneMetrics(MeterRegistry registry) {
        this.readySeconds = Timer.builder("pgclone.clone.ready")
                .description("Time from a DatabaseClone's creation until it is Ready")
                .publishPercentileHistogram()
                .register(registry);
    }

    void cloneReady(Double seconds) {
        if (seconds != null) {
            readySeconds.record(Duration.ofMillis(Math.round(seconds * 1000)));
        }
    }
}
