package dev.pgclone.operator.clone;

import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.PreparationRequest;
import dev.pgclone.operator.postgres.PreparationResult;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Runs preparations (credentials, post-clone SQL) off the reconcile threads, on a bounded pool: a
 * masking script may run for minutes and must not starve the reconciles of every other clone.
 * A finished preparation wakes its clone through an inbound event source; the result waits here
 * until the reconcile takes it. What is in flight lives only in this process, which is the point:
 * after a restart nothing is in flight, and a volume marked "started" is known to be half-prepared.
 */
public class PreparationRunner {

    private static final Logger LOG = Logger.getLogger(PreparationRunner.class);

    private final ClonePreparer preparer;
    private final ThreadPoolExecutor executor;
    private final SimpleInboundEventSource<dev.pgclone.operator.api.v1alpha1.DatabaseClone> wakeUps;
    private final Map<String, CompletableFuture<Finished>> inFlight = new ConcurrentHashMap<>();

    public PreparationRunner(ClonePreparer preparer, int threads, int queue) {
        this.preparer = preparer;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "pgclone-prepare-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.allowCoreThreadTimeOut(true);
        this.wakeUps = new SimpleInboundEventSource<>("preparations");
    }

    public SimpleInboundEventSource<dev.pgclone.operator.api.v1alpha1.DatabaseClone> eventSource() {
        return wakeUps;
    }

    /** True while a preparation for this key (the PVC's uid) is queued or running in this process. */
    public boolean running(String key) {
        CompletableFuture<Finished> f = inFlight.get(key);
        return f != null && !f.isDone();
    }

    /** The finished result for this key, removed from the runner; empty while running or unknown. */
    public Optional<Finished> take(String key) {
        CompletableFuture<Finished> f = inFlight.get(key);
        if (f == null || !f.isDone()) {
            return Optional.empty();
        }
        inFlight.remove(key);
        return Optional.of(f.join());
    }

    public boolean known(String key) {
        return inFlight.containsKey(key);
    }

    /** @return false when the pool is saturated; the caller tries again later */
    public boolean submit(String key, ResourceID clone, PreparationRequest request) {
        CompletableFuture<Finished> f = new CompletableFuture<>();
        inFlight.put(key, f);
        try {
            executor.execute(() -> {
                long start = System.nanoTime();
                try {
                    PreparationResult result = preparer.prepare(request);
                    f.complete(new Finished(result, (System.nanoTime() - start) / 1e9, null));
                } catch (RuntimeException e) {
                    LOG.errorf(e, "preparation of %s failed unexpectedly", clone);
                    f.complete(new Finished(null, (System.nanoTime() - start) / 1e9, e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage())));
                } finally {
                    wakeUps.propagateEvent(clone);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            inFlight.remove(key);
            return false;
        }
    }

    /** A finished preparation: the preparer's result, or the unexpected error that ended it. */
    public record Finished(PreparationResult result, double seconds, String crash) {}

    public void forget(String key) {
        inFlight.remove(key);
    }

    public void shutdown() {
        executor.shutdownNow();
    }
}
