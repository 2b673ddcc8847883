package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ServiceSpec {

    @Default(Defaults.SERVICE_TYPE)
    @Pattern("^(ClusterIP|NodePort|LoadBalancer)$")
    @JsonPropertyDescription("Service type: " + Defaults.SERVICE_TYPE + " (default), NodePort or LoadBalancer.")
    private String type;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
}
