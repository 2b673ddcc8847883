package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Runs rehearsals off the reconcile threads, a few at a time: a rehearsal holds its sessions to
 * the clone for minutes. Each stage change and the end wake the rehearsal through an inbound event
 * source; the result waits here until the reconcile takes it. What runs lives only in this
 * process: after a restart nothing runs, and a rehearsal whose status says it was running is known
 * to have been interrupted.
 */
public class RehearsalWork {

    private static final Logger LOG = Logger.getLogger(RehearsalWork.class);

    /** A finished run: its evidence, or the unexpected error that ended it. */
    public record Finished(RehearsalEvidence evidence, String crash) {}

    private record Run(AtomicReference<RehearsalRunner.Stage> stage, AtomicReference<Finished> finished) {}

    private final ExecutorService workers;
    private final SimpleInboundEventSource<MigrationRehearsal> wakeUps = new SimpleInboundEventSource<>("rehearsal-work");
    private final Map<String, Run> runs = new ConcurrentHashMap<>();

    /** @param threads rehearsals that run at once; more wait for a worker */
    public RehearsalWork(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "pgclone-rehearsal-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public SimpleInboundEventSource<MigrationRehearsal> eventSource() {
        return wakeUps;
    }

    /** True while the run for this key waits or runs in this process. */
    public boolean running(String key) {
        Run r = runs.get(key);
        return r != null && r.finished().get() == null;
    }

    /** The stage the run reported last; empty before it started. */
    public Optional<RehearsalRunner.Stage> stage(String key) {
        Run r = runs.get(key);
        return r == null ? Optional.empty() : Optional.ofNullable(r.stage().get());
    }

    /** Set when the operator stops: a run it interrupts is not a failure of the rehearsal. */
    private volatile boolean stopping;

    /** The finished run for this key, removed from here; empty while running or unknown. */
    public Optional<Finished> take(String key) {
        Run r = runs.get(key);
        if (r == null || r.finished().get() == null) {
            return Optional.empty();
        }
        runs.remove(key);
        return Optional.of(r.finished().get());
    }

    public void submit(String key, ResourceID rehearsal, RehearsalRunner runner, RehearsalRunner.Request request) {
        AtomicReference<RehearsalRunner.Stage> stage = new AtomicReference<>();
        AtomicReference<Finished> finished = new AtomicReference<>();
        // registered before it can finish, so the wake-up of a quick run finds it
        runs.put(key, new Run(stage, finished));
        workers.submit(() -> {
            try {
                RehearsalEvidence evidence = runner.run(request, s -> {
                    stage.set(s);
                    wakeUps.propagateEvent(rehearsal);
                });
                finished.set(new Finished(evidence, null));
            } catch (RuntimeException e) {
                if (stopping) {
                    // cut short by the operator's own shutdown: the next operator reports it RehearsalInterrupted
                    LOG.infof("rehearsal %s stopped with the operator (%s)", rehearsal, e);
                    return;
                }
                LOG.errorf(e, "rehearsal %s failed unexpectedly", rehearsal);
                finished.set(new Finished(null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())));
            } finally {
                if (!stopping) {
                    wakeUps.propagateEvent(rehearsal);
                }
            }
        });
    }

    public void shutdown() {
        stopping = true;
        workers.shutdownNow();
    }
}
