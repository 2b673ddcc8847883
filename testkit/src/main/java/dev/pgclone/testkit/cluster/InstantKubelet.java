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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kubelet stand-in that runs nothing: every new Pod is reported Running and Ready at once, at
 * one given address. Used to measure the operator with many clones, where one shared, real
 * PostgreSQL at that address answers every clone's preparation: hundreds of postgres processes
 * would measure this machine, not the operator.
 */
final class InstantKubelet implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InstantKubelet.class);

    private final KubernetesClient client;
    private final String podIp;
    private SharedIndexInformer<Pod> informer;

    InstantKubelet(KubernetesClient client, String podIp) {
        this.client = client;
        this.podIp = podIp;
    }

    InstantKubelet start() {
        informer = client.pods().inAnyNamespace().inform(Informers.handler(LOG, "Pod", this::reconcile, null), Informers.RESYNC_MILLIS);
        return this;
    }

    private void reconcile(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || running(pod)) {
            return;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<ContainerStatus> containers = new ArrayList<>();
        pod.getSpec().getContainers().forEach(c -> containers.add(new ContainerStatusBuilder().withName(c.getName())
                .withImage(c.getImage()).withReady(true).withStarted(true).withRestartCount(0)
                .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build()));
        pod.setStatus(new PodStatusBuilder().withPhase("Running").withHostIP("127.0.0.1").withPodIP(podIp)
                .withPodIPs(new PodIPBuilder().withIp(podIp).build()).withStartTime(now)
                .withConditions(
                        new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("Initialized").withStatus("True").withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("ContainersReady").withStatus("True").withLastTransitionTime(now).build(),
                        new PodConditionBuilder().withType("Ready").withStatus("True").withLastTransitionTime(now).build())
                .withContainerStatuses(containers).build());
        client.resource(pod).updateStatus();
    }

    private static boolean running(Pod pod) {
        return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
