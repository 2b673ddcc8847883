package dev.pgclone.operator.testing;

import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.MaskingRequest;
import dev.pgclone.operator.postgres.MaskingResult;
import dev.pgclone.operator.postgres.PreparationRequest;
import dev.pgclone.operator.postgres.PreparationResult;
import dev.pgclone.operator.postgres.StepOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Stand-in for the JDBC preparer in API-server tests (there is no postgres behind the fake Pod
 * IPs). It records every request so tests can assert what the operator asked for and how often;
 * the real preparer is tested against real PostgreSQL in the postgres package.
 */
public final class RecordingPreparer implements ClonePreparer {

    private final List<PreparationRequest> requests = new CopyOnWriteArrayList<>();
    private volatile Function<PreparationRequest, PreparationResult> answer = RecordingPreparer::succeed;
    private volatile CountDownLatch gate;

    @Override
    public PreparationResult prepare(PreparationRequest request) {
        requests.add(request);
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return PreparationResult.failure(PreparationResult.INTERRUPTED, "interrupted", null, List.of());
            }
        }
        return answer.apply(request);
    }

    private final List<MaskingRequest> maskingRequests = new CopyOnWriteArrayList<>();
    private volatile Function<MaskingRequest, MaskingResult> maskingAnswer = r -> MaskingResult.finishing(List.of("app.public.customers"), List.of());

    /** Records the request; the stand-in kubelet ends a build's Pod as its bootstrap would once asked. */
    @Override
    public MaskingResult finishMasking(MaskingRequest request) {
        maskingRequests.add(request);
        return maskingAnswer.apply(request);
    }

    public List<MaskingRequest> maskingRequests() {
        return maskingRequests;
    }

    public void answerMasking(Function<MaskingRequest, MaskingResult> answer) {
        this.maskingAnswer = answer;
    }

    public List<PreparationRequest> requests() {
        return requests;
    }

    public List<PreparationRequest> requestsFor(String host) {
        return requests.stream().filter(r -> r.host().equals(host)).toList();
    }

    public void answer(Function<PreparationRequest, PreparationResult> answer) {
        this.answer = answer;
    }

    /** Preparations block until {@link #open()}, to catch the operator in the middle of one. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    public void open() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }

    public static PreparationResult succeed(PreparationRequest request) {
        List<StepOutcome> steps = new ArrayList<>();
        request.scripts().forEach(s -> steps.add(new StepOutcome(s.name(), 0.02, 3L, null)));
        steps.add(new StepOutcome("credentials", 0.01, null, null));
        return PreparationResult.success("16.4", steps);
    }
}
