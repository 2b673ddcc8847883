package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What the operator found for spec.source.cloudNativePG or cloudNativePGBackup, and used. Once the
 * clone's snapshot or volume exists it is kept as it is: a later switchover, upgrade or deleted
 * Backup does not change a clone that was already made.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class CloudNativePGStatus {

    @JsonPropertyDescription("The CloudNativePG Cluster, in the clone's namespace.")
    private String cluster;
    @JsonPropertyDescription("The instance whose volumes were snapshotted (or that the Backup was taken of).")
    private String instance;
    @JsonPropertyDescription("primary or standby: the role of that instance when it was snapshotted.")
    private String role;
    @JsonPropertyDescription("The volume-snapshot Backup restored, for spec.source.cloudNativePGBackup.")
    private String backup;
    @JsonPropertyDescription("The instance's data PVC (PG_DATA), or the Backup's data VolumeSnapshot.")
    private String data;
    @JsonPropertyDescription("The instance's WAL PVC (PG_WAL), or the Backup's WAL VolumeSnapshot; unset without walStorage.")
    private String wal;
    @JsonPropertyDescription("The image the clone runs: the one that last ran on the data.")
    private String image;
    @JsonPropertyDescription("The uid owning the files (the Cluster's postgresUID, 26 by default).")
    private Long runAsUser;
    @JsonPropertyDescription("The Cluster's superuser Secret, through which the CHECKPOINT or backup connects to the instance; unset when superuser access is disabled.")
    private String superuserSecret;

    public String getCluster() { return cluster; }
    public void setCluster(String cluster) { this.cluster = cluster; }
    public String getInstance() { return instance; }
    public void setInstance(String instance) { this.instance = instance; }
    public String getRole() { return role; }
    public void setRole(String role) { this.role = role; }
    public String getBackup() { return backup; }
    public void setBackup(String backup) { this.backup = backup; }
    public String getData() { return data; }
    public void setData(String data) { this.data = data; }
    public String getWal() { return wal; }
    public void setWal(String wal) { this.wal = wal; }
    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getSuperuserSecret() { return superuserSecret; }
    public void setSuperuserSecret(String superuserSecret) { this.superuserSecret = superuserSecret; }
    public Long getRunAsUser() { return runAsUser; }
    public void setRunAsUser(Long runAsUser) { this.runAsUser = runAsUser; }

    @Override
    public boolean equals(Object o) {
        return o instanceof CloudNativePGStatus s && Objects.equals(cluster, s.cluster) && Objects.equals(instance, s.instance)
                && Objects.equals(role, s.role) && Objects.equals(backup, s.backup) && Objects.equals(data, s.data)
                && Objects.equals(wal, s.wal) && Objects.equals(image, s.image) && Objects.equals(runAsUser, s.runAsUser)
                && Objects.equals(superuserSecret, s.superuserSecret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cluster, instance, role, backup, data, wal, image, runAsUser);
    }
}
