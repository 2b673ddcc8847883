package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;

/** The VolumeSnapshot the operator takes of the source PVC (only for source.pvcName). */
public final class CloneSnapshots {

    public static final String API_GROUP = "snapshot.storage.k8s.io";

    private CloneSnapshots() {}

    /** The CSI driver reported an error and the snapshot is not ready: it will not become usable. */
    public static boolean failed(VolumeSnapshot snapshot) {
        var st = snapshot.getStatus();
        return st != null && st.getError() != null && st.getError().getMessage() != null && !Boolean.TRUE.equals(st.getReadyToUse());
    }

    /** The storage snapshot a content stands for: from its status once the driver reported it, else as pre-provisioned. */
    public static String handle(io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent content) {
        if (content.getStatus() != null && content.getStatus().getSnapshotHandle() != null) {
            return content.getStatus().getSnapshotHandle();
        }
        return content.getSpec() != null && content.getSpec().getSource() != null ? content.getSpec().getSource().getSnapshotHandle() : null;
    }

    /** The snapshot of the source's WAL volume, taken after pg_backup_stop; it carries the backup's label. */
    public static VolumeSnapshot desiredWal(DatabaseClone clone, String backupLabel) {
        var source = clone.getSpec().getSource();
        var metadata = Owners.owned(clone, Names.walSnapshot(clone), "wal-snapshot");
        metadata.setAnnotations(java.util.Map.of(Annotations.BACKUP_LABEL, backupLabel));
        return new VolumeSnapshotBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withVolumeSnapshotClassName(source.getVolumeSnapshotClassName())
                    .withNewSource().withPersistentVolumeClaimName(source.getWalPvcName()).endSource()
                .endSpec()
                .build();
    }

    /** The backup label a WAL snapshot carries, or null. */
    public static String backupLabel(VolumeSnapshot walSnapshot) {
        var annotations = walSnapshot.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(Annotations.BACKUP_LABEL);
    }

    /** @param checkpointNote what the CHECKPOINT before the snapshot did, kept on the snapshot; null when none was asked for */
    public static VolumeSnapshot desired(DatabaseClone clone, String checkpointNote) {
        var source = clone.getSpec().getSource();
        var metadata = Owners.owned(clone, Names.snapshot(clone), "snapshot");
        if (checkpointNote != null) {
            metadata.setAnnotations(java.util.Map.of(Annotations.CHECKPOINT, checkpointNote));
        }
        return new VolumeSnapshotBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withVolumeSnapshotClassName(source.getVolumeSnapshotClassName())
                    .withNewSource().withPersistentVolumeClaimName(source.getPvcName()).endSource()
                .endSpec()
                .build();
    }
}
