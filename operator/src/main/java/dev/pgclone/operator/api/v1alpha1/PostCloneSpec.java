package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PostCloneSpec {

    @JsonPropertyDescription("SQL run as the superuser in credentials.database before the clone serves, e.g. masking: UPDATE users SET email = 'user' || id || '@example.test';")
    private String sql;

    @JsonPropertyDescription("ConfigMap in the clone's namespace whose keys are SQL scripts, run in key order after sql.")
    private String configMapName;

    @Pattern("^([0-9]+(d|h|m|s))+$")
    @JsonPropertyDescription("Longest time each script may run, e.g. 30m, 2h, 90s (default " + Defaults.POST_CLONE_TIMEOUT_TEXT + "); a script still running then is cancelled"
            + " and the clone fails with reason PostCloneTimeout. On a CloneSource it bounds the mandatory scripts, and a clone cannot raise it.")
    private String timeout;

    public String getSql() { return sql; }
    public void setSql(String sql) { this.sql = sql; }
    public String getConfigMapName() { return configMapName; }
    public void setConfigMapName(String configMapName) { this.configMapName = configMapName; }
    public String getTimeout() { return timeout; }
    public void setTimeout(String timeout) { this.timeout = timeout; }
}
