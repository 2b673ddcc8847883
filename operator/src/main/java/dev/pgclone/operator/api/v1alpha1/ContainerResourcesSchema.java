package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@code spec.postgres.resources}: the same shape as Kubernetes'
 * ResourceRequirements, which the model keeps using, but with descriptions, which the fabric8 model
 * class does not carry, so that {@code kubectl explain} documents these fields too. Used only by the
 * CRD generator, through a schema swap on the resource classes; never instantiated.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public final class ContainerResourcesSchema {

    @JsonPropertyDescription("Names of entries in the Pod's spec.resourceClaims (dynamic resource allocation) this container uses.")
    private List<Claim> claims;

    @JsonPropertyDescription("Most the postgres container may use, e.g. memory: 4Gi, cpu: \"2\". The memory limit sizes shared_buffers (a quarter) unless parameters set it.")
    private Map<String, Quantity> limits;

    @JsonPropertyDescription("What the scheduler reserves for the postgres container, e.g. memory: 1Gi, cpu: 500m.")
    private Map<String, Quantity> requests;

    private ContainerResourcesSchema() {}

    /** One entry of {@code claims}. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    public static final class Claim {

        @JsonPropertyDescription("Name of an entry in the Pod's spec.resourceClaims.")
        private String name;

        @JsonPropertyDescription("A request of that claim to use; unset: all of them.")
        private String request;

        private Claim() {}
    }
}
