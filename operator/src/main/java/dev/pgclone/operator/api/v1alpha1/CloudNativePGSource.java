package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** A CloudNativePG Cluster of the clone's namespace as the source; the operator finds its volumes, image, uid and superuser. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CloudNativePGSource {

    @Required
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("Name of the CloudNativePG Cluster (postgresql.cnpg.io/v1) in the clone's namespace.")
    private String cluster;

    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$|^preferStandby$")
    @JsonPropertyDescription("Which instance to snapshot: primary (the default), preferStandby (a Ready replica, so the primary does no work "
            + "for the clone; the primary when there is none), or an instance name such as orders-2.")
    private String instance;

    public CloudNativePGSource() {}

    public CloudNativePGSource(String cluster, String instance) {
        this.cluster = cluster;
        this.instance = instance;
    }

    public String getCluster() { return cluster; }
    public void setCluster(String cluster) { this.cluster = cluster; }
    public String getInstance() { return instance; }
    public void setInstance(String instance) { this.instance = instance; }

    @Override
    public boolean equals(Object o) {
        return o instanceof CloudNativePGSource s && Objects.equals(cluster, s.cluster) && Objects.equals(instance, s.instance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cluster, instance);
    }

    @Override
    public String toString() {
        return cluster + (instance == null ? "" : " (instance " + instance + ")");
    }
}
