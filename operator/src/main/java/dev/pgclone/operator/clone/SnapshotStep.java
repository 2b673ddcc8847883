package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.SnapshotStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.Optional;

/**
 * SnapshotReady: a ready VolumeSnapshot of the source. For source.pvcName the operator takes one
 * (owned by the clone, deleted with it); for source.snapshotName it uses the given one and never
 * deletes it. Once the clone's volume exists the snapshot has done its job and is not re-checked.
 */
final class SnapshotStep implements CloneStep {

    /** Given snapshots are not ours and not watched: how often to look again while they are not ready. */
    static final Duration GIVEN_SNAPSHOT_RECHECK = Duration.ofSeconds(10);

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
        if (!ctx.sourceNamespace().equals(ctx.namespace())) {
            return Outcome.fail(Reasons.CROSS_NAMESPACE_NOT_ALLOWED, "the source is in namespace " + ctx.sourceNamespace()
                    + " and the clone in " + ctx.namespace() + ": cloning across namespaces needs the source namespace's grant, "
                    + "which this version does not support yet; create the DatabaseClone in " + ctx.sourceNamespace()
                    + " or leave spec.source.namespace unset");
        }
        Optional<VolumeSnapshot> snapshot = source.getSnapshotName() != null ? given(ctx, source.getSnapshotName()) : taken(ctx);
        if (snapshot.isEmpty()) {
            return source.getSnapshotName() != null
                    ? Outcome.retry(Reasons.SNAPSHOT_NOT_FOUND, "VolumeSnapshot " + ctx.sourceNamespace() + "/" + source.getSnapshotName()
                            + " does not exist: check spec.source.snapshotName and spec.source.namespace")
                    : createSnapshot(ctx);
        }
        VolumeSnapshot vs = snapshot.get();
        var st = vs.getStatus();
        if (st != null && st.getError() != null && st.getError().getMessage() != null && !Boolean.TRUE.equals(st.getReadyToUse())) {
            return Outcome.retry(Reasons.SNAPSHOT_FAILED, "VolumeSnapshot " + vs.getMetadata().getName() + " failed: "
                    + st.getError().getMessage() + (source.getSnapshotName() == null
                            ? " (check that spec.source.volumeSnapshotClassName names a class of the PVC's CSI driver)" : ""));
        }
        if (st == null || !Boolean.TRUE.equals(st.getReadyToUse())) {
            ctx.condition(Conditions.SNAPSHOT_READY, Condition.FALSE, Reasons.SNAPSHOT_CREATED,
                    "waiting for VolumeSnapshot " + vs.getMetadata().getName() + " to become ready");
            return source.getSnapshotName() != null ? Outcome.recheckAfter(GIVEN_SNAPSHOT_RECHECK) : Outcome.waitFor();
        }
        String created = st.getCreationTime() != null ? st.getCreationTime() : vs.getMetadata().getCreationTimestamp();
        ctx.status().setSnapshot(new SnapshotStatus(vs.getMetadata().getName(), vs.getMetadata().getNamespace(), created,
                st.getRestoreSize() == null ? null : st.getRestoreSize().toString()));
        ctx.status().setDataAsOf(created);
        boolean becameReady = ctx.condition(Conditions.SNAPSHOT_READY, Condition.TRUE, Reasons.SNAPSHOT_READY,
                "VolumeSnapshot " + vs.getMetadata().getName() + " is ready" + (st.getRestoreSize() == null ? "" : " (restore size " + st.getRestoreSize() + ")"));
        if (becameReady && source.getSnapshotName() == null) {
            ctx.timings().setSnapshotSeconds(ctx.secondsSince(vs.getMetadata().getCreationTimestamp()));
        }
        return Outcome.proceed();
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
        VolumeSnapshot created = ctx.create(CloneSnapshots.desired(ctx.clone()));
        ctx.condition(Conditions.SNAPSHOT_READY, Condition.FALSE, Reasons.SNAPSHOT_CREATED,
                "snapshot " + created.getMetadata().getName() + " of " + ctx.describeSource() + " requested");
        ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Created VolumeSnapshot " + created.getMetadata().getName()
                + " of " + ctx.describeSource());
        return Outcome.waitFor();
    }
}
