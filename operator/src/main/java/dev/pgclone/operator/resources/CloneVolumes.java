package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** The clone's PVC, restored from the snapshot. */
public final class CloneVolumes {

    private CloneVolumes() {}

    /**
     * @param snapshotName the VolumeSnapshot to restore (in the clone's namespace)
     * @param size at least the snapshot's restoreSize
     * @param storageClassName spec.storage.storageClassName, else the source PVC's class, else null (cluster default)
     * @param sourceDescription recorded so a later change of spec.source is detected
     */
    public static PersistentVolumeClaim desired(DatabaseClone clone, String snapshotName, Quantity size,
                                                String storageClassName, String sourceDescription) {
        return desired(clone, Names.volume(clone), "volume", snapshotName, size, storageClassName, sourceDescription);
    }

    /** The clone's WAL volume, restored from {@link #walSnapshot}. */
    public static PersistentVolumeClaim desiredWal(DatabaseClone clone, Quantity size, String storageClassName, String sourceDescription) {
        String snapshot = walSnapshot(clone);
        if (snapshot == null) {
            throw new IllegalArgumentException("clone " + clone.getMetadata().getName() + " has no WAL volume");
        }
        return desired(clone, Names.walVolume(clone), "wal-volume", snapshot, size, storageClassName, sourceDescription);
    }

    /**
     * The snapshot the clone's WAL volume ({@link Names#walVolume}) is restored from, in the clone's
     * namespace: the clone's own (a source with spec.source.walPvcName, snapshotted inside its online
     * backup) or a given one (a CloudNativePG Backup's); null when the clone has no WAL volume.
     */
    public static String walSnapshot(DatabaseClone clone) {
        var source = clone.getSpec().getSource();
        if (source.getWalPvcName() != null && !source.getWalPvcName().isBlank()) {
            return Names.walSnapshot(clone);
        }
        return source.getWalSnapshotName() == null || source.getWalSnapshotName().isBlank() ? null : source.getWalSnapshotName();
    }

    private static PersistentVolumeClaim desired(DatabaseClone clone, String name, String component, String snapshotName, Quantity size,
                                                 String storageClassName, String sourceDescription) {
        PersistentVolumeClaim pvc = new PersistentVolumeClaimBuilder()
                .withMetadata(Owners.owned(clone, name, component))
                .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withStorageClassName(storageClassName)
                    .withNewDataSource()
                        .withApiGroup(CloneSnapshots.API_GROUP)
                        .withKind("VolumeSnapshot")
                        .withName(snapshotName)
                    .endDataSource()
                    .withNewResources().withRequests(Map.of("storage", size)).endResources()
                .endSpec()
                .build();
        pvc.getMetadata().setAnnotations(Map.of(Annotations.SOURCE, sourceDescription));
        return pvc;
    }

    /** The larger of the snapshot's restoreSize and the source volume's request (a restore may not be smaller). */
    public static Quantity restoreSize(Quantity snapshotRestoreSize, Quantity sourceRequest) {
        if (snapshotRestoreSize == null) {
            return sourceRequest;
        }
        if (sourceRequest == null) {
            return snapshotRestoreSize;
        }
        return snapshotRestoreSize.getNumericalAmount().compareTo(sourceRequest.getNumericalAmount()) >= 0
                ? snapshotRestoreSize : sourceRequest;
    }
}
