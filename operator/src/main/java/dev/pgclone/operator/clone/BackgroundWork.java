package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs blocking database work (source CHECKPOINT, preparation with post-clone SQL) off the
 * reconcile threads, on bounded workers: a masking script may run for minutes and must not starve
 * the reconciles of every other clone. A finished task wakes its clone through an inbound event
 * source and its result waits here until the reconcile takes it. What is in flight lives only in
 * this process, which is the point: after a restart nothing is in flight, so a volume marked
 * "preparation started" is known to be half-prepared.
 *
 * <p>The workers are shared by every namespace the operator serves, so they are handed out fairly
 * ({@link FairLane}): one namespace holds at most its share of them, and its further tasks wait,
 * their clones saying so, until one of its own finishes. CHECKPOINTs have a lane of their own: they
 * are short (bounded by a timeout) and a snapshot waits for them, so they never queue behind
 * post-clone scripts.
 */
public class BackgroundWork {

    private static final Logger LOG = Logger.getLogger(BackgroundWork.class);

    /** The kinds of work, each with its own workers. */
    public enum Lane { CHECKPOINT, PREPARATION }

    /** A finished task: its result, or the unexpected error that ended it. */
    public record Finished<T>(T result, double seconds, String crash) {}

    private record InFlight(CompletableFuture<Finished<?>> result, FairLane lane, FairLane.Task task) {}

    private final FairLane checkpoints;
    private final FairLane preparations;
    private final SimpleInboundEventSource<DatabaseClone> wakeUps = new SimpleInboundEventSource<>("background-work");
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

    /**
     * @param threads workers for preparations
     * @param perNamespace how many of them one namespace may hold at once
     * @param checkpointThreads workers for CHECKPOINTs, of which one namespace holds at most half
     * @param queue how many tasks may wait in each lane, over all namespaces
     */
    public BackgroundWork(int threads, int perNamespace, int checkpointThreads, int queue) {
        this.preparations = new FairLane("pgclone-db", threads, perNamespace, queue);
        this.checkpoints = new FairLane("pgclone-checkpoint", checkpointThreads, defaultShare(checkpointThreads), queue);
    }

    /** The share of workers one namespace may hold unless configured: half of them, at least one. */
    public static int defaultShare(int threads) {
        return Math.max(1, threads / 2);
    }

    public SimpleInboundEventSource<DatabaseClone> eventSource() {
        return wakeUps;
    }

    /** True while a task for this key is waiting or running in this process. */
    public boolean running(String key) {
        InFlight f = inFlight.get(key);
        return f != null && !f.result().isDone();
    }

    /** True while the task for this key waits for a worker; its clone is woken when it starts. */
    public boolean waiting(String key) {
        InFlight f = inFlight.get(key);
        return f != null && f.lane().isWaiting(f.task());
    }

    /** Why a waiting task waits, for its clone's status. */
    public String waitingReason(Lane lane, String namespace) {
        FairLane l = lane == Lane.CHECKPOINT ? checkpoints : preparations;
        int own = l.running(namespace);
        return own >= l.perNamespace()
                ? "namespace " + namespace + " already uses its share of the operator's database workers (" + own + " of "
                        + l.workers() + "); this starts when one of its other clones finishes"
                : "all " + l.workers() + " of the operator's database workers are busy with other namespaces; this starts when one frees";
    }

    /** The finished task for this key, removed from here; empty while running or unknown. */
    @SuppressWarnings("unchecked")
    public <T> Optional<Finished<T>> take(String key) {
        InFlight f = inFlight.get(key);
        if (f == null || !f.result().isDone()) {
            return Optional.empty();
        }
        inFlight.remove(key);
        return Optional.of((Finished<T>) f.result().join());
    }

    /**
     * Hands the task to its lane, where it starts at once or waits its turn.
     * @return false when the lane's waiting room is full; the caller tries again later
     */
    public <T> boolean submit(Lane lane, String key, ResourceID clone, Supplier<T> work) {
        CompletableFuture<Finished<?>> f = new CompletableFuture<>();
        FairLane target = lane == Lane.CHECKPOINT ? checkpoints : preparations;
        // a clone that reported waiting for a worker is woken to report that its task runs
        FairLane.Task task = new FairLane.Task(clone.getNamespace().orElse(""), () -> wakeUps.propagateEvent(clone), () -> {
            long start = System.nanoTime();
            try {
                T result = work.get();
                f.complete(new Finished<>(result, (System.nanoTime() - start) / 1e9, null));
            } catch (RuntimeException e) {
                LOG.errorf(e, "background task %s of %s failed unexpectedly", key, clone);
                f.complete(new Finished<>(null, (System.nanoTime() - start) / 1e9, e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage())));
            } finally {
                wakeUps.propagateEvent(clone);
            }
        });
        inFlight.put(key, new InFlight(f, target, task));
        if (!target.submit(task)) {
            inFlight.remove(key);
            return false;
        }
        return true;
    }

    public void forget(String key) {
        inFlight.remove(key);
    }

    public void shutdown() {
        checkpoints.shutdown();
        preparations.shutdown();
    }
}
