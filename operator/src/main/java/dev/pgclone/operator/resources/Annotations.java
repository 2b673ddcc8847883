package dev.pgclone.operator.resources;

/** Annotations the operator writes on the objects it owns, to keep its progress in the cluster, not in memory. */
public final class Annotations {

    /** On the PVC: the source it was restored from, to enforce that spec.source never changes. */
    public static final String SOURCE = "pgclone.dev/source";
    /**
     * On the PVC: preparation progress, {@code started}, {@code done} or {@code failed}, sealed to the
     * PVC ({@link Ownership#seal}). A PVC found {@code started} without a preparation running in this
     * process was interrupted by a restart, and one whose value the operator did not write was
     * tampered with: either is discarded and re-cloned, so post-clone SQL never runs twice on one
     * copy and nobody can mark a copy prepared that was not.
     */
    public static final String PREPARATION = "pgclone.dev/preparation";
    public static final String PREPARATION_STARTED = "started";
    public static final String PREPARATION_DONE = "done";
    public static final String PREPARATION_FAILED = "failed";
    /**
     * On a clone's PVC whose preparation failed: {@code <generation>/<reason>/<message>}, sealed like
     * {@link #PREPARATION}. The copy keeps why it failed, and for which spec, so the failure is
     * reported the same after any restart, and a spec edit restores a fresh copy.
     */
    public static final String PREPARATION_FAILURE = "pgclone.dev/preparation-failure";

    /**
     * On a VolumeSnapshot the operator took: how the CHECKPOINT before it went, e.g. "done in 2.1s"
     * or "failed: ...". Kept on the snapshot so the clone's status can say, after any restart,
     * whether crash recovery may take longer.
     */
    public static final String CHECKPOINT = "pgclone.dev/checkpoint";
    public static final String CHECKPOINT_FAILED_PREFIX = "failed: ";

    /**
     * On the snapshot of a source's WAL volume: the backup_label text pg_backup_stop returned for the
     * online backup inside which both volumes were snapshotted. The clone's bootstrap installs it, so
     * its recovery starts at the backup's checkpoint and refuses to end before the backup's end.
     */
    public static final String BACKUP_LABEL = "pgclone.dev/backup-label";

    /**
     * On a clone's own VolumeSnapshot of a CloneSource: the source snapshot it is bound to
     * ({@code namespace/name}) and when that was taken, which is when the clone's data is from.
     */
    public static final String SOURCE_SNAPSHOT = "pgclone.dev/source-snapshot";
    public static final String DATA_AS_OF = "pgclone.dev/data-as-of";

    private Annotations() {}
}
