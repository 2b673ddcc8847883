package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CheckpointSpec {

    @Required
    @JsonPropertyDescription("Secret in the source namespace with a superuser connection to the source: key uri, or keys host, port, username, password (CloudNativePG's <cluster>-superuser layout).")
    private String secretName;

    public String getSecretName() { return secretName; }
    public void setSecretName(String secretName) { this.secretName = secretName; }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckpointSpec c && java.util.Objects.equals(secretName, c.secretName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(secretName);
    }
}
