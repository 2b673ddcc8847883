package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@io.fabric8.generator.annotation.ValidationRule(value = "(has(self.pvcName) ? 1 : 0) + (has(self.cloudNativePG) ? 1 : 0) == 1",
        message = "set exactly one of spec.pvcName and spec.cloudNativePG")
@io.fabric8.generator.annotation.ValidationRule(value = "!has(self.cloudNativePG) || !has(self.dataDirectory)",
        message = "with spec.cloudNativePG the data directory comes from CloudNativePG: remove spec.dataDirectory")
@io.fabric8.generator.annotation.ValidationRule(value = "has(self.cloudNativePG) || (has(self.postgres) && has(self.postgres.image))",
        message = "spec.postgres.image is required: the image every clone of this source runs (or name a CloudNativePG Cluster in spec.cloudNativePG)")
public class CloneSourceSpec {

    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @JsonPropertyDescription("The production PostgreSQL data volume in this namespace, e.g. data-orders-0 or orders-1 (CloudNativePG).")
    private String pvcName;

    @JsonPropertyDescription("A CloudNativePG Cluster of this namespace instead of pvcName: the operator finds the chosen instance's data volume, "
            + "image, uid and superuser Secret for each snapshot. Clusters with walStorage cannot be shared through a CloneSource yet.")
    private CloudNativePGSource cloudNativePG;

    @JsonPropertyDescription("Path of PGDATA inside the volume: \"\" (the default) is the volume root; CloudNativePG uses pgdata, Bitnami data.")
    private String dataDirectory;

    @JsonPropertyDescription("VolumeSnapshotClass for snapshots of pvcName. Default: the cluster's default class for the PVC's CSI driver.")
    private String volumeSnapshotClassName;

    @JsonPropertyDescription("Run CHECKPOINT before each snapshot. The Secret stays in this namespace: the operator reads it here, never copies it, and clones never name it.")
    private CheckpointSpec checkpoint;

    @JsonPropertyDescription("Server settings for clones of this source. Each one set is binding: a clone may leave it out or repeat it; a different value is refused. image is required.")
    private SourcePostgresDefaults postgres;

    @JsonPropertyDescription("Namespaces whose DatabaseClones may clone this source. A namespace is allowed if it is listed here or matches allowedNamespaceSelector; with neither, no namespace is.")
    private List<String> allowedNamespaces;

    @JsonPropertyDescription("Namespaces, selected by their labels, whose DatabaseClones may clone this source.")
    private LabelSelector allowedNamespaceSelector;

    @JsonPropertyDescription("Mandatory SQL run as the superuser in every clone of this source before the clone's own spec.postClone and before the clone serves, e.g. PII masking. configMapName names a ConfigMap in this namespace; a clone is refused while it is missing.")
    private PostCloneSpec postClone;

    @JsonPropertyDescription("Where spec.postClone runs: in every clone (mode PerClone, the default) or once per masked snapshot that clones restore from (mode Snapshot).")
    private MaskingSpec masking;

    @Pattern("^([0-9]+(d|h|m|s))+$")
    @JsonPropertyDescription("Clones created within this age of a snapshot share it instead of taking a new one, e.g. 1h. An unused snapshot is deleted once it is this old. Unset: every clone gets a fresh snapshot, deleted with it.")
    private String snapshotMaxAge;

    @Min(1)
    @JsonPropertyDescription("At most this many clones of this source exist at once, across all namespaces; the oldest are served and newer ones wait (CloneSourceAtCapacity) until one is deleted. Unset: no limit. A RefreshSchedule needs room for its serving clone, the next one and historyLimit older ones.")
    private Integer maxClones;

    public CloudNativePGSource getCloudNativePG() { return cloudNativePG; }
    public void setCloudNativePG(CloudNativePGSource cloudNativePG) { this.cloudNativePG = cloudNativePG; }
    public String getPvcName() { return pvcName; }
    public void setPvcName(String pvcName) { this.pvcName = pvcName; }
    public String getDataDirectory() { return dataDirectory; }
    public void setDataDirectory(String dataDirectory) { this.dataDirectory = dataDirectory; }
    public String getVolumeSnapshotClassName() { return volumeSnapshotClassName; }
    public void setVolumeSnapshotClassName(String v) { this.volumeSnapshotClassName = v; }
    public CheckpointSpec getCheckpoint() { return checkpoint; }
    public void setCheckpoint(CheckpointSpec checkpoint) { this.checkpoint = checkpoint; }
    public SourcePostgresDefaults getPostgres() { return postgres; }
    public void setPostgres(SourcePostgresDefaults postgres) { this.postgres = postgres; }
    public List<String> getAllowedNamespaces() { return allowedNamespaces; }
    public void setAllowedNamespaces(List<String> allowedNamespaces) { this.allowedNamespaces = allowedNamespaces; }
    public LabelSelector getAllowedNamespaceSelector() { return allowedNamespaceSelector; }
    public void setAllowedNamespaceSelector(LabelSelector s) { this.allowedNamespaceSelector = s; }
    public PostCloneSpec getPostClone() { return postClone; }
    public void setPostClone(PostCloneSpec postClone) { this.postClone = postClone; }
    public Integer getMaxClones() { return maxClones; }
    public void setMaxClones(Integer maxClones) { this.maxClones = maxClones; }
    public MaskingSpec getMasking() { return masking; }
    public void setMasking(MaskingSpec masking) { this.masking = masking; }
    public String getSnapshotMaxAge() { return snapshotMaxAge; }
    public void setSnapshotMaxAge(String snapshotMaxAge) { this.snapshotMaxAge = snapshotMaxAge; }
}
