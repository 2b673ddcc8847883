package dev.pgclone.operator.cnpg;

/** The reasons of {@link Resolution.Problem}s: CamelCase, fit for a Kubernetes condition. */
public final class CnpgReasons {

    /** The API server serves no postgresql.cnpg.io/v1 kind needed (CloudNativePG is not installed, or too old). */
    public static final String API_MISSING = "CloudNativePGNotInstalled";
    public static final String CLUSTER_NOT_FOUND = "CloudNativePGClusterNotFound";
    /** The instance asked for is not one of the Cluster's. */
    public static final String INSTANCE_NOT_FOUND = "CloudNativePGInstanceNotFound";
    /** The instance asked for (or the primary) has no Ready Pod. */
    public static final String INSTANCE_NOT_READY = "CloudNativePGInstanceNotReady";
    /** No instance of the Cluster is Ready. */
    public static final String NO_READY_INSTANCE = "CloudNativePGNoReadyInstance";
    /** status.currentPrimary and status.targetPrimary differ: wait, it passes. */
    public static final String SWITCHOVER_IN_PROGRESS = "CloudNativePGSwitchoverInProgress";
    public static final String PVC_MISSING = "CloudNativePGPvcMissing";
    /** The instance, or the Backup, has tablespace volumes, which a clone of its data and WAL volumes would lack. */
    public static final String TABLESPACES_UNSUPPORTED = "CloudNativePGTablespacesUnsupported";
    public static final String IMAGE_UNKNOWN = "CloudNativePGImageUnknown";
    public static final String BACKUP_NOT_FOUND = "CloudNativePGBackupNotFound";
    /** The Backup has not completed yet: wait. */
    public static final String BACKUP_NOT_READY = "CloudNativePGBackupNotReady";
    public static final String BACKUP_FAILED = "CloudNativePGBackupFailed";
    public static final String BACKUP_NOT_VOLUME_SNAPSHOT = "CloudNativePGBackupNotVolumeSnapshot";
    /** A VolumeSnapshot the Backup names is gone, or is not that Backup's. */
    public static final String BACKUP_SNAPSHOT_MISSING = "CloudNativePGBackupSnapshotMissing";
    /** An online Backup whose backup_label cannot be read: its data volume cannot be started without it. */
    public static final String BACKUP_LABEL_MISSING = "CloudNativePGBackupLabelMissing";

    private CnpgReasons() {}
    /** A CloneSource names a Cluster with walStorage: its shared snapshots are of one volume, which would lack the WAL. */
    public static final String WAL_STORAGE_NOT_SHAREABLE = "CloudNativePGWalStorageNotShareable";
}
