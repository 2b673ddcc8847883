package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CredentialsSpec {

    @JsonPropertyDescription("Existing login roles of the source that get a new password, each published in Secret <clone>-<role>. Every other login role of the source gets a random password nobody knows.")
    private List<String> roles;

    @Default(Defaults.DATABASE)
    @JsonPropertyDescription("Database name written into the role Secrets (dbname, uri, jdbc-uri).")
    private String database;

    @JsonPropertyDescription("Secret in the clone's namespace whose keys are role names and values passwords: those roles get these passwords instead of generated ones (a RefreshSchedule uses it to keep passwords stable).")
    private String secretName;

    public List<String> getRoles() { return roles; }
    public void setRoles(List<String> roles) { this.roles = roles; }
    public String getDatabase() { return database; }
    public void setDatabase(String database) { this.database = database; }
    public String getSecretName() { return secretName; }
    public void setSecretName(String secretName) { this.secretName = secretName; }
}
