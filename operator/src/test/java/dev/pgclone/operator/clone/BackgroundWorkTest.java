package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.clone.BackgroundWork.Lane;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared database workers with real threads: tasks block on latches the test opens, so what
 * runs and what waits is decided by the scheduler, never by timing. Waiting is read right after a
 * submit (decided under the lane's lock); starting is awaited on the task's own latch.
 */
class BackgroundWorkTest {

    private static final long TIMEOUT_SECONDS = 10;

    private final Map<String, CountDownLatch> started = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> release = new ConcurrentHashMap<>();
    private final List<String> startOrder = new CopyOnWriteArrayList<>();
    private BackgroundWork work;

    @AfterEach
    void tearDown() {
        release.values().forEach(CountDownLatch::countDown);
        work.shutdown();
    }

    @Test
    void aNamespaceHoldsAtMostItsShareAndItsNextTaskStartsWhenOneOfItsOwnFinishes() throws Exception {
        work = new BackgroundWork(4, 2, 1, 100);
        submit(Lane.PREPARATION, "slow", "a1");
        submit(Lane.PREPARATION, "slow", "a2");
        submit(Lane.PREPARATION, "slow", "a3");
        awaitStarted("a1", "a2");
        assertThat(work.waiting("a3")).as("beyond the namespace's share of 2").isTrue();
        assertThat(work.running("a3")).as("waiting counts as in flight: the clone does not submit it again").isTrue();
        assertThat(work.waitingReason(Lane.PREPARATION, "slow"))
                .isEqualTo("namespace slow already uses its share of the operator's database workers (2 of 4);"
                        + " this starts when one of its other clones finishes");

        submit(Lane.PREPARATION, "other", "b1");
        submit(Lane.PREPARATION, "another", "c1");
        awaitStarted("b1", "c1");
        assertThat(work.waiting("a3")).as("other namespaces took the free workers, not slow's backlog").isTrue();

        finish("a1");
        awaitStarted("a3");
        assertThat(work.take("a1")).hasValueSatisfying(f -> assertThat(f.result()).isEqualTo("a1 done"));
    }

    @Test
    void namespacesWithWaitingTasksTakeTurns() throws Exception {
        work = new BackgroundWork(1, 1, 1, 100);
        submit(Lane.PREPARATION, "busy", "a1");
        awaitStarted("a1");
        submit(Lane.PREPARATION, "busy", "a2");
        submit(Lane.PREPARATION, "busy", "a3");
        submit(Lane.PREPARATION, "quiet", "b1");
        assertThat(work.waitingReason(Lane.PREPARATION, "quiet"))
                .isEqualTo("all 1 of the operator's database workers are busy with other namespaces; this starts when one frees");

        finish("a1");
        awaitStarted("b1");
        assertThat(work.waiting("a2")).as("quiet's one task before busy's backlog").isTrue();
        finish("b1");
        awaitStarted("a2");
        finish("a2");
        awaitStarted("a3");
        assertThat(startOrder).containsExactly("a1", "b1", "a2", "a3");
    }

    @Test
    void checkpointsNeverQueueBehindPreparations() throws Exception {
        work = new BackgroundWork(2, 2, 1, 100);
        submit(Lane.PREPARATION, "team", "p1");
        submit(Lane.PREPARATION, "team", "p2");
        submit(Lane.PREPARATION, "team", "p3");
        awaitStarted("p1", "p2");
        assertThat(work.waiting("p3")).as("every preparation worker is taken").isTrue();

        submit(Lane.CHECKPOINT, "team", "checkpoint");
        awaitStarted("checkpoint");
        finish("checkpoint");
        assertThat(work.take("checkpoint")).isNotEmpty();
        assertThat(work.waiting("p3")).isTrue();
    }

    @Test
    void aFullWaitingRoomRefusesWithoutLosingWhatWaits() throws Exception {
        work = new BackgroundWork(1, 1, 1, 1);
        submit(Lane.PREPARATION, "team", "a1");
        awaitStarted("a1");
        submit(Lane.PREPARATION, "team", "a2");
        release.put("a3", new CountDownLatch(1));
        assertThat(work.submit(Lane.PREPARATION, "a3", new ResourceID("a3", "team"), () -> "a3 done")).isFalse();
        assertThat(work.running("a3")).isFalse();
        finish("a1");
        awaitStarted("a2");
    }

    private void submit(Lane lane, String namespace, String key) {
        started.put(key, new CountDownLatch(1));
        release.put(key, new CountDownLatch(1));
        boolean accepted = work.submit(lane, key, new ResourceID(key, namespace), () -> {
            startOrder.add(key);
            started.get(key).countDown();
            try {
                release.get(key).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return key + " done";
        });
        assertThat(accepted).as("submit %s", key).isTrue();
    }

    private void awaitStarted(String... keys) throws InterruptedException {
        for (String key : keys) {
            assertThat(started.get(key).await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("%s started", key).isTrue();
        }
    }

    /** Lets the task end and waits until its result is there, so the worker it held is free again or about to be. */
    private void finish(String key) throws InterruptedException {
        release.get(key).countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (work.running(key) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(work.running(key)).as("%s finished", key).isFalse();
    }
}
