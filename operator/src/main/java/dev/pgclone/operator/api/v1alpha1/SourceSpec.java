package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.pvcName) ? 1 : 0) + (has(self.snapshotName) ? 1 : 0) + (has(self.cloneSource) ? 1 : 0)"
        + " + (has(self.cloudNativePG) ? 1 : 0) + (has(self.cloudNativePGBackup) ? 1 : 0) == 1",
        message = "set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup")
@ValidationRule(value = "!(has(self.cloudNativePG) || has(self.cloudNativePGBackup)) || !(has(self.dataDirectory) || has(self.namespace))",
        message = "with spec.source.cloudNativePG or cloudNativePGBackup the volumes and directories come from CloudNativePG, in the clone's namespace: remove dataDirectory and namespace")
@ValidationRule(value = "!has(self.cloneSource) || !(has(self.namespace) || has(self.volumeSnapshotClassName) || has(self.dataDirectory) || has(self.checkpoint))",
        message = "with spec.source.cloneSource, namespace, volumeSnapshotClassName, dataDirectory and checkpoint come from the CloneSource: remove them")
@ValidationRule(value = "!has(self.walPvcName) || has(self.pvcName)",
        message = "spec.source.walPvcName is the WAL volume beside spec.source.pvcName: set pvcName too, or remove walPvcName")
@ValidationRule(value = "!has(self.walDirectory) || has(self.walPvcName)",
        message = "spec.source.walDirectory is a path inside spec.source.walPvcName: set walPvcName, or remove walDirectory")
@JsonIgnoreProperties(ignoreUnknown = true)
public class SourceSpec {

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("The production PostgreSQL data volume to snapshot, e.g. data-orders-0 (a StatefulSet PVC) or orders-1 (CloudNativePG).")
    private String pvcName;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("The source's WAL volume, when pg_wal is a link to a volume of its own (e.g. orders-1-wal, CloudNativePG walStorage). "
            + "Both volumes are snapshotted inside an online backup on the source, which needs spec.source.checkpoint.secretName.")
    private String walPvcName;

    @JsonPropertyDescription("Path of the WAL directory inside walPvcName. Default pg_wal (CloudNativePG's layout).")
    private String walDirectory;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("An existing, ready VolumeSnapshot to restore from instead of taking a new one (e.g. a CloudNativePG volume-snapshot backup). Never deleted by the operator.")
    private String snapshotName;

    @JsonPropertyDescription("A CloudNativePG Cluster of this namespace: the operator finds the chosen instance's data and WAL volumes, "
            + "image, uid and superuser Secret, and snapshots both volumes inside an online backup when WAL has a volume of its own.")
    private CloudNativePGSource cloudNativePG;

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("A completed CloudNativePG Backup (method volumeSnapshot) of this namespace: the clone restores its data and "
            + "WAL snapshots and starts from its backup label. Never deleted by the operator.")
    private String cloudNativePGBackup;

    @JsonPropertyDescription("A CloneSource, written by the owners of a database in another namespace, that allows this namespace to clone it. The operator checks the grant on every reconcile.")
    private CloneSourceRef cloneSource;

    @JsonPropertyDescription("Namespace of pvcName or snapshotName. Default: the clone's own namespace; another namespace needs cloneSource instead.")
    private String namespace;

    @JsonPropertyDescription("VolumeSnapshotClass for the snapshot of pvcName. Default: the cluster's default class for the PVC's CSI driver.")
    private String volumeSnapshotClassName;

    @JsonPropertyDescription("Path of PGDATA inside the volume: \"\" (the default) is the volume root; CloudNativePG uses pgdata, Bitnami data.")
    private String dataDirectory;

    @JsonPropertyDescription("Run CHECKPOINT on the source right before the snapshot, so the clone's crash recovery replays little WAL.")
    private CheckpointSpec checkpoint;

    /*
     * Not API: what the operator fills in for spec.source.cloudNativePGBackup in the clone as it acts
     * on it (EffectiveClone), never read from or written to the cluster. snapshotName then names the
     * Backup's data snapshot; these name its WAL snapshot and hold its backup label.
     */
    @JsonIgnore
    private String walSnapshotName;
    @JsonIgnore
    private String backupLabel;

    public String getPvcName() { return pvcName; }
    public void setPvcName(String pvcName) { this.pvcName = pvcName; }
    public String getWalPvcName() { return walPvcName; }
    public void setWalPvcName(String walPvcName) { this.walPvcName = walPvcName; }
    public String getWalDirectory() { return walDirectory; }
    public void setWalDirectory(String walDirectory) { this.walDirectory = walDirectory; }
    public String getSnapshotName() { return snapshotName; }
    public void setSnapshotName(String snapshotName) { this.snapshotName = snapshotName; }
    public CloudNativePGSource getCloudNativePG() { return cloudNativePG; }
    public void setCloudNativePG(CloudNativePGSource cloudNativePG) { this.cloudNativePG = cloudNativePG; }
    public String getCloudNativePGBackup() { return cloudNativePGBackup; }
    public void setCloudNativePGBackup(String cloudNativePGBackup) { this.cloudNativePGBackup = cloudNativePGBackup; }
    public CloneSourceRef getCloneSource() { return cloneSource; }
    public void setCloneSource(CloneSourceRef cloneSource) { this.cloneSource = cloneSource; }
    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getVolumeSnapshotClassName() { return volumeSnapshotClassName; }
    public void setVolumeSnapshotClassName(String v) { this.volumeSnapshotClassName = v; }
    public String getDataDirectory() { return dataDirectory; }
    public void setDataDirectory(String dataDirectory) { this.dataDirectory = dataDirectory; }
    public CheckpointSpec getCheckpoint() { return checkpoint; }
    public void setCheckpoint(CheckpointSpec checkpoint) { this.checkpoint = checkpoint; }
    /** A given VolumeSnapshot (a CloudNativePG Backup's) of the WAL volume, restored beside the data; null without one. Not API. */
    @JsonIgnore
    public String getWalSnapshotName() { return walSnapshotName; }
    @JsonIgnore
    public void setWalSnapshotName(String walSnapshotName) { this.walSnapshotName = walSnapshotName; }
    /** The backup_label of a given online backup (a CloudNativePG Backup's), installed before recovery; null for none. Not API. */
    @JsonIgnore
    public String getBackupLabel() { return backupLabel; }
    @JsonIgnore
    public void setBackupLabel(String backupLabel) { this.backupLabel = backupLabel; }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceSpec s && java.util.Objects.equals(pvcName, s.pvcName)
                && java.util.Objects.equals(walPvcName, s.walPvcName) && java.util.Objects.equals(walDirectory, s.walDirectory)
                && java.util.Objects.equals(snapshotName, s.snapshotName) && java.util.Objects.equals(namespace, s.namespace)
                && java.util.Objects.equals(cloneSource, s.cloneSource) && java.util.Objects.equals(cloudNativePG, s.cloudNativePG)
                && java.util.Objects.equals(cloudNativePGBackup, s.cloudNativePGBackup)
                && java.util.Objects.equals(volumeSnapshotClassName, s.volumeSnapshotClassName)
                && java.util.Objects.equals(dataDirectory, s.dataDirectory) && java.util.Objects.equals(checkpoint, s.checkpoint)
                && java.util.Objects.equals(walSnapshotName, s.walSnapshotName) && java.util.Objects.equals(backupLabel, s.backupLabel);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(pvcName, walPvcName, walDirectory, snapshotName, cloneSource, cloudNativePG, cloudNativePGBackup, namespace, volumeSnapshotClassName, dataDirectory, checkpoint);
    }
}
