package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
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
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs blocking database work (source CHECKPOINT, preparation with post-clone SQL) off the
 * reconcile threads, on a bounded pool: a masking script may run for minutes and must not starve
 * the reconciles of every other clone. A finished task wakes its clone through an inbound event
 * source and its result waits here until the reconcile takes it. What is in flight lives only in
 * this process, which is the point: after a restart nothing is in flight, so a volume marked
 * "preparation started" is known to be half-prepared.
 */
public class BackgroundWork {

    private static final Logger LOG = Logger.getLogger(BackgroundWork.class);

    /** A finished task: its result, or the unexpected error that ended it. */
    public record Finished<T>(T result, double seconds, String crash) {}

    private final ThreadPoolExecutor executor;
    private final SimpleInboundEventSource<DatabaseClone> wakeUps = new SimpleInboundEventSource<>("background-work");
    private final Map<String, CompletableFuture<Finished<?>>> inFlight = new ConcurrentHashMap<>();

    public BackgroundWork(int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "pgclone-db-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.allowCoreThreadTimeOut(true);
    }

    public SimpleInboundEventSource<DatabaseClone> eventSource() {
        return wakeUps;
    }

    /** True while a task for this key is queued or running in this process. */
    public boolean running(String key) {
        CompletableFuture<Finished<?>> f = inFlight.get(key);
        return f != null && !f.isDone();
    }

    /** The finished task for this key, removed from here; empty while running or unknown. */
    @SuppressWarnings("unchecked")
    public <T> Optional<Finished<T>> take(String key) {
        CompletableFuture<Finished<?>> f = inFlight.get(key);
        if (f == null || !f.isDone()) {
            return Optional.empty();
        }
        inFlight.remove(key);
        return Optional.of((Finished<T>) f.join());
    }

    /** @return false when the pool is saturated; the caller tries again later */
    public <T> boolean submit(String key, ResourceID clone, Supplier<T> task) {
        CompletableFuture<Finished<?>> f = new CompletableFuture<>();
        inFlight.put(key, f);
        try {
            executor.execute(() -> {
                long start = System.nanoTime();
                try {
                    T result = task.get();
                    f.complete(new Finished<>(result, (System.nanoTime() - start) / 1e9, null));
                } catch (RuntimeException e) {
                    LOG.errorf(e, "background task %s of %s failed unexpectedly", key, clone);
                    f.complete(new Finished<>(null, (System.nanoTime() - start) / 1e9, e.getClass().getSimpleName()
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

    public void forget(String key) {
        inFlight.remove(key);
    }

    public void shutdown() {
        executor.shutdownNow();
    }
}
