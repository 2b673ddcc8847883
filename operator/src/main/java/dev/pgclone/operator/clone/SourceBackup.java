package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.postgres.BackupResult;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.postgres.SourceConnection;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The snapshots of a source whose WAL lives on a volume of its own (spec.source.walPvcName, e.g.
 * CloudNativePG's walStorage). Two snapshots of a running server are never of one instant, so they
 * are taken the way an online backup copies files: pg_backup_start on the source (a fast
 * checkpoint), the data volume's snapshot, cut; pg_backup_stop, which returns the backup label; the
 * WAL volume's snapshot, which then holds every WAL record up to the backup's end, with the label
 * on it. The clone's bootstrap installs the label, so its recovery starts at the backup's
 * checkpoint and PostgreSQL itself refuses to finish before the backup's end
 * (docs/architecture.md, "Sources with a WAL volume").
 *
 * <p>One session holds the backup, on the checkpoint lane: if the operator stops or anything
 * fails before the WAL snapshot exists, the source aborts the backup by itself, and a data
 * snapshot without its WAL snapshot is deleted by the snapshot step and taken again. Production is
 * only read: the backup writes nothing but its checkpoint and WAL records.
 */
final class SourceBackup {

    /** For connecting and for each of pg_backup_start (its fast checkpoint) and pg_backup_stop. */
    static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(120);
    /** How long the data volume's snapshot may take to be cut before the backup is abandoned. */
    static final Duration CUT_TIMEOUT = Duration.ofMinutes(10);
    private static final long CUT_POLL_MS = 100;

    private final BackgroundWork work;
    private final SourceCheckpointer checkpointer;

    SourceBackup(BackgroundWork work, SourceCheckpointer checkpointer) {
        this.work = work;
        this.checkpointer = checkpointer;
    }

    /** A source with a WAL volume of its own, named by the clone itself. */
    static boolean applies(CloneContext ctx) {
        var source = ctx.clone().getSpec().getSource();
        return source.getWalPvcName() != null && !source.getWalPvcName().isBlank() && source.getCloneSource() == null;
    }

    private static String key(CloneContext ctx) {
        return key(ctx.clone().getMetadata().getUid());
    }

    /** The background work of a clone's online backup. */
    static String key(String cloneUid) {
        return "backup/" + cloneUid;
    }

    Outcome run(CloneContext ctx, SnapshotStep snapshot) {
        String key = key(ctx);
        Optional<BackgroundWork.Finished<BackupResult>> done = work.take(key);
        if (done.isPresent()) {
            BackupResult result = done.get().result();
            if (result != null && result.succeeded()) {
                ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Snapshots " + Names.snapshot(ctx.clone()) + " and "
                        + Names.walSnapshot(ctx.clone()) + " taken inside an " + result.message());
                return Outcome.proceed().learned(new Learned.CheckpointSeconds(PreparationStep.round(result.durationSeconds())));
            }
            String why = result == null ? "unexpected error: " + done.get().crash() : result.message();
            return failed(ctx, why);
        }
        if (work.running(key) || work.waiting(key)) {
            return waiting(ctx, key);
        }
        if (!snapshot.takesNewSnapshot(ctx)) {
            return Outcome.proceed();
        }
        SourceConnection connection;
        try {
            connection = CheckpointStep.connection(ctx);
        } catch (IllegalArgumentException e) {
            return failed(ctx, e.getMessage());
        }
        if (!work.submit(BackgroundWork.Lane.CHECKPOINT, key, ResourceID.fromResource(ctx.clone()),
                task(ctx.client(), ctx.ownership(), ctx.clone(), connection, ctx.sourceInstanceAddress()))) {
            return Outcome.recheckAfter(Duration.ofSeconds(5));
        }
        return waiting(ctx, key);
    }

    private Outcome waiting(CloneContext ctx, String key) {
        return Outcome.waitFor(Finding.isFalse(Reasons.BACKING_UP, work.waiting(key)
                ? "waiting for a worker to run the online backup on the source: " + work.waitingReason(BackgroundWork.Lane.CHECKPOINT, ctx.namespace())
                : "online backup on the source: snapshot of " + ctx.clone().getSpec().getSource().getPvcName() + " between pg_backup_start and"
                        + " pg_backup_stop, then of the WAL volume " + ctx.clone().getSpec().getSource().getWalPvcName()));
    }

    /**
     * The source's owners are the clone's (same namespace): the reason, which may name the source's host
     * and user, goes into the condition; the next attempt comes with the reconciler's backoff.
     */
    private static Outcome failed(CloneContext ctx, String why) {
        String message = "the online backup around the snapshots of " + ctx.describeSource() + " failed: " + why
                + "; nothing was kept, it is tried again";
        ctx.events().warning(ctx.clone(), Reasons.SOURCE_BACKUP_FAILED, message);
        return Outcome.retry(Reasons.SOURCE_BACKUP_FAILED, message);
    }

    /** Runs on the checkpoint lane: the backup with the data snapshot inside it, then the WAL snapshot with the label. */
    private Supplier<BackupResult> task(KubernetesClient client, Ownership ownership, DatabaseClone clone, SourceConnection connection,
                                        String serverAddress) {
        String uid = clone.getMetadata().getUid();
        return () -> {
            BackupResult result = checkpointer.backup(connection, STATEMENT_TIMEOUT, serverAddress, () -> cut(client, ownership, clone));
            if (result.succeeded()) {
                try {
                    ownership.createControlled(CloneSnapshots.desiredWal(clone, result.backupLabel()), uid);
                    return result;
                } catch (RuntimeException e) {
                    result = BackupResult.failed(result.durationSeconds(), "the snapshot of the WAL volume could not be created: " + e.getMessage());
                }
            }
            // a data snapshot without the WAL up to the backup's end cannot be recovered: it goes (only ours, never a namesake)
            VolumeSnapshot data = client.resources(VolumeSnapshot.class).inNamespace(clone.getMetadata().getNamespace())
                    .withName(Names.snapshot(clone)).get();
            if (data != null) {
                ownership.deleteIfControlled(data, uid);
            }
            return result;
        };
    }

    /** Creates the data volume's snapshot and waits until the storage has cut it (creationTime set, or ready). */
    private static String cut(KubernetesClient client, Ownership ownership, DatabaseClone clone) throws InterruptedException {
        long start = System.nanoTime();
        VolumeSnapshot created = ownership.createControlled(CloneSnapshots.desired(clone, null), clone.getMetadata().getUid());
        String name = created.getMetadata().getName();
        long deadline = start + CUT_TIMEOUT.toNanos();
        while (true) {
            VolumeSnapshot vs = client.resources(VolumeSnapshot.class).inNamespace(clone.getMetadata().getNamespace()).withName(name).get();
            if (vs == null || vs.getMetadata().getDeletionTimestamp() != null) {
                throw new IllegalStateException("VolumeSnapshot " + name + " was deleted before it was cut");
            }
            if (CloneSnapshots.failed(vs)) {
                throw new IllegalStateException("VolumeSnapshot " + name + " failed: " + vs.getStatus().getError().getMessage());
            }
            if (vs.getStatus() != null && (vs.getStatus().getCreationTime() != null || Boolean.TRUE.equals(vs.getStatus().getReadyToUse()))) {
                return "snapshot " + name + " of " + clone.getSpec().getSource().getPvcName() + " cut after "
                        + PreparationStep.round((System.nanoTime() - start) / 1e9) + " s";
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("VolumeSnapshot " + name + " was not cut within " + CUT_TIMEOUT.toMinutes()
                        + " min (check the CSI driver and spec.source.volumeSnapshotClassName)");
            }
            Thread.sleep(CUT_POLL_MS);
        }
    }
}
