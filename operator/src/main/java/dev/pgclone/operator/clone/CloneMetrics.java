package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Clone metrics beside JOSDK's reconcile metrics, scraped at /q/metrics:
 * {@code pgclone_clones{phase}} (counted from the informer cache at scrape time, so deleted
 * clones can never linger in it), {@code pgclone_clone_ready_seconds} (creation to Ready) and
 * {@code pgclone_snapshot_ready_seconds} (snapshot requested to ready to use).
 */
public class CloneMetrics {

    static final List<String> PHASES = List.of("Pending", "Snapshotting", "Restoring", "Starting", "Preparing", "Ready", "Failed");

    private final Timer readySeconds;
    private final Timer snapshotSeconds;
    private volatile Supplier<Stream<DatabaseClone>> clones = Stream::empty;

    public CloneMetrics(MeterRegistry registry) {
        this.readySeconds = Timer.builder("pgclone.clone.ready")
                .description("Time from a DatabaseClone's creation until it is Ready")
                .publishPercentileHistogram()
                .register(registry);
        this.snapshotSeconds = Timer.builder("pgclone.snapshot.ready")
                .description("Time from requesting the source's VolumeSnapshot until it is ready to use")
                .publishPercentileHistogram()
                .register(registry);
        for (String phase : PHASES) {
            Gauge.builder("pgclone.clones", () -> count(phase))
                    .description("DatabaseClones by phase")
                    .tag("phase", phase)
                    .register(registry);
        }
    }

    /** Where the gauges count from: the controller's cache of DatabaseClones, known once it starts. */
    void countFrom(Supplier<Stream<DatabaseClone>> clones) {
        this.clones = clones;
    }

    private long count(String phase) {
        return clones.get().filter(c -> c.getStatus() != null && Objects.equals(phase, c.getStatus().getPhase())).count();
    }

    void cloneReady(Double seconds) {
        record(readySeconds, seconds);
    }

    void snapshotReady(Double seconds) {
        record(snapshotSeconds, seconds);
    }

    private static void record(Timer timer, Double seconds) {
        if (seconds != null) {
            timer.record(Duration.ofMillis(Math.round(seconds * 1000)));
        }
    }
}
