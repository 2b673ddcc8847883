package dev.pgclone.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** How every controller creates what it owns. */
public final class Creation {

    private Creation() {}

    /**
     * Creates an object; one that already exists (made by a reconcile the informer cache had not yet
     * caught up with) is returned as it is, never replaced: a Secret's password must not change.
     */
    public static <R extends HasMetadata> R createOrGet(KubernetesClient client, R resource) {
        try {
            return client.resource(resource).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return client.resource(resource).get();
            }
            throw e;
        }
    }
}
