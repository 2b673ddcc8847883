package dev.pgclone.operator.testing;

import dev.pgclone.operator.rehearsal.RehearsalEvidence;
import dev.pgclone.operator.rehearsal.RehearsalRunner;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A rehearsal runner whose evidence the test gives, for the reconciler's tests on the mock API
 * server (no clone runs PostgreSQL there). It records every request, reports the stages a real
 * run reports, and can hold a run in its migration stage until the test lets it go.
 */
public final class ScriptedRehearsalRunner implements RehearsalRunner {

    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, RehearsalEvidence> evidence = r -> {
        throw new IllegalStateException("no evidence scripted for " + r.rehearsal());
    };
    private volatile CountDownLatch hold = new CountDownLatch(0);
    /** Zero: the Job path's Job is looked at once; more: waited for that long, as the real runner does. */
    private volatile java.time.Duration jobWait = java.time.Duration.ZERO;
    private final List<String> jobOutcomes = new CopyOnWriteArrayList<>();

    public void answer(Function<Request, RehearsalEvidence> evidence) {
        this.evidence = evidence;
    }

    /** Runs wait in their migration stage until {@link #release()}. */
    public void holdRuns() {
        hold = new CountDownLatch(1);
    }

    /** The Job path's runs wait up to this for their Job to end, and record what they saw ({@link #jobOutcomes()}). */
    public void awaitJobs(java.time.Duration max) {
        this.jobWait = max;
    }

    /** Per Job-path run: the outcome its wait ended with ("" succeeded, a reason, or "still running"). */
    public List<String> jobOutcomes() {
        return jobOutcomes;
    }

    public void release() {
        hold.countDown();
    }

    public List<Request> requests() {
        return requests;
    }

    @Override
    public RehearsalEvidence run(Request request, Consumer<Stage> stage) {
        requests.add(request);
        stage.accept(Stage.BASELINE);
        stage.accept(Stage.MIGRATING);
        if (request.job() != null) {
            // the Job path's Kubernetes side is the reconciler's: create the Job and look at it once
            request.job().start();
            String outcome = request.job().awaitOutcome(jobWait);
            long deadline = System.nanoTime() + jobWait.toNanos();
            while (outcome == null && System.nanoTime() < deadline) {
                outcome = request.job().awaitOutcome(java.time.Duration.ofMillis(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
            jobOutcomes.add(outcome == null ? "still running" : outcome);
            request.job().close();
        }
        try {
            if (!hold.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a held rehearsal was never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        stage.accept(Stage.CHECKING);
        return evidence.apply(request);
    }
}
