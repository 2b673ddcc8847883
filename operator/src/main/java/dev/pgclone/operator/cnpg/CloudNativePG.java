package dev.pgclone.operator.cnpg;

/**
 * The names CloudNativePG gives its API, labels, annotations and files, as its operator writes
 * them (each is listed, with what it is used for, in docs/cloudnativepg.md).
 */
public final class CloudNativePG {

    public static final String GROUP = "postgresql.cnpg.io";
    public static final String API_VERSION = GROUP + "/v1";
    public static final String CLUSTER = "Cluster";
    public static final String BACKUP = "Backup";
    public static final String IMAGE_CATALOG = "ImageCatalog";
    public static final String CLUSTER_IMAGE_CATALOG = "ClusterImageCatalog";

    /** On instance Pods and PVCs (and VolumeSnapshots of a Backup): the Cluster's name. */
    public static final String CLUSTER_LABEL = "cnpg.io/cluster";
    /** On instance Pods and PVCs: the instance's name, which is also the Pod's and the data PVC's name. */
    public static final String INSTANCE_NAME_LABEL = "cnpg.io/instanceName";
    /** On instance Pods: {@value #ROLE_PRIMARY} or {@value #ROLE_REPLICA}. */
    public static final String INSTANCE_ROLE_LABEL = "cnpg.io/instanceRole";
    /** The role label older CloudNativePG versions write instead of (and current ones beside) {@link #INSTANCE_ROLE_LABEL}. */
    public static final String LEGACY_ROLE_LABEL = "role";
    /** On instance PVCs: {@value #PVC_ROLE_DATA}, {@value #PVC_ROLE_WAL} or {@value #PVC_ROLE_TABLESPACE}. */
    public static final String PVC_ROLE_LABEL = "cnpg.io/pvcRole";
    /** On a Backup's VolumeSnapshots: the Backup's name. */
    public static final String BACKUP_NAME_LABEL = "cnpg.io/backupName";
    /** On a Backup's VolumeSnapshots: the PostgreSQL major the backup was taken with. */
    public static final String MAJOR_VERSION_LABEL = "cnpg.io/majorVersion";
    /** On a completed online Backup's VolumeSnapshots: the backup_label file, base64 (standard alphabet). */
    public static final String BACKUP_LABEL_FILE_ANNOTATION = "cnpg.io/backupLabelFile";

    public static final String ROLE_PRIMARY = "primary";
    public static final String ROLE_REPLICA = "replica";
    public static final String PVC_ROLE_DATA = "PG_DATA";
    public static final String PVC_ROLE_WAL = "PG_WAL";
    public static final String PVC_ROLE_TABLESPACE = "PG_TABLESPACE";

    /** The WAL PVC of an instance is named {@code <instance>-wal}; its data PVC {@code <instance>}. */
    public static final String WAL_PVC_SUFFIX = "-wal";
    /** PGDATA inside the data volume (mounted at /var/lib/postgresql/data, PGDATA /var/lib/postgresql/data/pgdata). */
    public static final String DATA_DIRECTORY = dev.pgclone.operator.api.v1alpha1.Defaults.CLOUDNATIVEPG_DATA_DIRECTORY;
    /** pg_wal inside the WAL volume (mounted at /var/lib/postgresql/wal, pg_wal at /var/lib/postgresql/wal/pg_wal). */
    public static final String WAL_DIRECTORY = dev.pgclone.operator.api.v1alpha1.Defaults.WAL_DIRECTORY;
    /** The Cluster's superuser Secret without spec.superuserSecret: {@code <cluster>-superuser}. */
    public static final String SUPERUSER_SECRET_SUFFIX = "-superuser";
    /** spec.postgresUID when not set. */
    public static final long DEFAULT_POSTGRES_UID = 26;

    public static final String BACKUP_METHOD_VOLUME_SNAPSHOT = "volumeSnapshot";
    /** spec.method when not set. */
    public static final String DEFAULT_BACKUP_METHOD = "barmanObjectStore";
    public static final String BACKUP_PHASE_COMPLETED = "completed";
    public static final String BACKUP_PHASE_FAILED = "failed";
    /** status.instancesStatus key of the instances CloudNativePG found active and ready. */
    public static final String INSTANCES_HEALTHY = "healthy";

    private CloudNativePG() {}
}
