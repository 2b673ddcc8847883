package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.SnapshotStatus;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.Map;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.Optional;

/**
 * SnapshotReady: a ready VolumeSnapshot of the source. For source.pvcName the operator takes one
 * (owned by the clone, deleted with it); for source.snapshotName it uses the given one and never
 * deletes it, and for source.cloudNativePGBackup the Backup's data snapshot the same way, with its
 * WAL snapshot beside it; for source.cloneSource it uses a snapshot in the source namespace, shared within the
 * CloneSource's snapshotMaxAge, bound into the clone's namespace ({@link SourceSnapshotUse}). A
 * new snapshot notes how the {@link CheckpointStep} before it went.
 */
final class SnapshotStep implements CloneStep {

    /** Given snapshots are not ours and not watched: how often to look again while they are not ready. */
    static final Duration GIVEN_SNAPSHOT_RECHECK = Duration.ofSeconds(10);

    private final SourceSnapshotUse sourceSnapshots = new SourceSnapshotUse();

    @Override
    public String name() {
        return "snapshot";
    }

    @Override
    public String condition() {
        return Conditions.SNAPSHOT_READY;
    }

    /**
     * What this step does, decided from what exists without changing anything: the
     * {@link CheckpointStep} before it asks the same question, to run a CHECKPOINT only before a
     * new snapshot. Decided once per reconcile ({@link CloneContext#snapshotPlan}): nothing either
     * step does changes what it is decided from.
     */
    sealed interface Plan {
        /** The clone's snapshot exists (taken, bound or given): wait for it and report it. */
        record Use(VolumeSnapshot snapshot) implements Plan {}
        /** The source cannot be snapshotted for this clone, as the outcome says. */
        record Stop(Outcome outcome) implements Plan {}
        /** A new snapshot of the source PVC in the clone's namespace. */
        record TakeNew() implements Plan {}
        /** A clone of a CloneSource without its bound snapshot yet. */
        record FromCloneSource(SourceSnapshotUse.Choice choice) implements Plan {}
        /** A data snapshot of a source with a WAL volume whose WAL snapshot was never taken (its backup ended early). */
        record Incomplete(VolumeSnapshot data) implements Plan {}
    }

    @Override
    public Outcome run(CloneContext ctx) {
        Plan plan = ctx.snapshotPlan(() -> plan(ctx));
        if (plan instanceof Plan.Use use) {
            return readiness(ctx, use.snapshot());
        }
        if (plan instanceof Plan.Stop stop) {
            return stop.outcome();
        }
        if (plan instanceof Plan.FromCloneSource fromSource) {
            return sourceSnapshots.bind(ctx, fromSource.choice());
        }
        if (plan instanceof Plan.Incomplete incomplete) {
            ctx.ownership().deleteIfControlled(incomplete.data(), ctx.clone().getMetadata().getUid());
            return Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED, "snapshot " + incomplete.data().getMetadata().getName()
                    + " has no snapshot of the WAL volume beside it (the backup around it did not finish): deleted, both are taken again"));
        }
        return createSnapshot(ctx);
    }

    /** Whether this reconcile takes a new snapshot of the source (so a CHECKPOINT should run first). */
    boolean takesNewSnapshot(CloneContext ctx) {
        Plan plan = ctx.snapshotPlan(() -> plan(ctx));
        return plan instanceof Plan.TakeNew
                || plan instanceof Plan.FromCloneSource fromSource && fromSource.choice() instanceof SourceSnapshotUse.Choice.TakeNew;
    }

    private Plan plan(CloneContext ctx) {
        var source = ctx.clone().getSpec().getSource();
        if (source.getCloneSource() != null) {
            Optional<VolumeSnapshot> bound = taken(ctx);
            return bound.isPresent() ? new Plan.Use(bound.get()) : new Plan.FromCloneSource(sourceSnapshots.choose(ctx));
        }
        if (!ctx.sourceNamespace().equals(ctx.namespace())) {
            return new Plan.Stop(Outcome.fail(Reasons.CROSS_NAMESPACE_NOT_ALLOWED, "the source is in namespace " + ctx.sourceNamespace()
                    + " and the clone in " + ctx.namespace() + ": a clone may only name a PVC or snapshot of its own namespace; "
                    + "to clone across namespaces, ask the owners of " + ctx.sourceNamespace() + " for a CloneSource that allows "
                    + ctx.namespace() + " and set spec.source.cloneSource instead"));
        }
        if (ctx.owned(PersistentVolumeClaim.class, Names.volume(ctx.clone())).isEmpty()) {
            // until the copy exists: a copy of a CloneSource's data is not to be had without the CloneSource's rules
            Optional<Outcome> refused = provenance(ctx);
            if (refused.isPresent()) {
                return new Plan.Stop(refused.get());
            }
        }
        Optional<VolumeSnapshot> snapshot = source.getSnapshotName() != null ? given(ctx, source.getSnapshotName()) : taken(ctx);
        if (snapshot.isEmpty() && source.getSnapshotName() == null && SourceBackup.applies(ctx)) {
            // a new pair costs an online backup on production: the API server, not the cache, says whether the last one made its snapshot
            snapshot = Optional.ofNullable(ctx.client().resources(VolumeSnapshot.class).inNamespace(ctx.namespace())
                    .withName(Names.snapshot(ctx.clone())).get()).filter(s -> ctx.ownership().ours(s, ctx.clone().getMetadata().getUid()));
        }
        if (snapshot.isPresent()) {
            return SourceBackup.applies(ctx) && walSnapshot(ctx).isEmpty() && !walSnapshotExists(ctx)
                    ? new Plan.Incomplete(snapshot.get()) : new Plan.Use(snapshot.get());
        }
        if (source.getSnapshotName() != null) {
            return new Plan.Stop(Outcome.retry(Reasons.SNAPSHOT_NOT_FOUND, "VolumeSnapshot " + ctx.sourceNamespace() + "/" + source.getSnapshotName()
                    + (source.getCloudNativePGBackup() != null ? " of Backup " + source.getCloudNativePGBackup() + " does not exist: name another Backup"
                            : " does not exist: check spec.source.snapshotName and spec.source.namespace")));
        }
        String pvcName = source.getPvcName();
        if (ctx.client().persistentVolumeClaims().inNamespace(ctx.sourceNamespace()).withName(pvcName).get() == null) {
            return new Plan.Stop(Outcome.retry(Reasons.SOURCE_NOT_FOUND, "PersistentVolumeClaim " + ctx.sourceNamespace() + "/" + pvcName
                    + " does not exist: check spec.source.pvcName and spec.source.namespace"));
        }
        if (SourceBackup.applies(ctx) && (source.getCheckpoint() == null || source.getCheckpoint().getSecretName() == null)) {
            // one snapshot of the data volume alone would lack the WAL: never taken without the backup around both
            return new Plan.Stop(Outcome.retry(Reasons.SOURCE_BACKUP_FAILED, "the source keeps its WAL on volume " + source.getWalPvcName()
                    + " and no connection for the online backup around both snapshots is known: set spec.source.checkpoint.secretName"));
        }
        if (SourceBackup.applies(ctx)
                && ctx.client().persistentVolumeClaims().inNamespace(ctx.sourceNamespace()).withName(source.getWalPvcName()).get() == null) {
            return new Plan.Stop(Outcome.retry(Reasons.SOURCE_NOT_FOUND, "PersistentVolumeClaim " + ctx.sourceNamespace() + "/"
                    + source.getWalPvcName() + " does not exist: check spec.source.walPvcName (the source's WAL volume)"));
        }
        return new Plan.TakeNew();
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
        if (verdict instanceof SourceProvenance.Original && source.getWalSnapshotName() != null) {
            // a Backup's WAL snapshot is mounted into the clone as much as its data: a CloneSource's data there is refused too
            verdict = SourceProvenance.of(ctx.client(), ctx.ownership(), ctx.namespace(), null, source.getWalSnapshotName());
        }
        if (verdict instanceof SourceProvenance.Original && source.getWalPvcName() != null) {
            // so is a WAL volume: a clone's volume named as one would carry a CloneSource's data past its rules
            verdict = SourceProvenance.of(ctx.client(), ctx.ownership(), ctx.namespace(), source.getWalPvcName(), null);
        }
        if (verdict instanceof SourceProvenance.Derived derived) {
            return Optional.of(Outcome.fail(Reasons.DERIVED_FROM_CLONE_SOURCE, derived.how() + ": data of a CloneSource can only be cloned"
                    + " through that CloneSource, with its grant, masking and isolation; set spec.source.cloneSource instead of "
                    + (source.getWalPvcName() != null ? "spec.source.pvcName and walPvcName" : source.getPvcName() != null ? "spec.source.pvcName"
                            : source.getCloudNativePGBackup() != null
                            ? "spec.source.cloudNativePGBackup" : "spec.source.snapshotName")));
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
        if (SourceBackup.applies(ctx)) {
            Optional<Outcome> wal = walReadiness(ctx);
            if (wal.isPresent()) {
                return wal.get();
            }
        }
        String givenWal = SourceBackup.applies(ctx) ? null : source.getWalSnapshotName();
        if (givenWal != null) {
            Optional<Outcome> wal = givenWalReadiness(ctx, givenWal);
            if (wal.isPresent()) {
                return wal.get();
            }
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
        Learned snapshot = new Learned.Snapshot(new SnapshotStatus(reported[1], reported[0], created,
                st.getRestoreSize() == null ? null : st.getRestoreSize().toString()), created);
        String walName = SourceBackup.applies(ctx) ? Names.walSnapshot(ctx.clone()) : givenWal;
        Finding ready = Finding.isTrue(Reasons.SNAPSHOT_READY, (walName == null ? "VolumeSnapshot " + vs.getMetadata().getName() + " is ready"
                : "VolumeSnapshots " + vs.getMetadata().getName() + " (data) and " + walName + " (WAL) are ready")
                + (annotations.containsKey(Annotations.SOURCE_SNAPSHOT) ? " (bound to " + annotations.get(Annotations.SOURCE_SNAPSHOT) + ")" : "") + (st.getRestoreSize() == null ? "" : " (restore size " + st.getRestoreSize() + ")")
                + caveat);
        // only a snapshot the operator took has a snapshotting time of this clone's
        return Outcome.proceed(source.getSnapshotName() == null ? ready.since(vs.getMetadata().getCreationTimestamp()) : ready).learned(snapshot);
    }

    /** The WAL volume's snapshot, while it is not ready (or failed); empty once it is. */
    private static Optional<Outcome> walReadiness(CloneContext ctx) {
        Optional<VolumeSnapshot> wal = walSnapshot(ctx);
        if (wal.isEmpty()) {
            return Optional.of(Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED, "waiting for the snapshot of the WAL volume")));
        }
        VolumeSnapshot vs = wal.get();
        if (CloneSnapshots.failed(vs)) {
            return Optional.of(Outcome.retry(Reasons.SNAPSHOT_FAILED, "VolumeSnapshot " + vs.getMetadata().getName() + " of the WAL volume "
                    + ctx.clone().getSpec().getSource().getWalPvcName() + " failed: " + vs.getStatus().getError().getMessage()
                    + " (check that spec.source.volumeSnapshotClassName names a class of the PVC's CSI driver)"));
        }
        if (vs.getStatus() == null || !Boolean.TRUE.equals(vs.getStatus().getReadyToUse())) {
            return Optional.of(Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED, "waiting for VolumeSnapshot "
                    + vs.getMetadata().getName() + " of the WAL volume to become ready")));
        }
        return Optional.empty();
    }

    /**
     * A given WAL snapshot (a CloudNativePG Backup's), beside the given data snapshot: not the
     * operator's, not watched, so read from the API server and looked at again while it is not ready.
     */
    private Optional<Outcome> givenWalReadiness(CloneContext ctx, String name) {
        Optional<VolumeSnapshot> wal = given(ctx, name);
        if (wal.isEmpty()) {
            return Optional.of(Outcome.retry(Reasons.SNAPSHOT_NOT_FOUND, "VolumeSnapshot " + ctx.sourceNamespace() + "/" + name
                    + " of the WAL volume" + backupOf(ctx) + " does not exist: name another Backup"));
        }
        VolumeSnapshot vs = wal.get();
        if (CloneSnapshots.failed(vs)) {
            return Optional.of(Outcome.retry(Reasons.SNAPSHOT_FAILED, "VolumeSnapshot " + name + " of the WAL volume" + backupOf(ctx)
                    + " failed: " + vs.getStatus().getError().getMessage()));
        }
        if (vs.getStatus() == null || !Boolean.TRUE.equals(vs.getStatus().getReadyToUse())) {
            return Optional.of(Outcome.recheckAfter(GIVEN_SNAPSHOT_RECHECK, Finding.isFalse(Reasons.SNAPSHOT_CREATED,
                    "waiting for VolumeSnapshot " + name + " of the WAL volume" + backupOf(ctx) + " to become ready")));
        }
        return Optional.empty();
    }

    private static String backupOf(CloneContext ctx) {
        String backup = ctx.clone().getSpec().getSource().getCloudNativePGBackup();
        return backup == null ? "" : " of Backup " + backup;
    }

    /**
     * Asks the API server, not the informer cache: a WAL snapshot the backup made a moment ago may
     * not be in the cache yet, and its data snapshot must not be taken for one left incomplete.
     */
    private static boolean walSnapshotExists(CloneContext ctx) {
        VolumeSnapshot wal = ctx.client().resources(VolumeSnapshot.class).inNamespace(ctx.namespace()).withName(Names.walSnapshot(ctx.clone())).get();
        return wal != null && ctx.ownership().ours(wal, ctx.clone().getMetadata().getUid());
    }

    static Optional<VolumeSnapshot> walSnapshot(CloneContext ctx) {
        return ctx.owned(VolumeSnapshot.class, Names.walSnapshot(ctx.clone()));
    }

    private Optional<VolumeSnapshot> given(CloneContext ctx, String name) {
        return Optional.ofNullable(ctx.client().resources(VolumeSnapshot.class).inNamespace(ctx.sourceNamespace()).withName(name).get());
    }

    private Optional<VolumeSnapshot> taken(CloneContext ctx) {
        return ctx.owned(VolumeSnapshot.class, Names.snapshot(ctx.clone()));
    }

    /** The source PVC exists and no snapshot was taken yet: take one, noting how the CHECKPOINT before it went. */
    private static Outcome createSnapshot(CloneContext ctx) {
        VolumeSnapshot created = ctx.create(CloneSnapshots.desired(ctx.clone(), ctx.checkpointNote()));
        ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Created VolumeSnapshot " + created.getMetadata().getName()
                + " of " + ctx.describeSource());
        return Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED,
                "snapshot " + created.getMetadata().getName() + " of " + ctx.describeSource() + " requested"));
    }
}
