package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.sourcesnapshots.SourceSnapshotClaims;
import dev.pgclone.operator.spec.CloneSourceValidator;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How a clone of a CloneSource gets its snapshot: it first claims a snapshot in the source
 * namespace (its own from an earlier reconcile, else one taken within snapshotMaxAge, else a new
 * one), then binds the storage snapshot into its namespace through a pre-provisioned content.
 * Every step is recorded in the cluster (the claim is a finalizer on the source snapshot), so a
 * restart anywhere in between resumes without leaking or duplicating anything.
 */
final class SourceSnapshotUse {

    /** The source snapshot is in another namespace and not watched: how often to look while it is being taken. */
    static final Duration SOURCE_RECHECK = Duration.ofSeconds(2);

    /** What the clone does next about its source snapshot, decided from what exists (nothing is changed). */
    sealed interface Choice {
        /** The newest snapshot this clone claimed: bind it once ready, or let it go if it failed or is going. */
        record Claimed(VolumeSnapshot mine) implements Choice {}
        /** A snapshot taken within snapshotMaxAge that this clone may share. */
        record Share(VolumeSnapshot snapshot) implements Choice {}
        /** None to use and no PVC to snapshot. */
        record SourceMissing() implements Choice {}
        /** None to use: take one, private to this clone (no window) or shared within the window. */
        record TakeNew(Duration window) implements Choice {}
        /** The source is in masking mode Snapshot and has no masked snapshot to restore from yet. */
        record NoMaskedSnapshot() implements Choice {}
    }

    /** Masked snapshots are in another namespace and not watched: how often a waiting clone looks for the first one. */
    static final Duration MASKED_RECHECK = Duration.ofSeconds(10);

    /**
     * Whether the clone restores from a masked snapshot of its CloneSource: it claims one, and no
     * production snapshot. Read from the claims in the source namespace, which nobody in the
     * clone's namespace can write.
     */
    static boolean claimsMasked(CloneContext ctx) {
        CloneSource source = ctx.cloneSource();
        if (source == null || !MaskingSpec.snapshotMode(source.getSpec())) {
            return false;
        }
        boolean masked = masked(ctx).of(source).stream().anyMatch(s -> SourceSnapshots.usedBy(s, ctx.clone()));
        return masked && claims(ctx).of(source).stream().noneMatch(s -> SourceSnapshots.usedBy(s, ctx.clone()));
    }

    private static MaskedSnapshots masked(CloneContext ctx) {
        return new MaskedSnapshots(ctx.client(), ctx.ownership());
    }

    Choice choose(CloneContext ctx) {
        CloneSource source = ctx.cloneSource();
        if (MaskingSpec.snapshotMode(source.getSpec()) && !ctx.maskingBuild()) {
            return chooseMasked(ctx, source);
        }
        List<VolumeSnapshot> snapshots = claims(ctx).of(source);
        Optional<VolumeSnapshot> claimed = snapshots.stream().filter(s -> SourceSnapshots.usedBy(s, ctx.clone()))
                .max(Comparator.comparing(s -> s.getMetadata().getCreationTimestamp()));
        if (claimed.isPresent()) {
            return new Choice.Claimed(claimed.get());
        }
        Duration window = CloneSourceValidator.shareWindow(source.getSpec());
        Optional<VolumeSnapshot> shareable = window == null ? Optional.empty() : snapshots.stream()
                .filter(s -> s.getMetadata().getDeletionTimestamp() == null && !CloneSnapshots.failed(s))
                .filter(s -> ctx.now().isBefore(Instant.parse(s.getMetadata().getCreationTimestamp()).plus(window)))
                .max(Comparator.comparing(s -> s.getMetadata().getCreationTimestamp()));
        if (shareable.isPresent()) {
            return new Choice.Share(shareable.get());
        }
        var pvc = ctx.client().persistentVolumeClaims().inNamespace(source.getMetadata().getNamespace())
                .withName(source.getSpec().getPvcName()).get();
        return pvc == null ? new Choice.SourceMissing() : new Choice.TakeNew(window);
    }

    /** A clone of a source in mode Snapshot: the masked snapshot it claimed, else the newest one; never production's. */
    private static Choice chooseMasked(CloneContext ctx, CloneSource source) {
        List<VolumeSnapshot> masked = masked(ctx).of(source);
        Optional<VolumeSnapshot> claimed = masked.stream().filter(s -> SourceSnapshots.usedBy(s, ctx.clone())).findFirst();
        if (claimed.isPresent()) {
            return new Choice.Claimed(claimed.get());
        }
        return masked.stream().filter(MaskedSnapshots::usable).findFirst().<Choice>map(Choice.Share::new)
                .orElse(new Choice.NoMaskedSnapshot());
    }

    Outcome bind(CloneContext ctx, Choice choice) {
        CloneSource source = ctx.cloneSource();
        String ns = source.getMetadata().getNamespace();
        SourceSnapshotClaims claims = claims(ctx);
        if (choice instanceof Choice.Claimed claimed) {
            VolumeSnapshot mine = claimed.mine();
            if (mine.getMetadata().getDeletionTimestamp() != null || CloneSnapshots.failed(mine)) {
                // being deleted (its storage snapshot may already be gone) or failed: let go, and take a fresh one after the backoff
                String why = CloneSnapshots.failed(mine) ? "failed: " + mine.getStatus().getError().getMessage() : "is being deleted";
                claims.unclaim(mine, ctx.clone());
                return Outcome.retry(Reasons.SNAPSHOT_FAILED, "VolumeSnapshot " + SourceSnapshots.reference(mine) + " of "
                        + ctx.describeSource() + " " + why + "; a new snapshot is taken on the next attempt"
                        + (CloneSnapshots.failed(mine) ? " (the CloneSource's owners should check its volumeSnapshotClassName)" : ""));
            }
            return bindWhenReady(ctx, mine);
        }
        if (choice instanceof Choice.Share share) {
            return claims.claim(share.snapshot(), ctx.clone()).map(s -> bindWhenReady(ctx, s)).orElse(Outcome.recheckAfter(Duration.ofSeconds(1)));
        }
        if (choice instanceof Choice.NoMaskedSnapshot) {
            // fail closed: no production snapshot is ever used instead
            return Outcome.recheckAfter(MASKED_RECHECK, Finding.isFalse(Reasons.MASKED_SNAPSHOT_NOT_READY, "CloneSource " + ns + "/"
                    + source.getMetadata().getName() + " serves masked snapshots (spec.masking.mode Snapshot) and has none ready yet:"
                    + " waiting for its build (kubectl get clonesource " + source.getMetadata().getName() + " -n " + ns + " -o yaml shows status.build)"));
        }
        if (choice instanceof Choice.SourceMissing) {
            return Outcome.retry(Reasons.SOURCE_NOT_FOUND, "PersistentVolumeClaim " + ns + "/" + source.getSpec().getPvcName()
                    + " of CloneSource " + ns + "/" + source.getMetadata().getName() + " does not exist: its owners must fix spec.pvcName");
        }
        Duration window = ((Choice.TakeNew) choice).window();
        String name = window == null ? Names.privateSourceSnapshot(source, ctx.clone()) : Names.sharedSnapshot(source, ctx.now());
        VolumeSnapshot taken = ctx.ownership().createMarked(SourceSnapshots.source(source, name, ctx.clone(), ctx.checkpointNote()));
        if (!SourceSnapshots.usedBy(taken, ctx.clone()) && (CloneSnapshots.failed(taken) || taken.getMetadata().getDeletionTimestamp() != null)) {
            // this minute's snapshot exists but is of no use: wait for its removal, then take another
            return Outcome.recheckAfter(Duration.ofSeconds(30));
        }
        if (!SourceSnapshots.usedBy(taken, ctx.clone())) {
            // another clone took it this same minute: share it
            return claims.claim(taken, ctx.clone()).map(s -> waiting(ctx, s)).orElse(Outcome.recheckAfter(Duration.ofSeconds(1)));
        }
        ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Created VolumeSnapshot " + ns + "/" + name
                + " of " + ctx.describeSource() + (window == null ? "" : ", shared with clones created within " + source.getSpec().getSnapshotMaxAge()));
        return waiting(ctx, taken);
    }

    private static SourceSnapshotClaims claims(CloneContext ctx) {
        return new SourceSnapshotClaims(ctx.client(), ctx.ownership());
    }

    private Outcome bindWhenReady(CloneContext ctx, VolumeSnapshot sourceSnapshot) {
        var st = sourceSnapshot.getStatus();
        if (st == null || !Boolean.TRUE.equals(st.getReadyToUse()) || st.getBoundVolumeSnapshotContentName() == null) {
            return waiting(ctx, sourceSnapshot);
        }
        VolumeSnapshotContent content = ctx.client().resources(VolumeSnapshotContent.class).withName(st.getBoundVolumeSnapshotContentName()).get();
        if (content == null || CloneSnapshots.handle(content) == null) {
            return waiting(ctx, sourceSnapshot);
        }
        ctx.ownership().createMarked(SourceSnapshots.boundContent(ctx.clone(), sourceSnapshot, content));
        // a masked snapshot's data is as old as the production snapshot it was built from
        String dataAsOf = MaskedSnapshots.dataAsOf(sourceSnapshot) != null && masked(ctx).masked(sourceSnapshot, ctx.cloneSource())
                ? MaskedSnapshots.dataAsOf(sourceSnapshot)
                : st.getCreationTime() != null ? st.getCreationTime() : sourceSnapshot.getMetadata().getCreationTimestamp();
        VolumeSnapshot bound = ctx.create(SourceSnapshots.bound(ctx.clone(), sourceSnapshot, dataAsOf));
        int users = SourceSnapshots.users(sourceSnapshot);
        String shared = users > 1 ? ", shared with " + (users - 1) + " other clone(s)" : "";
        ctx.events().normal(ctx.clone(), Reasons.SNAPSHOT_CREATED, "Bound VolumeSnapshot " + SourceSnapshots.reference(sourceSnapshot)
                + " of " + ctx.describeSource() + " to " + ctx.namespace() + "/" + bound.getMetadata().getName() + " through VolumeSnapshotContent "
                + Names.boundContent(ctx.clone()) + shared);
        return Outcome.waitFor(Finding.isFalse(Reasons.SNAPSHOT_CREATED, "binding VolumeSnapshot "
                + SourceSnapshots.reference(sourceSnapshot) + " (taken " + dataAsOf + shared + ") to " + ctx.namespace() + "/" + bound.getMetadata().getName()));
    }

    private static Outcome waiting(CloneContext ctx, VolumeSnapshot sourceSnapshot) {
        return Outcome.recheckAfter(SOURCE_RECHECK, Finding.isFalse(Reasons.SNAPSHOT_CREATED,
                "waiting for VolumeSnapshot " + SourceSnapshots.reference(sourceSnapshot) + " of " + ctx.describeSource() + " to become ready"));
    }
}
