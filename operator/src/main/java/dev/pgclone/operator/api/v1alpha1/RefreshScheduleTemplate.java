package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** What each run's DatabaseClone is made from. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RefreshScheduleTemplate {

    @Required
    @SchemaFrom(type = TemplateSpecSchema.class)
    @JsonPropertyDescription("The spec of every clone this schedule creates (a DatabaseClone spec). Edits take effect from the next run. "
            + "credentials.secretName is set by the schedule and ttl is not allowed: clones live until a newer one supersedes them.")
    private DatabaseCloneSpec spec;

    public DatabaseCloneSpec getSpec() { return spec; }
    public void setSpec(DatabaseCloneSpec spec) { this.spec = spec; }

    /**
     * The CRD schema of {@code template.spec}, never instantiated: the model is {@link DatabaseCloneSpec}.
     * A DatabaseClone's {@code source} is immutable (a CEL transition rule on the field), and the CRD
     * generator keeps a field's rules whatever schema the field's type is swapped for; in a template
     * that rule would forbid pointing future runs at another source. So this mirrors the clone spec
     * with a mutable source. {@code TemplateSchemaTest} fails when the two schemas drift apart.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class TemplateSpecSchema {

        @Required
        @JsonPropertyDescription("What each clone copies: a PostgreSQL data volume (pvcName) or an existing VolumeSnapshot (snapshotName). "
                + "May be changed; it applies from the next run.")
        private SourceSpec source;

        @Required
        @JsonPropertyDescription("The PostgreSQL server that serves the clone.")
        private PostgresSpec postgres;

        @JsonPropertyDescription("Storage of the clone's volume.")
        private StorageSpec storage;

        @JsonPropertyDescription("Login roles whose passwords the clone publishes in Secrets.")
        private CredentialsSpec credentials;

        @JsonPropertyDescription("SQL run as the superuser after isolation and before anyone else can connect (masking, migrations).")
        private PostCloneSpec postClone;

        @JsonPropertyDescription("strict (default): pg_cron jobs are deactivated and postgres_fdw/dblink user mappings dropped, so the clone cannot reach other systems. "
                + "none: leave them; dangerous, the clone may then write to whatever production's jobs and foreign servers point at.")
        @Default("strict")
        @Pattern("^(strict|none)$")
        private String isolation;

        @Pattern("^([0-9]+(d|h|m|s))+$")
        @JsonPropertyDescription("Delete the clone this long after its creation, e.g. 24h, 90m, 7d, 1h30m. Unset: kept until deleted.")
        private String ttl;

        @JsonPropertyDescription("The Service in front of the clone.")
        private ServiceSpec service;

        public SourceSpec getSource() { return source; }
        public PostgresSpec getPostgres() { return postgres; }
        public StorageSpec getStorage() { return storage; }
        public CredentialsSpec getCredentials() { return credentials; }
        public PostCloneSpec getPostClone() { return postClone; }
        public String getIsolation() { return isolation; }
        public String getTtl() { return ttl; }
        public ServiceSpec getService() { return service; }
    }
}
