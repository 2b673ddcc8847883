package dev.pgclone.operator.app;

import dev.pgclone.operator.clone.CloneMetrics;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.rehearsal.JdbcRehearsalRunner;
import dev.pgclone.operator.rehearsal.RehearsalRunner;
import dev.pgclone.operator.rehearsal.MigrationImages;
import dev.pgclone.operator.rehearsal.RehearsalWork;
import dev.pgclone.operator.clone.ClonePodAddress;
import dev.pgclone.operator.clone.BackgroundWork;
import dev.pgclone.operator.clone.ImageAllowList;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.JdbcClonePreparer;
import dev.pgclone.operator.postgres.JdbcSourceCheckpointer;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.status.BackoffPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Wiring of the plain classes the reconcilers use; tests replace the default beans where they need to. */
public class OperatorBeans {

    private static final Logger LOG = Logger.getLogger(OperatorBeans.class);

    @Produces
    @Singleton
    @DefaultBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    @DefaultBean
    ClonePreparer preparer() {
        return new JdbcClonePreparer();
    }

    @Produces
    @Singleton
    @DefaultBean
    ClonePodAddress podAddress() {
        return ClonePodAddress.podIp();
    }

    @Produces
    @Singleton
    @DefaultBean
    SourceCheckpointer checkpointer() {
        return new JdbcSourceCheckpointer();
    }

    @Produces
    @Singleton
    BackgroundWork backgroundWork(@ConfigProperty(name = "pgclone.database-work.threads", defaultValue = "4") int threads,
                                  @ConfigProperty(name = "pgclone.database-work.per-namespace") Optional<Integer> perNamespace,
                                  @ConfigProperty(name = "pgclone.database-work.checkpoint-threads", defaultValue = "2") int checkpointThreads,
                                  @ConfigProperty(name = "pgclone.database-work.queue", defaultValue = "1000") int queue) {
        return new BackgroundWork(threads, perNamespace.orElse(BackgroundWork.defaultShare(threads)), checkpointThreads, queue);
    }

    void stopBackgroundWork(@Disposes BackgroundWork work) {
        work.shutdown();
    }

    /** Rehearsals that run at once; each holds a few sessions to its clone, and its workload up to 32. */
    @Produces
    @Singleton
    RehearsalWork rehearsalWork(@ConfigProperty(name = "pgclone.rehearsal.threads", defaultValue = "2") int threads) {
        return new RehearsalWork(threads);
    }

    void stopRehearsalWork(@Disposes RehearsalWork work) {
        work.shutdown();
    }

    @Produces
    @Singleton
    @DefaultBean
    RehearsalRunner rehearsalRunner(@ConfigProperty(name = "pgclone.rehearsal.sampling-interval", defaultValue = "100ms") String interval) {
        // 100ms: the 10 Hz the lock evidence is specified for; make bench sets 1h to measure the workload without sampling
        Duration sampling = dev.pgclone.operator.spec.Durations.parseFine(interval);
        if (sampling.compareTo(dev.pgclone.operator.postgres.rehearsal.LockMonitor.DEFAULT_INTERVAL) > 0) {
            LOG.warn("pgclone.rehearsal.sampling-interval is " + interval + ", longer than 100ms: locks shorter than that may be missed");
        }
        return new JdbcRehearsalRunner(sampling);
    }

    @Produces
    @Singleton
    OperatorKey operatorKey(@ConfigProperty(name = "pgclone.operator-key") Optional<String> key) {
        return OperatorKey.of(key.orElse(null));
    }

    /** Comma-separated glob patterns of the images clone Pods may run; * allows every image (the chart's default, with its warning). */
    @Produces
    @Singleton
    ImageAllowList allowedImages(@ConfigProperty(name = "pgclone.allowed-images", defaultValue = "*") String patterns) {
        ImageAllowList list = ImageAllowList.of(patterns);
        if (list.allowsAll()) {
            LOG.warn("pgclone.allowed-images allows every image: whoever may create a DatabaseClone may run any image with a copy"
                    + " of a volume of their namespace mounted; list the images clones may run (Helm value allowedImages)");
        }
        return list;
    }

    /** Comma-separated glob patterns of the images a rehearsal's migration Job may run; * allows every image (with a warning). */
    @Produces
    @Singleton
    MigrationImages migrationImages(@ConfigProperty(name = MigrationImages.PROPERTY, defaultValue = "*") String patterns) {
        MigrationImages images = MigrationImages.of(patterns);
        if (images.list().allowsAll()) {
            LOG.warn(MigrationImages.PROPERTY + " allows every image: whoever may create a MigrationRehearsal may run a Job of any image"
                    + " in their namespace; list the migration tools' images (Helm value rehearsal.allowedMigrationImages)");
        }
        return images;
    }

    /** How long the reconcilers wait before looking again at a problem the user has to fix; tests use short bounds. */
    @Produces
    @Singleton
    @DefaultBean
    BackoffPolicy backoff() {
        return BackoffPolicy.STANDARD;
    }

    @Produces
    @Singleton
    CloneMetrics cloneMetrics(MeterRegistry registry) {
        return new CloneMetrics(registry);
    }
}
