package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** What each run's DatabaseClone is made from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RefreshScheduleTemplate {

    @Required
    @JsonPropertyDescription("The spec of every clone this schedule creates (a DatabaseClone spec). Edits take effect from the next run. "
            + "credentials.secretName is set by the schedule and ttl is not allowed: clones live until a newer one supersedes them.")
    private DatabaseCloneSpec spec;

    public DatabaseCloneSpec getSpec() { return spec; }
    public void setSpec(DatabaseCloneSpec spec) { this.spec = spec; }
}
