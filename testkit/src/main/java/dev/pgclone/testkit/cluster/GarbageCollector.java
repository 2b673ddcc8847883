package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-controller-manager's garbage collector, which the mock does not have: an object all of
 * whose owners (by uid) are gone is deleted, so deleting a DatabaseClone takes its PVC, Pod,
 * Service, Secrets, ConfigMap and VolumeSnapshot with it. Scans every second, over the namespaced
 * built-in types that carry owner references and every custom resource type.
 */
final class GarbageCollector {

    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    private static final Set<String> BUILT_IN_KINDS = Set.of("Pod", "Service", "PersistentVolumeClaim", "Secret", "ConfigMap", "Deployment", "StatefulSet");

    private final KubernetesClient client;
    private final Discovery discovery;

    GarbageCollector(KubernetesClient client, Discovery discovery) {
        this.client = client;
        this.discovery = discovery;
    }

    /** One pass; returns how many objects it deleted. */
    int collect() {
        int deleted = 0;
        Map<String, Boolean> ownerExists = new HashMap<>();
        for (ApiResourceInfo type : discovery.resources()) {
            boolean custom = !type.group().isEmpty() && !List.of("apps", "events.k8s.io", "coordination.k8s.io", "storage.k8s.io",
                    "apiextensions.k8s.io").contains(type.group());
            if (!custom && !BUILT_IN_KINDS.contains(type.kind())) {
                continue;
            }
            List<GenericKubernetesResource> items;
            try {
                var ops = client.genericKubernetesResources(type.groupVersion(), type.kind());
                items = (type.namespaced() ? ops.inAnyNamespace().list() : ops.list()).getItems();
            } catch (KubernetesClientException e) {
                continue;
            }
            for (GenericKubernetesResource item : items) {
                List<OwnerReference> owners = item.getMetadata().getOwnerReferences();
                if (owners == null || owners.isEmpty() || item.getMetadata().getDeletionTimestamp() != null) {
                    continue;
                }
                boolean anyOwnerLeft = false;
                for (OwnerReference ref : owners) {
                    String key = ref.getUid();
                    boolean exists = ownerExists.computeIfAbsent(key, k -> ownerExists(item, ref));
                    anyOwnerLeft |= exists;
                }
                if (!anyOwnerLeft) {
                    try {
                        client.resource(item).delete();
                        deleted++;
                        LOG.info("garbage collected {} {}/{} (owner {} {} is gone)", type.kind(), item.getMetadata().getNamespace(),
                                item.getMetadata().getName(), owners.get(0).getKind(), owners.get(0).getName());
                    } catch (KubernetesClientException e) {
                        if (!Informers.ignorable(e)) {
                            LOG.warn("garbage collecting {} {}/{}: {}", type.kind(), item.getMetadata().getNamespace(),
                                    item.getMetadata().getName(), e.getMessage());
                        }
                    }
                }
            }
        }
        return deleted;
    }

    private boolean ownerExists(GenericKubernetesResource dependent, OwnerReference ref) {
        try {
            var ops = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind());
            String ns = dependent.getMetadata().getNamespace();
            GenericKubernetesResource owner = ns == null ? ops.withName(ref.getName()).get() : ops.inNamespace(ns).withName(ref.getName()).get();
            return owner != null && ref.getUid().equals(owner.getMetadata().getUid());
        } catch (KubernetesClientException e) {
            // an owner type the server does not know is as good as gone, but a transient error is not
            return e.getCode() != 404;
        }
    }
}
