package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;

/** The VolumeSnapshot the operator takes of the source PVC (only for source.pvcName). */
public final class CloneSnapshots {

    public static final String API_GROUP = "snapshot.storage.k8s.io";

    private CloneSnapshots() {}

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
