package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DatabaseCloneStatus {

    @JsonPropertyDescription("Pending, Snapshotting, Restoring, Starting, Preparing, Ready or Failed.")
    private String phase;
    @JsonPropertyDescription("SnapshotReady, VolumeReady, PostgresStarted, Prepared, Ready. `kubectl wait --for=condition=Ready` waits for a served clone.")
    private List<Condition> conditions = new ArrayList<>();
    @JsonPropertyDescription("The metadata.generation of the spec this status describes; lower than metadata.generation while a spec change is not acted on yet.")
    private Long observedGeneration;
    @JsonPropertyDescription("The source, for display: pvc <namespace>/<name> or snapshot <namespace>/<name>.")
    private String source;
    @JsonPropertyDescription("For spec.source.cloudNativePG or cloudNativePGBackup: the instance (or Backup), volumes, image and uid the operator found and used; fixed once the clone's snapshot exists.")
    private CloudNativePGStatus cloudNativePG;
    @JsonPropertyDescription("The VolumeSnapshot the clone's volume was restored from: the operator's own snapshot of source.pvcName, or source.snapshotName.")
    private SnapshotStatus snapshot;
    @JsonPropertyDescription("When the data was taken from production: the snapshot's creation time.")
    private String dataAsOf;
    @JsonPropertyDescription("Where applications connect: the clone's Service. Set once the clone is Ready.")
    private Endpoint endpoint;
    @JsonPropertyDescription("Secrets with connection details (username, password, host, port, dbname, uri, jdbc-uri, pgpass).")
    private List<String> secrets;
    @JsonPropertyDescription("The server_version the clone's postgres reports, e.g. 16.4.")
    private String postgresVersion;
    @JsonPropertyDescription("When the clone first became Ready (RFC 3339).")
    private String readyAt;
    @JsonPropertyDescription("When the operator deletes the clone: creation time plus spec.ttl (RFC 3339). Unset without a ttl.")
    private String expiresAt;
    @JsonPropertyDescription("How long each stage took, in seconds, for the clone as it is now.")
    private Timings timings;
    @JsonPropertyDescription("Preparation steps: credentials and post-clone SQL, with durations, affected rows and errors.")
    private List<Step> steps;

    public Optional<Condition> condition(String type) {
        return Condition.find(conditions, type);
    }

    public String getPhase() { return phase; }
    public void setPhase(String phase) { this.phase = phase; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public String getSource() { return source; }
    public void setSource(String source) { this.source = source; }
    public CloudNativePGStatus getCloudNativePG() { return cloudNativePG; }
    public void setCloudNativePG(CloudNativePGStatus cloudNativePG) { this.cloudNativePG = cloudNativePG; }
    public SnapshotStatus getSnapshot() { return snapshot; }
    public void setSnapshot(SnapshotStatus snapshot) { this.snapshot = snapshot; }
    public String getDataAsOf() { return dataAsOf; }
    public void setDataAsOf(String dataAsOf) { this.dataAsOf = dataAsOf; }
    public Endpoint getEndpoint() { return endpoint; }
    public void setEndpoint(Endpoint endpoint) { this.endpoint = endpoint; }
    public List<String> getSecrets() { return secrets; }
    public void setSecrets(List<String> secrets) { this.secrets = secrets; }
    public String getPostgresVersion() { return postgresVersion; }
    public void setPostgresVersion(String postgresVersion) { this.postgresVersion = postgresVersion; }
    public String getReadyAt() { return readyAt; }
    public void setReadyAt(String readyAt) { this.readyAt = readyAt; }
    public String getExpiresAt() { return expiresAt; }
    public void setExpiresAt(String expiresAt) { this.expiresAt = expiresAt; }
    public Timings getTimings() { return timings; }
    public void setTimings(Timings timings) { this.timings = timings; }
    public List<Step> getSteps() { return steps; }
    public void setSteps(List<Step> steps) { this.steps = steps; }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatabaseCloneStatus s && Objects.equals(phase, s.phase) && Objects.equals(conditions, s.conditions)
                && Objects.equals(observedGeneration, s.observedGeneration) && Objects.equals(source, s.source)
                && Objects.equals(cloudNativePG, s.cloudNativePG) && Objects.equals(snapshot, s.snapshot) && Objects.equals(dataAsOf, s.dataAsOf)
                && Objects.equals(endpoint, s.endpoint) && Objects.equals(secrets, s.secrets)
                && Objects.equals(postgresVersion, s.postgresVersion) && Objects.equals(readyAt, s.readyAt)
                && Objects.equals(expiresAt, s.expiresAt) && Objects.equals(timings, s.timings) && Objects.equals(steps, s.steps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, conditions, observedGeneration, snapshot, dataAsOf, endpoint, readyAt);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class SnapshotStatus {
        @JsonPropertyDescription("Name of the VolumeSnapshot.")
        private String name;
        @JsonPropertyDescription("Namespace of the VolumeSnapshot.")
        private String namespace;
        @JsonPropertyDescription("When the storage took the snapshot (its creationTime, RFC 3339): the moment the clone's data is from.")
        private String createdAt;
        @JsonPropertyDescription("Size of a volume restored from the snapshot, as the CSI driver reports it, e.g. 10Gi.")
        private String restoreSize;

        public SnapshotStatus() {}

        public SnapshotStatus(String name, String namespace, String createdAt, String restoreSize) {
            this.name = name;
            this.namespace = namespace;
            this.createdAt = createdAt;
            this.restoreSize = restoreSize;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getNamespace() { return namespace; }
        public void setNamespace(String namespace) { this.namespace = namespace; }
        public String getCreatedAt() { return createdAt; }
        public void setCreatedAt(String createdAt) { this.createdAt = createdAt; }
        public String getRestoreSize() { return restoreSize; }
        public void setRestoreSize(String restoreSize) { this.restoreSize = restoreSize; }

        @Override
        public boolean equals(Object o) {
            return o instanceof SnapshotStatus s && Objects.equals(name, s.name) && Objects.equals(namespace, s.namespace)
                    && Objects.equals(createdAt, s.createdAt) && Objects.equals(restoreSize, s.restoreSize);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, namespace, createdAt, restoreSize);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Endpoint {
        @JsonPropertyDescription("DNS name of the clone's Service: <clone>.<namespace>.svc.")
        private String host;
        @JsonPropertyDescription("PostgreSQL port of the Service (" + Defaults.PORT + ").")
        private Integer port;

        public Endpoint() {}

        public Endpoint(String host, Integer port) {
            this.host = host;
            this.port = port;
        }

        public String getHost() { return host; }
        public void setHost(String host) { this.host = host; }
        public Integer getPort() { return port; }
        public void setPort(Integer port) { this.port = port; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Endpoint e && Objects.equals(host, e.host) && Objects.equals(port, e.port);
        }

        @Override
        public int hashCode() {
            return Objects.hash(host, port);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Timings {
        @JsonPropertyDescription("CHECKPOINT on the source before the snapshot (source.checkpoint); unset without it.")
        private Double checkpointSeconds;
        @JsonPropertyDescription("From the VolumeSnapshot's creation until it was ready to use.")
        private Double snapshotSeconds;
        @JsonPropertyDescription("From the clone Pod's creation until its postgres was started: volume attach, crash recovery of the copy, isolation.")
        private Double startSeconds;
        @JsonPropertyDescription("Preparation over JDBC: new passwords and post-clone SQL.")
        private Double prepareSeconds;
        @JsonPropertyDescription("From the DatabaseClone's creation until it was Ready.")
        private Double totalSeconds;

        public Double getCheckpointSeconds() { return checkpointSeconds; }
        public void setCheckpointSeconds(Double v) { this.checkpointSeconds = v; }
        public Double getSnapshotSeconds() { return snapshotSeconds; }
        public void setSnapshotSeconds(Double v) { this.snapshotSeconds = v; }
        public Double getStartSeconds() { return startSeconds; }
        public void setStartSeconds(Double v) { this.startSeconds = v; }
        public Double getPrepareSeconds() { return prepareSeconds; }
        public void setPrepareSeconds(Double v) { this.prepareSeconds = v; }
        public Double getTotalSeconds() { return totalSeconds; }
        public void setTotalSeconds(Double v) { this.totalSeconds = v; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Timings t && Objects.equals(checkpointSeconds, t.checkpointSeconds)
                    && Objects.equals(snapshotSeconds, t.snapshotSeconds) && Objects.equals(startSeconds, t.startSeconds)
                    && Objects.equals(prepareSeconds, t.prepareSeconds) && Objects.equals(totalSeconds, t.totalSeconds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(checkpointSeconds, snapshotSeconds, startSeconds, prepareSeconds, totalSeconds);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Step {
        @JsonPropertyDescription("What ran: credentials (the roles' new passwords), postClone.sql, or <configMapName>/<key> for each script of postClone.configMapName.")
        private String name;
        @JsonPropertyDescription("How long the step took, in seconds.")
        private Double durationSeconds;
        @JsonPropertyDescription("Rows the step's statements affected in all, as PostgreSQL reports them; unset for the credentials step.")
        private Long rows;
        @JsonPropertyDescription("SQLSTATE and message of the failing statement; never contains a secret.")
        private String error;

        public Step() {}

        public Step(String name, Double durationSeconds, Long rows, String error) {
            this.name = name;
            this.durationSeconds = durationSeconds;
            this.rows = rows;
            this.error = error;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public Double getDurationSeconds() { return durationSeconds; }
        public void setDurationSeconds(Double v) { this.durationSeconds = v; }
        public Long getRows() { return rows; }
        public void setRows(Long rows) { this.rows = rows; }
        public String getError() { return error; }
        public void setError(String error) { this.error = error; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Step s && Objects.equals(name, s.name) && Objects.equals(durationSeconds, s.durationSeconds)
                    && Objects.equals(rows, s.rows) && Objects.equals(error, s.error);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, durationSeconds, rows, error);
        }
    }
}
