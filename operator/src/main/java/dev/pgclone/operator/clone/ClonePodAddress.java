package dev.pgclone.operator.clone;

import dev.pgclone.operator.resources.ClonePods;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Where the operator reaches a clone's postgres: the Pod's IP and container port, the way
 * PostgreSQL operators do in-cluster. Kept behind one method so a development setup outside the
 * cluster can plug in a port-forward.
 */
public interface ClonePodAddress {

    record HostPort(String host, int port) {}

    HostPort of(Pod pod);

    static ClonePodAddress podIp() {
        return pod -> {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isBlank()) {
                throw new IllegalStateException("the Pod has no IP yet");
            }
            return new HostPort(ip, ClonePods.PORT);
        };
    }
}
