package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;

/** The VolumeSnapshot the operator takes of the source PVC (only for source.pvcName). */
public final class CloneSnapshots {

    public static final String API_GROUP = "snapshot.storage.k8s.io";

    private CloneSnapshots() {}

    public static VolumeSnapshot desired(DatabaseClone clone) {
        var source = clone.getSpec().getSource();
        return new VolumeSnapshotBuilder()
                .withMetadata(Owners.owned(clone, Names.snapshot(clone), "snapshot"))
                .withNewSpec()
                    .withVolumeSnapshotClassName(source.getVolumeSnapshotClassName())
                    .withNewSource().withPersistentVolumeClaimName(source.getPvcName()).endSource()
                .endSpec()
                .build();
    }
}
