package dev.pgclone.operator.status;

import dev.pgclone.operator.postgres.PreparationResult;

/** Condition and event reasons, CamelCase, each explained in docs/troubleshooting.md (DocsTest fails on one that is not). */
public final class Reasons {

    // progress
    public static final String CHECKPOINTING = "Checkpointing";
    /** An online backup on the source holds while its data volume is snapshotted (a source with a WAL volume). */
    public static final String BACKING_UP = "BackingUp";
    public static final String SNAPSHOT_CREATED = "SnapshotCreated";
    public static final String SNAPSHOT_READY = "SnapshotReady";
    public static final String VOLUME_PENDING = "VolumePending";
    public static final String VOLUME_BOUND = "VolumeBound";
    public static final String POD_STARTING = "PodStarting";
    public static final String POSTGRES_RUNNING = "PostgresRunning";
    public static final String PREPARING = "Preparing";
    public static final String PREPARED = "Prepared";
    public static final String CLONE_READY = "CloneReady";
    public static final String WAITING = "Waiting";

    // failures a user can fix
    public static final String INVALID_SPEC = "InvalidSpec";
    /** The name cannot be used for what is named after it (Service name, label value); names cannot change: recreate. */
    public static final String INVALID_NAME = "InvalidName";
    /** The API server refused an object the operator made from the spec and name (HTTP 422); the message is the server's. */
    public static final String REJECTED_BY_API_SERVER = "RejectedByApiServer";
    public static final String SOURCE_CHANGED = "SourceChanged";
    public static final String SOURCE_NOT_FOUND = "SourceNotFound";
    public static final String SNAPSHOT_NOT_FOUND = "SnapshotNotFound";
    public static final String SNAPSHOT_FAILED = "SnapshotFailed";
    public static final String CROSS_NAMESPACE_NOT_ALLOWED = "CrossNamespaceNotAllowed";
    public static final String CLONE_SOURCE_NOT_FOUND = "CloneSourceNotFound";
    public static final String CLONE_SOURCE_INVALID = "CloneSourceInvalid";
    public static final String NAMESPACE_NOT_ALLOWED = "NamespaceNotAllowed";
    public static final String SOURCE_POST_CLONE_NOT_FOUND = "SourcePostCloneNotFound";
    public static final String ACCESS_REVOKED = "AccessRevoked";
    public static final String SOURCE_READY = "SourceReady";
    public static final String SOURCE_PVC_NOT_FOUND = "PvcNotFound";
    public static final String VOLUME_LOST = "VolumeLost";
    public static final String CREDENTIALS_SECRET_NOT_FOUND = "CredentialsSecretNotFound";
    public static final String POST_CLONE_CONFIGMAP_NOT_FOUND = "PostCloneConfigMapNotFound";
    public static final String BOOTSTRAP_FAILED = "BootstrapFailed";
    public static final String IMAGE_PULL_FAILED = "ImagePullFailed";
    public static final String POD_UNSCHEDULABLE = "PodUnschedulable";
    public static final String UNREACHABLE = "Unreachable";
    public static final String PREPARATION_FAILED = "PreparationFailed";
    public static final String POST_CLONE_TIMEOUT = PreparationResult.POST_CLONE_TIMEOUT;
    public static final String PREPARATION_INTERRUPTED = "PreparationInterrupted";
    public static final String EXPIRED = "Expired";
    public static final String CHECKPOINT_FAILED = "CheckpointFailed";
    /** The online backup around the snapshots of a source with a WAL volume failed; nothing was kept, it is tried again. */
    public static final String SOURCE_BACKUP_FAILED = "SourceBackupFailed";
    /** A CloudNativePG Cluster with walStorage and superuser access disabled, and no checkpoint Secret: no connection for the backup. */
    public static final String CLOUDNATIVEPG_NO_BACKUP_CONNECTION = "CloudNativePGNoBackupConnection";
    /** (event) Which instance of a CloudNativePG Cluster is snapshotted, when that is not what the spec's words alone say. */
    public static final String CLOUDNATIVEPG_INSTANCE_CHOSEN = "CloudNativePGInstanceChosen";
    /** An object under a name the operator needs exists and is not the operator's (never touched). */
    public static final String NAME_CONFLICT = "NameConflict";
    /** The given PVC or snapshot holds (a copy of) a CloneSource's data: clone the CloneSource instead. */
    public static final String DERIVED_FROM_CLONE_SOURCE = "DerivedFromCloneSource";
    /** Where the given PVC or snapshot's data came from cannot be told, in a namespace that may hold a CloneSource's data. */
    public static final String SOURCE_PROVENANCE_UNKNOWN = "SourceProvenanceUnknown";
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";
    public static final String PARAMETER_NOT_ALLOWED = "ParameterNotAllowed";
    public static final String CLONE_SOURCE_AT_CAPACITY = "CloneSourceAtCapacity";

    // RefreshSchedule
    public static final String CLONE_SERVING = "CloneServing";
    public static final String CLONE_NOT_READY = "CloneNotReady";
    public static final String NO_CLONE_YET = "NoCloneYet";
    public static final String NO_RUN_YET = "NoRunYet";
    public static final String REFRESHING = "Refreshing";
    public static final String REFRESHED = "Refreshed";
    public static final String REFRESH_STARTED = "RefreshStarted";
    public static final String REFRESH_FAILED = "RefreshFailed";
    public static final String RUN_SKIPPED = "RunSkipped";
    public static final String CLONE_PRUNED = "ClonePruned";
    public static final String ACTIVE_CLONE_LOST = "ActiveCloneLost";
    public static final String INVALID_SCHEDULE = "InvalidSchedule";
    public static final String INVALID_TIME_ZONE = "InvalidTimeZone";

    // MigrationRehearsal
    public static final String CLONING = "Cloning";
    public static final String MEASURING_BASELINE = "MeasuringBaseline";
    public static final String MIGRATING = "Migrating";
    public static final String CHECKING = "Checking";
    public static final String MIGRATED = "Migrated";
    public static final String REHEARSAL_PASSED = "RehearsalPassed";
    public static final String REHEARSAL_FAILED = "RehearsalFailed";
    /** The rehearsal's clone failed to become Ready; the clone's own condition says why. */
    public static final String CLONE_FAILED = "CloneFailed";
    /** The rehearsal's clone was deleted while the rehearsal needed it. */
    public static final String CLONE_LOST = "CloneLost";
    /** The operator restarted while the rehearsal ran: what ran before is unknown, the evidence incomplete. */
    public static final String REHEARSAL_INTERRUPTED = "RehearsalInterrupted";
    public static final String MIGRATION_CONFIGMAP_NOT_FOUND = "MigrationConfigMapNotFound";
    public static final String CLONE_DELETED = "CloneDeleted";

    // masked snapshots (CloneSource spec.masking.mode Snapshot)
    /** A clone of a source in mode Snapshot waits: no masked snapshot has been published yet. */
    public static final String MASKED_SNAPSHOT_NOT_READY = "MaskedSnapshotNotReady";
    public static final String MASKED_SNAPSHOT_BUILDING = "MaskedSnapshotBuilding";
    public static final String MASKED_SNAPSHOT_PUBLISHED = "MaskedSnapshotPublished";
    /** A masking script, the rewrite or the clean stop failed: nothing was published. */
    public static final String MASKING_FAILED = dev.pgclone.operator.postgres.MaskingResult.MASKING_FAILED;
    /** The PII check found personal data and failOnFindings is set: nothing was published. */
    public static final String PII_FOUND = dev.pgclone.operator.postgres.MaskingResult.PII_FOUND;
    /** The operator restarted during a build's rewrite: the build is abandoned, the next one starts afresh. */
    public static final String MASKING_INTERRUPTED = dev.pgclone.operator.postgres.MaskingResult.MASKING_INTERRUPTED;

    private Reasons() {}
}
