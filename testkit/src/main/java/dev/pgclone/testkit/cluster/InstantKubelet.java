package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet stand-in that runs nothing: every new Pod is reported Running and Ready at once, at an
 * address the caller hands out. Used to measure the operator with many clones, where one shared,
 * real PostgreSQL at one address answers every clone's preparation (hundreds of postgres processes
 * would measure this machine, not the operator), and by the operator's tests on the fabric8 mock
 * ({@link ClusterStandIns}), which also tell it what to do with a Pod: run it, crash it
 * with a termination message, or leave it pending.
 */
public final class InstantKubelet implements AutoCloseable {

    /** What the kubelet does with a new Pod. */
    public sealed interface PodFate permits Runs, Crashes, Stays {}
    /** Running and Ready. */
    public record Runs() implements PodFate {}
    /** Its container terminated with this message and is in CrashLoopBackOff; the Pod is not Ready. */
    public record Crashes(String terminationMessage) implements PodFate {}
    /** Left as it is: never scheduled, no status. */
    public record Stays() implements PodFate {}

    private static final Logger LOG = LoggerFactory.getLogger(InstantKubelet.class);

    private final KubernetesClient client;
    private final Supplier<String> podIps;
    private volatile Function<Pod, PodFate> fate = p -> new Runs();
    private SharedIndexInformer<Pod> informer;

    /** Every Pod at one address. */
    public InstantKubelet(KubernetesClient client, String podIp) {
        this(client, () -> podIp);
    }

    /** Each Pod at the next address the supplier gives. */
    public InstantKubelet(KubernetesClient client, Supplier<String> podIps) {
        this.client = client;
        this.podIps = podIps;
    }

    public InstantKubelet start() {
        informer = client.pods().inAnyNamespace().inform(Informers.handler(LOG, "Pod", this::reconcile, null), Informers.RESYNC_MILLIS);
        return this;
    }

    /** What happens to Pods created from now on (default: they run). */
    public void fate(Function<Pod, PodFate> fate) {
        this.fate = fate;
    }

    private void reconcile(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || (pod.getStatus() != null && pod.getStatus().getPhase() != null)) {
            return;
        }
        PodFate podFate = fate.apply(pod);
        if (podFate instanceof Stays) {
            return;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String podIp = podIps.get();
        boolean ready = podFate instanceof Runs;
        List<ContainerStatus> containers = new ArrayList<>();
        for (var c : pod.getSpec().getContainers()) {
            var status = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(ready).withStarted(ready);
            if (podFate instanceof Crashes crash) {
                status.withRestartCount(1)
                        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                        .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error")
                            .withMessage(crash.terminationMessage()).endTerminated().endLastState();
            } else {
                status.withRestartCount(0).withNewState().withNewRunning().withStartedAt(now).endRunning().endState();
            }
            containers.add(status.build());
        }
        String readiness = ready ? "True" : "False";
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withHostIP("127.0.0.1").withPodIP(podIp)
                .withPodIPs(new PodIPBuilder().withIp(podIp).build()).withStartTime(now)
                .withConditions(
                        new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("Initialized").withStatus("True").withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("ContainersReady").withStatus(readiness).withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("Ready").withStatus(readiness).withLastTransitionTime(now).build())
                .withContainerStatuses(containers).build());
        client.resource(pod).updateStatus();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
