package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.SnapshotStatus;
import dev.pgclone.operator.postgres.CheckpointResult;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.postgres.SourceConnection;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.Optional;

/**
 * SnapshotReady: a ready VolumeSnapshot of the source. For source.pvcName the operator takes one
 * (owned by the clone, deleted with it); for source.snapshotName it uses the given one and never
 * deletes it; for source.cloneSource it uses a snapshot in the source namespace, shared within the
 * CloneSource's snapshotMaxAge, bound into the clone's namespace ({@link SourceSnapshotUse}).
 */
final class SnapshotStep implements CloneStep {

    /** Given snapshots are not ours and not watched: how often to look again while they are not ready. */
    static final Duration GIVEN_SNAPSHOT_RECHECK = Duration.ofSeconds(10);
    /** A CHECKPOINT that takes longer than this is abandoned; the snapshot is crash-consistent anyway. */
    static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(60);

    private final BackgroundWork work;
    private final SourceCheckpointer checkpointer;

    private final SourceSnapshotUse sourceSnapshots = new SourceSnapshotUse();

    SnapshotStep(BackgroundWork work, SourceCheckpointer checkpointer) {
        this.work = work;
        this.checkpointer = checkpointer;
    }

    @Override
    public String name() {
        return "snapshot";
    }

    @Override
    public String condition() {
        return Conditions.SNAPSHOT_READY;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        var source = ctx.clone().getSpec().getSource();
        if (source.getCloneSource() != null) {
            Optional<VolumeSnapshot> bound = taken(ctx);
            return bound.isPresent() ? readiness(ctx, bound.get()) : sourceSnapshots.bind(ctx, this::checkpointThen);
        }
        if (!ctx.sourceNamespace().equals(ctx.namespace())) {
            return Outcome.fail(Reasons.CROSS_NAMESPACE_NOT_ALLOWED, "the source is in namespace " + ctx.sourceNamespace()
                    + " and the clone in " + ctx.namespace() + ": a clone may only name a PVC or snapshot of its own namespace; "
                    + "to clone across namespaces, ask the owners of " + ctx.sourceNamespace() + " for a CloneSource that allows "
                    + ctx.namespace() + " and set spec.source.cloneSource instead");
        }
        if (ctx.owned(PersistentVolumeClaim.class, Names.volume(ctx.clone())).isEmpty()) {
            // until the copy exists: a copy of a CloneSource's data is not to be had without the CloneSource's rules
            Optional<Outcome> refused = provenance(ctx);
            if (refused.isPresent()) {
                return refused.get();
            }
        }
        Optional<VolumeSnapshot> snapshot = source.getSnapshotName() != null ? given(ctx, source.getSnapshotName()) : taken(ctx);
        if (snapshot.isEmpty()) {
            return source.getSnapshotName() != null
                    ? Outcome.retry(Reasons.SNAPSHOT_NOT_FOUND, "VolumeSnapshot " + ctx.sourceNamespace() + "/" + source.getSnapshotName()
                            + " does not exist: check spec.source.snapshotName and spec.source.namespace")
                    : createSnapshot(ctx);
        }
        return readiness(ctx, snapshot.get());
    }

    /**
     * Refuses a PVC or snapshot that holds a copy of a CloneSource's data ({@link SourceProvenance}),
     * and one whose origin cannot be told in a namespace that some CloneSource lets hold its data.
     * Both wait for a spec change: the chain they are decided on cannot change.
     */
    private static Optional<Outcome> provenance(CloneContext ctx) {
        var source = ctx.clone().getSpec().getSource();
        SourceProvenance.Verdict verdict = SourceProvenance.of(ctx.client(), ctx.ownership(), ctx.namespace(),
                source.getPvcName(), source.getSnapshotName());
        if (verdict instanceof SourceProvenance.Derived derived) {
            return Optional.of(Outcome.fail(Reasons.DERIVED_FROM_CLONE_SOURCE, derived.how() + ": data of a CloneSource can only be cloned"
                    + " through that CloneSource, with its grant, masking and isolation; set spec.source.cloneSource instead of "
                    + (source.getPvcName() != null ? "spec.source.pvcName" : "spec.source.snapshotName")));
        }
        if (verdict instanceof SourceProvenance.Unknown unknown) {
            Optional<String> granting = ctx.cloneSources()
                    .filter(cs -> !cs.getMetadata().getNamespace().equals(ctx.namespace()) && cs.getSpec() != null
                            && CloneSourceGrant.allows(ctx.client(), cs, ctx.namespace()))
                    .map(cs -> cs.getMetadata().getNamespace() + "/" + cs.getMetadata().getName()).sorted().findFirst();
            if (granting.isPresent()) {
                return Optional.of(Outcome.fail(Reasons.SOURCE_PROVENANCE_UNKNOWN, unknown.how() + ": where this data came from cannot"
                        + " be told, and namespace " + ctx.namespace() + " may hold data of CloneSource " + granting.get()
                        + "; clone the original volume, or recreate the PVC from a snapshot that still exists"));
            }
        }
        return Optional.empty();
    }

    /** The clone's snapshot exists: wait for it, report it, and let the volume be restored once it is ready. */
    private Outcome readiness(CloneContext ctx, VolumeSnapshot vs) {
        var source = ctx.clone().getSpec().getSource();
        var st = vs.getStatus();
        if (CloneSnapshots.failed(vs)) {
            return Outcome.retry(Reasons.SNAPSHOT_FAILED, "VolumeSnapshot " + vs.getMetadata().getName() + " failed: "
                    + st.getError().getMessage() + (source.getSnapshotName() == null
                            ? " (check that spec.source.volumeSnapshotClassName names a class of the PVC's CSI driver)" : ""));
        }
        if (st == null || !Boolean.TRUE.equals(st.getReadyToUse())) {
            Finding found = Finding.isFalse(Reasons.SNAPSHOT_CREATED, "waiting for VolumeSnapshot " + vs.getMetadata().getName() + " to become ready");
            return source.getSnapshotName() != null ? Outcome.recheckAfter(GIVEN_SNAPSHOT_RECHECK, found) : Outcome.waitFor(found);
        }
        Map<String, String> annotations = vs.getMetadata().getAnnotations() == null ? Map.of() : vs.getMetadata().getAnnotations();
        // a clone of a CloneSource reports the source snapshot it shares and when that was taken
        String created = annotations.containsKey(Annotations.DATA_AS_OF) ? annotations.get(Annotations.DATA_AS_OF)
                : st.getCreationTime() != null ? st.getCreationTime() : vs.getMetadata().getCreationTimestamp();
        String[] reported = annotations.containsKey(Annotations.SOURCE_SNAPSHOT) ? annotations.get(Annotations.SOURCE_SNAPSHOT).split("/", 2)
                : new String[] {vs.getMetadata().getNamespace(), vs.getMetadata().getName()};
        String checkpointNote = annotations.get(Annotations.CHECKPOINT);
        String caveat = checkpointNote != null && checkpointNote.startsWith(Annotations.CHECKPOINT_FAILED_PREFIX)
                ? "; no CHECKPOINT ran before it (" + checkpointNote.substring(Annotations.CHECKPOINT_FAILED_PREFIX.length())
                        + "), so the clone's crash recovery may take longer" : "";
        ctx.status().setSnapshot(new SnapshotStatus(reported[1], reported[0], created,
                st.getRestoreSize() == null ? null : st.getRestoreSize().toString()));
        ctx.status().setDataAsOf(created);
        Finding ready = Finding.isTrue(Reasons.SNAPSHOT_READY, "VolumeSnapshot " + vs.getMetadata().getName() + " is ready"
                + (annotations.containsKey(Annotations.SOURCE_SNAPSHOT) ? " (bound to " + annotations.get(Annotations.SOURCE_SNAPSHOT) + ")" : "") + (st.getRestoreSize() == null ? "" : " (restore size " + st.getRestoreSize() + ")")
                + caveat);
        // only a snapshot the operator took has a snapshotting time of this clone's
        return Outcome.proceed(source.getSnapshotName() == null ? ready.since(vs.getMetadata().getCreationTimestamp()) : ready);
    }

    private static boolean checkpointRequested(CloneContext ctx) {
        var checkpoint = ctx.clone().getSpec().getSource().getCheckpoint();
        return checkpoint != null && checkpoint.getSecretName() != null && !checkpoint.getSecretName().isBlank();
    }

    private static String checkpointKey(CloneContext ctx) {
        return "checkpoint/" + ctx.clone().getMetadata().getUid();
    }

    /**
     * CHECKPOINT runs on the background pool: on a busy production server it can take a while.
     * Connection problems do not stop the clone, they only cost recovery time, so every failure
     * here ends in a result that {@link #checkpointOutcome} turns into a warning.
     */
    private Outcome startCheckpoint(CloneContext ctx) {
        String key = checkpointKey(ctx);
        if (!work.running(key)) {
            Supplier<CheckpointResult> task = checkpointTask(ctx);
            if (!work.submit(BackgroundWork.Lane.CHECKPOINT, key, ResourceID.fromResource(ctx.clone()), task)) {
                return Outcome.recheckAfter(Duration.ofSeconds(5));
            }
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.CHECKPOINTING, work.waiting(key)
                ? "waiting for a worker to run CHECKPOINT on the source: " + work.waitingReason(BackgroundWork.Lane.CHECKPOINT, ctx.namespace())
                : "running CHECKPOINT on the source so the clone recovers quickly, then taking the snapshot"));
    }

    /** The CHECKPOINT to run, or, when the Secret does not lead to a connection, a failed result saying why. */
    private Supplier<CheckpointResult> checkpointTask(CloneContext ctx) {
        String secretName = ctx.clone().getSpec().getSource().getCheckpoint().getSecretName();
        String where = "Secret " + ctx.sourceNamespace() + "/" + secretName;
        Secret secret = ctx.client().secrets().inNamespace(ctx.sourceNamespace()).withName(secretName).get();
        if (secret == null) {
            return failedCheckpoint(where + " named by spec.source.checkpoint.secretName does not exist");
        }
        Map<String, String> data = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().keySet().forEach(k -> data.put(k, CloneSecrets.value(secret, k)));
        }
        if (secret.getStringData() != null) {
            data.putAll(secret.getStringData());
        }
        try {
            SourceConnection connection = SourceConnection.fromSecretData(data, ctx.sourceNamespace());
            return () -> checkpointer.checkpoint(connection, CHECKPOINT_TIMEOUT);
        } catch (IllegalArgumentException e) {
            return failedCheckpoint(where + " is not usable: " + e.getMessage());
        }
    }

    private static Supplier<CheckpointResult> failedCheckpoint(String message) {
        CheckpointResult result = new CheckpointResult(false, 0.0, message);
        return () -> result;
    }

    private static String checkpointOutcome(CloneContext ctx, BackgroundWork.Finished<CheckpointResult> done) {
        CheckpointResult result = done.result();
        if (result != null && result.succeeded()) {
            ctx.timings().setCheckpointSeconds(PreparationStep.round(result.durationSeconds()));
            return "done in " + PreparationStep.round(result.durationSeconds()) + "s";
        }
        String why = result == null ? "unexpected error: " + done.crash() : result.message();
        String consequence = "; taking the snapshot anyway (it is crash-consistent), but the clone's recovery may take longer";
        if (ctx.cloneSource() != null && !ctx.namespace().equals(ctx.sourceNamespace())) {
            // the reason names production's host and user: only the CloneSource's owners see it
            ctx.events().warning(ctx.cloneSource(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT before a snapshot for DatabaseClone "
                    + ctx.namespace() + "/" + ctx.clone().getMetadata().getName() + " failed: " + why + consequence);
            ctx.events().warning(ctx.clone(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT on the source of CloneSource "
                    + ctx.clone().getSpec().getSource().getCloneSource() + " failed (its owners see why in its events)" + consequence);
        } else {
            ctx.events().warning(ctx.clone(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT on the source failed: " + why + consequence);
        }
        return Annotations.CHECKPOINT_FAILED_PREFIX + why;
    }

    private Optional<VolumeSnapshot> given(CloneContext ctx, String name) {
        return Optional.ofNullable(ctx.client().resources(VolumeSnapshot.class).inNamespace(ctx.sourceNamespace()).withName(name).get());
    }

    private Optional<VolumeSnapshot> taken(CloneContext ctx) {
        return ctx.owned(VolumeSnapshot.class, Names.snapshot(ctx.clone()));
    }

    private Outcome createSnapshot(CloneContext ctx) {
        String pvcName = ctx.clone().getSpec().getSource().getPvcName();
        PersistentVolumeClaim sourcePvc = ctx.client().persistentVolumeClaims().inNamespace(ctx.sourceNamespace()).withName(pvcName).get();
        if (sourcePvc == null) {
            return Outcome.retry(Reasons.SOURCE_NOT_FOUND, "PersistentVolumeClaim " + ctx.sourceNamespace() + "/" + pvcName
                    + " does not exist: check spec.source.pvcName and spec.source.namespace");
        }
        return checkpointThen(ctx, checkpointNote -> {
            VolumeSnapshot created = ctx.create(CloneSnapshots.desired(ctx.clone(), checkpointNote));
            ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Created VolumeSnapshot " + created.getMetadata().getName()
                    + " of " + ctx.describeSource());
            return Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED,
                    "snapshot " + created.getMetadata().getName() + " of " + ctx.describeSource() + " requested"));
        });
    }

    /**
     * Runs the CHECKPOINT first when the source asks for one (in the background: the outcome is
     * to wait), then takes the snapshot with a note of how the CHECKPOINT went (null: none asked for).
     */
    Outcome checkpointThen(CloneContext ctx, Function<String, Outcome> takeSnapshot) {
        String checkpointNote = null;
        if (checkpointRequested(ctx)) {
            Optional<BackgroundWork.Finished<CheckpointResult>> done = work.take(checkpointKey(ctx));
            if (done.isEmpty()) {
                return startCheckpoint(ctx);
            }
            checkpointNote = checkpointOutcome(ctx, done.get());
        }
        return takeSnapshot.apply(checkpointNote);
    }
}
