package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneVolumes;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Optional;

/**
 * VolumeReady: the clone's PVC restored from the snapshot. The step proceeds without waiting for
 * Bound: with WaitForFirstConsumer storage classes the volume binds only once the Pod is scheduled.
 */
final class VolumeStep implements CloneStep {

    @Override
    public String name() {
        return "volume";
    }

    @Override
    public String condition() {
        return Conditions.VOLUME_READY;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        Optional<PersistentVolumeClaim> existing = ctx.owned(PersistentVolumeClaim.class, Names.volume(ctx.clone()));
        if (existing.isPresent() && existing.get().getMetadata().getDeletionTimestamp() != null) {
            return Outcome.waitFor();
        }
        PersistentVolumeClaim pvc = existing.orElseGet(() -> create(ctx));
        if (CloneVolumes.walSnapshot(ctx.clone()) != null) {
            Optional<PersistentVolumeClaim> wal = ctx.owned(PersistentVolumeClaim.class, Names.walVolume(ctx.clone()));
            if (wal.isPresent() && wal.get().getMetadata().getDeletionTimestamp() != null) {
                return Outcome.waitFor();
            }
            PersistentVolumeClaim walPvc = wal.orElseGet(() -> createWal(ctx));
            if (walPvc.getStatus() != null && "Lost".equals(walPvc.getStatus().getPhase())) {
                return Outcome.fail(Reasons.VOLUME_LOST, "PersistentVolumeClaim " + walPvc.getMetadata().getName()
                        + " lost its volume: delete the DatabaseClone and create it again");
            }
        }
        String recorded = pvc.getMetadata().getAnnotations() == null ? null : pvc.getMetadata().getAnnotations().get(Annotations.SOURCE);
        if (recorded != null && !recorded.equals(ctx.describeSource())) {
            return Outcome.fail(Reasons.SOURCE_CHANGED, "spec.source was changed to " + ctx.describeSource() + " after the clone was made from "
                    + recorded + "; the source is immutable: set it back, or create a new DatabaseClone for the other source");
        }
        String phase = pvc.getStatus() == null ? null : pvc.getStatus().getPhase();
        if ("Bound".equals(phase)) {
            return Outcome.proceed(Finding.isTrue(Reasons.VOLUME_BOUND,
                    "PersistentVolumeClaim " + pvc.getMetadata().getName() + " is bound to " + pvc.getSpec().getVolumeName()));
        }
        if ("Lost".equals(phase)) {
            return Outcome.fail(Reasons.VOLUME_LOST, "PersistentVolumeClaim " + pvc.getMetadata().getName()
                    + " lost its volume: delete the DatabaseClone and create it again");
        }
        return Outcome.proceed(Finding.isFalse(Reasons.VOLUME_PENDING, "PersistentVolumeClaim "
                + pvc.getMetadata().getName() + " is being restored from snapshot " + ctx.restoreFrom()
                + " (storage classes with WaitForFirstConsumer bind it once the Pod is scheduled)"));
    }

    /**
     * The WAL volume beside the data volume, restored from the WAL snapshot, as large as the source's
     * WAL volume. A given WAL snapshot (a CloudNativePG Backup's) has no source volume to go by: its
     * restore size, and the cluster's default class unless spec.storage names one, as for the data.
     */
    private PersistentVolumeClaim createWal(CloneContext ctx) {
        var spec = ctx.clone().getSpec();
        String walSnapshot = CloneVolumes.walSnapshot(ctx.clone());
        boolean given = !SourceBackup.applies(ctx);
        PersistentVolumeClaim sourceWal = given ? null : ctx.client().persistentVolumeClaims().inNamespace(ctx.sourceNamespace())
                .withName(spec.getSource().getWalPvcName()).get();
        var snapshot = given
                ? Optional.ofNullable(ctx.client().resources(io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class)
                        .inNamespace(ctx.namespace()).withName(walSnapshot).get())
                : ctx.owned(io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class, walSnapshot);
        Quantity restoreSize = snapshot.map(s -> s.getStatus() == null ? null : s.getStatus().getRestoreSize()).orElse(null);
        Quantity sourceRequest = sourceWal == null || sourceWal.getSpec().getResources() == null
                || sourceWal.getSpec().getResources().getRequests() == null ? null : sourceWal.getSpec().getResources().getRequests().get("storage");
        Quantity size = CloneVolumes.restoreSize(restoreSize, sourceRequest);
        String storageClass = spec.getStorage() != null && spec.getStorage().getStorageClassName() != null
                && !spec.getStorage().getStorageClassName().isBlank() ? spec.getStorage().getStorageClassName()
                : sourceWal == null ? null : sourceWal.getSpec().getStorageClassName();
        PersistentVolumeClaim created = ctx.create(CloneVolumes.desiredWal(ctx.clone(), size == null ? new Quantity(Defaults.VOLUME_SIZE) : size,
                storageClass, ctx.describeSource()));
        ctx.events().normal(ctx.clone(), Reasons.VOLUME_PENDING, "Created PersistentVolumeClaim " + created.getMetadata().getName()
                + " (" + created.getSpec().getResources().getRequests().get("storage") + ") from snapshot " + walSnapshot
                + " of the WAL volume");
        return created;
    }

    private PersistentVolumeClaim create(CloneContext ctx) {
        var spec = ctx.clone().getSpec();
        PersistentVolumeClaim sourcePvc = spec.getSource().getPvcName() == null ? null
                : ctx.client().persistentVolumeClaims().inNamespace(ctx.sourceNamespace()).withName(spec.getSource().getPvcName()).get();
        Quantity restoreSize = ctx.snapshot().getRestoreSize() == null ? null : new Quantity(ctx.snapshot().getRestoreSize());
        Quantity sourceRequest = sourcePvc == null || sourcePvc.getSpec().getResources() == null
                || sourcePvc.getSpec().getResources().getRequests() == null ? null
                : sourcePvc.getSpec().getResources().getRequests().get("storage");
        Quantity size = CloneVolumes.restoreSize(restoreSize, sourceRequest);
        if (size == null) {
            size = new Quantity(Defaults.VOLUME_SIZE);
        }
        String storageClass = spec.getStorage() != null && spec.getStorage().getStorageClassName() != null
                && !spec.getStorage().getStorageClassName().isBlank() ? spec.getStorage().getStorageClassName()
                : sourcePvc == null ? null : sourcePvc.getSpec().getStorageClassName();
        PersistentVolumeClaim created = ctx.create(CloneVolumes.desired(ctx.clone(), ctx.restoreFrom(), size,
                storageClass, ctx.describeSource()));
        ctx.events().normal(ctx.clone(), Reasons.VOLUME_PENDING, "Created PersistentVolumeClaim " + created.getMetadata().getName()
                + " (" + size + ") from snapshot " + ctx.restoreFrom());
        return created;
    }
}
