package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DatabaseCloneSpec {

    @Required
    @JsonPropertyDescription("What to clone: a PostgreSQL data volume (pvcName), an existing VolumeSnapshot (snapshotName), "
            + "or a CloneSource that production's owners wrote to allow clones from other namespaces (cloneSource). "
            + "Immutable once a DatabaseClone is created.")
    private SourceSpec source;

    @JsonPropertyDescription("The PostgreSQL server that serves the clone. image is required unless a CloneSource provides it.")
    private PostgresSpec postgres;

    @JsonPropertyDescription("Storage of the clone's volume.")
    private StorageSpec storage;

    @JsonPropertyDescription("Login roles whose passwords the clone publishes in Secrets.")
    private CredentialsSpec credentials;

    @JsonPropertyDescription("SQL run as the superuser after isolation and before anyone else can connect (masking, migrations).")
    private PostCloneSpec postClone;

    @JsonPropertyDescription("strict (default): pg_cron jobs are deactivated and postgres_fdw/dblink user mappings dropped, so the clone cannot reach other systems. "
            + "none: leave them; dangerous, the clone may then write to whatever production's jobs and foreign servers point at.")
    @io.fabric8.generator.annotation.Default(Defaults.ISOLATION)
    @Pattern("^(strict|none)$")
    private String isolation;

    @Pattern("^([0-9]+(d|h|m|s))+$")
    @JsonPropertyDescription("Delete the clone this long after its creation, e.g. 24h, 90m, 7d, 1h30m. Unset: kept until deleted.")
    private String ttl;

    @JsonPropertyDescription("The Service in front of the clone.")
    private ServiceSpec service;

    public SourceSpec getSource() { return source; }
    public void setSource(SourceSpec source) { this.source = source; }
    public PostgresSpec getPostgres() { return postgres; }
    public void setPostgres(PostgresSpec postgres) { this.postgres = postgres; }
    public StorageSpec getStorage() { return storage; }
    public void setStorage(StorageSpec storage) { this.storage = storage; }
    public CredentialsSpec getCredentials() { return credentials; }
    public void setCredentials(CredentialsSpec credentials) { this.credentials = credentials; }
    public PostCloneSpec getPostClone() { return postClone; }
    public void setPostClone(PostCloneSpec postClone) { this.postClone = postClone; }
    public String getIsolation() { return isolation; }
    public void setIsolation(String isolation) { this.isolation = isolation; }
    public String getTtl() { return ttl; }
    public void setTtl(String ttl) { this.ttl = ttl; }
    public ServiceSpec getService() { return service; }
    public void setService(ServiceSpec service) { this.service = service; }
}
