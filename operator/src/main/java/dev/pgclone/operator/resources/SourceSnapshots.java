package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects behind a clone of a CloneSource. A PVC can only restore from a VolumeSnapshot in its
 * own namespace (cross-namespace data sources are still alpha), so:
 * <ol>
 *   <li>a snapshot of the production PVC is taken in the source namespace, labelled with the
 *       CloneSource, and carries one finalizer per clone using it (the count of users, and a guard
 *       against deleting it under them);</li>
 *   <li>each clone gets a pre-provisioned VolumeSnapshotContent naming the same storage snapshot
 *       handle, with deletionPolicy Retain so deleting it never deletes production's snapshot;</li>
 *   <li>and a VolumeSnapshot in the clone's namespace bound to that content, which its PVC restores from.</li>
 * </ol>
 */
public final class SourceSnapshots {

    /** Finalizer a clone puts on the source snapshot it uses: the prefix plus the clone's uid. */
    public static final String USER_FINALIZER_PREFIX = "pgclone.dev/clone-";

    private SourceSnapshots() {}

    public static String userFinalizer(DatabaseClone clone) {
        return USER_FINALIZER_PREFIX + clone.getMetadata().getUid();
    }

    /** How many clones use this source snapshot. */
    public static int users(VolumeSnapshot snapshot) {
        List<String> finalizers = snapshot.getMetadata().getFinalizers();
        return finalizers == null ? 0 : (int) finalizers.stream().filter(f -> f.startsWith(USER_FINALIZER_PREFIX)).count();
    }

    public static boolean usedBy(VolumeSnapshot snapshot, DatabaseClone clone) {
        List<String> finalizers = snapshot.getMetadata().getFinalizers();
        return finalizers != null && finalizers.contains(userFinalizer(clone));
    }

    /**
     * A new snapshot of the source's PVC, created already carrying the first user's finalizer so
     * that it is never, even for a moment, an unused snapshot the CloneSource controller may delete.
     */
    public static VolumeSnapshot source(CloneSource source, String name, DatabaseClone firstUser, String checkpointNote) {
        var metadata = new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(source.getMetadata().getNamespace())
                .withLabels(Labels.forCloneSource(source))
                .withFinalizers(userFinalizer(firstUser))
                .build();
        if (checkpointNote != null) {
            metadata.setAnnotations(Map.of(Annotations.CHECKPOINT, checkpointNote));
        }
        return new VolumeSnapshotBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withVolumeSnapshotClassName(source.getSpec().getVolumeSnapshotClassName())
                    .withNewSource().withPersistentVolumeClaimName(source.getSpec().getPvcName()).endSource()
                .endSpec()
                .build();
    }

    /** The clone's pre-provisioned content: same storage snapshot, Retain, bound to the clone's own VolumeSnapshot. */
    public static VolumeSnapshotContent boundContent(DatabaseClone clone, VolumeSnapshot sourceSnapshot, VolumeSnapshotContent sourceContent) {
        String handle = sourceContent.getStatus() != null && sourceContent.getStatus().getSnapshotHandle() != null
                ? sourceContent.getStatus().getSnapshotHandle() : sourceContent.getSpec().getSource().getSnapshotHandle();
        Map<String, String> labels = new LinkedHashMap<>(Labels.forClone(clone, "snapshot-content"));
        return new VolumeSnapshotContentBuilder()
                .withNewMetadata()
                    .withName(Names.boundContent(clone))
                    .withLabels(labels)
                    .withAnnotations(Map.of(Annotations.SOURCE_SNAPSHOT, reference(sourceSnapshot)))
                .endMetadata()
                .withNewSpec()
                    .withDeletionPolicy("Retain")
                    .withDriver(sourceContent.getSpec().getDriver())
                    .withVolumeSnapshotClassName(sourceContent.getSpec().getVolumeSnapshotClassName())
                    .withSourceVolumeMode(sourceContent.getSpec().getSourceVolumeMode())
                    .withNewSource().withSnapshotHandle(handle).endSource()
                    .withNewVolumeSnapshotRef()
                        .withApiVersion(CloneSnapshots.API_GROUP + "/v1")
                        .withKind("VolumeSnapshot")
                        .withNamespace(clone.getMetadata().getNamespace())
                        .withName(Names.snapshot(clone))
                    .endVolumeSnapshotRef()
                .endSpec()
                .build();
    }

    /** The clone's own VolumeSnapshot, owned by the clone, bound to its content. */
    public static VolumeSnapshot bound(DatabaseClone clone, VolumeSnapshot sourceSnapshot, String dataAsOf) {
        var metadata = Owners.owned(clone, Names.snapshot(clone), "snapshot");
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Annotations.SOURCE_SNAPSHOT, reference(sourceSnapshot));
        if (dataAsOf != null) {
            annotations.put(Annotations.DATA_AS_OF, dataAsOf);
        }
        String checkpoint = sourceSnapshot.getMetadata().getAnnotations() == null ? null
                : sourceSnapshot.getMetadata().getAnnotations().get(Annotations.CHECKPOINT);
        if (checkpoint != null) {
            annotations.put(Annotations.CHECKPOINT, checkpoint);
        }
        metadata.setAnnotations(annotations);
        return new VolumeSnapshotBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withNewSource().withVolumeSnapshotContentName(Names.boundContent(clone)).endSource()
                .endSpec()
                .build();
    }

    public static String reference(VolumeSnapshot snapshot) {
        return snapshot.getMetadata().getNamespace() + "/" + snapshot.getMetadata().getName();
    }
}
