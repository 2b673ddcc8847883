package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PostCloneSpec {

    @JsonPropertyDescription("SQL run as the superuser in credentials.database before the clone serves, e.g. masking: UPDATE users SET email = 'user' || id || '@example.test';")
    private String sql;

    @JsonPropertyDescription("ConfigMap in the clone's namespace whose keys are SQL scripts, run in key order after sql.")
    private String configMapName;

    public String getSql() { return sql; }
    public void setSql(String sql) { this.sql = sql; }
    public String getConfigMapName() { return configMapName; }
    public void setConfigMapName(String configMapName) { this.configMapName = configMapName; }
}
