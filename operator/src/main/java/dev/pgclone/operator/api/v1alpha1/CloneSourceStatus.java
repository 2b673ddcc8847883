package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CloneSourceStatus {

    @JsonPropertyDescription("The generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready: the spec is usable and the PVC exists.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Number of DatabaseClones currently using a snapshot of this source.")
    private Integer clones;

    @JsonPropertyDescription("The snapshots of this source the operator keeps, newest first.")
    private List<SharedSnapshot> snapshots = new ArrayList<>();

    @JsonPropertyDescription("Mode Snapshot: the masked snapshots clones restore from, newest first.")
    private List<MaskedSnapshotStatus> maskedSnapshots;

    @JsonPropertyDescription("Mode Snapshot: the newest masked-snapshot build.")
    private MaskingBuildStatus build;

    @JsonPropertyDescription("The last value of the pgclone.dev/rebuild-masked-snapshot annotation that started a build.")
    private String lastRebuildRequest;

    public java.util.Optional<Condition> condition(String type) {
        return Condition.find(conditions, type);
    }

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Integer getClones() { return clones; }
    public void setClones(Integer clones) { this.clones = clones; }
    public List<SharedSnapshot> getSnapshots() { return snapshots; }
    public void setSnapshots(List<SharedSnapshot> snapshots) { this.snapshots = snapshots; }
    public List<MaskedSnapshotStatus> getMaskedSnapshots() { return maskedSnapshots; }
    public void setMaskedSnapshots(List<MaskedSnapshotStatus> maskedSnapshots) { this.maskedSnapshots = maskedSnapshots; }
    public MaskingBuildStatus getBuild() { return build; }
    public void setBuild(MaskingBuildStatus build) { this.build = build; }
    public String getLastRebuildRequest() { return lastRebuildRequest; }
    public void setLastRebuildRequest(String lastRebuildRequest) { this.lastRebuildRequest = lastRebuildRequest; }

    @Override
    public boolean equals(Object o) {
        return o instanceof CloneSourceStatus s && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions) && Objects.equals(clones, s.clones) && Objects.equals(snapshots, s.snapshots)
                && Objects.equals(maskedSnapshots, s.maskedSnapshots) && Objects.equals(build, s.build)
                && Objects.equals(lastRebuildRequest, s.lastRebuildRequest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, clones, snapshots, maskedSnapshots, build, lastRebuildRequest);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class SharedSnapshot {
        @JsonPropertyDescription("VolumeSnapshot name in this namespace.")
        private String name;
        @JsonPropertyDescription("When it was taken.")
        private String createdAt;
        @JsonPropertyDescription("Whether the snapshot is ready to restore from.")
        private Boolean readyToUse;
        @JsonPropertyDescription("Clones using it; it is kept while any does.")
        private Integer users;
        @JsonPropertyDescription("When new clones stop sharing it (createdAt + snapshotMaxAge); it is deleted then if no clone uses it.")
        private String shareableUntil;

        public SharedSnapshot() {}

        public SharedSnapshot(String name, String createdAt, Boolean readyToUse, Integer users, String shareableUntil) {
            this.name = name;
            this.createdAt = createdAt;
            this.readyToUse = readyToUse;
            this.users = users;
            this.shareableUntil = shareableUntil;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getCreatedAt() { return createdAt; }
        public void setCreatedAt(String createdAt) { this.createdAt = createdAt; }
        public Boolean getReadyToUse() { return readyToUse; }
        public void setReadyToUse(Boolean readyToUse) { this.readyToUse = readyToUse; }
        public Integer getUsers() { return users; }
        public void setUsers(Integer users) { this.users = users; }
        public String getShareableUntil() { return shareableUntil; }
        public void setShareableUntil(String shareableUntil) { this.shareableUntil = shareableUntil; }

        @Override
        public boolean equals(Object o) {
            return o instanceof SharedSnapshot s && Objects.equals(name, s.name) && Objects.equals(createdAt, s.createdAt)
                    && Objects.equals(readyToUse, s.readyToUse) && Objects.equals(users, s.users)
                    && Objects.equals(shareableUntil, s.shareableUntil);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, createdAt, readyToUse, users, shareableUntil);
        }
    }
}
