package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import java.util.ArrayList;
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

    /** Beside each claim, which clone made it ({@code namespace/name}), so a claim whose clone is gone can be found. */
    public static final String CLAIM_ANNOTATION_PREFIX = "pgclone.dev/claim-";

    public static String userFinalizer(DatabaseClone clone) {
        return USER_FINALIZER_PREFIX + clone.getMetadata().getUid();
    }

    /** Adds the clone's claim (finalizer and the annotation naming the clone) to a source snapshot's metadata. */
    public static void addClaim(ObjectMeta metadata, DatabaseClone clone) {
        List<String> finalizers = new ArrayList<>(metadata.getFinalizers() == null ? List.of() : metadata.getFinalizers());
        finalizers.add(userFinalizer(clone));
        metadata.setFinalizers(finalizers);
        Map<String, String> annotations = new LinkedHashMap<>(metadata.getAnnotations() == null ? Map.of() : metadata.getAnnotations());
        annotations.put(CLAIM_ANNOTATION_PREFIX + clone.getMetadata().getUid(),
                clone.getMetadata().getNamespace() + "/" + clone.getMetadata().getName());
        metadata.setAnnotations(annotations);
    }

    /** Removes the claim of the clone with this uid. */
    public static void removeClaim(ObjectMeta metadata, String cloneUid) {
        List<String> finalizers = new ArrayList<>(metadata.getFinalizers() == null ? List.of() : metadata.getFinalizers());
        finalizers.remove(USER_FINALIZER_PREFIX + cloneUid);
        metadata.setFinalizers(finalizers);
        if (metadata.getAnnotations() != null) {
            Map<String, String> annotations = new LinkedHashMap<>(metadata.getAnnotations());
            annotations.remove(CLAIM_ANNOTATION_PREFIX + cloneUid);
            metadata.setAnnotations(annotations);
        }
    }

    /** The claims on a source snapshot: clone uid to the clone's {@code namespace/name} (null if not recorded). */
    public static Map<String, String> claims(VolumeSnapshot snapshot) {
        Map<String, String> claims = new LinkedHashMap<>();
        List<String> finalizers = snapshot.getMetadata().getFinalizers();
        Map<String, String> annotations = snapshot.getMetadata().getAnnotations() == null ? Map.of() : snapshot.getMetadata().getAnnotations();
        if (finalizers != null) {
            finalizers.stream().filter(f -> f.startsWith(USER_FINALIZER_PREFIX)).map(f -> f.substring(USER_FINALIZER_PREFIX.length()))
                    .forEach(uid -> claims.put(uid, annotations.get(CLAIM_ANNOTATION_PREFIX + uid)));
        }
        return claims;
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
                .build();
        if (checkpointNote != null) {
            metadata.setAnnotations(Map.of(Annotations.CHECKPOINT, checkpointNote));
        }
        addClaim(metadata, firstUser);
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
        String handle = CloneSnapshots.handle(sourceContent);
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
            boolean elsewhere = !clone.getMetadata().getNamespace().equals(sourceSnapshot.getMetadata().getNamespace());
            // why a CHECKPOINT failed names production's host and user: that stays in the source namespace
            annotations.put(Annotations.CHECKPOINT, elsewhere && checkpoint.startsWith(Annotations.CHECKPOINT_FAILED_PREFIX)
                    ? Annotations.CHECKPOINT_FAILED_PREFIX + "the reason is in the events of the CloneSource, for its owners" : checkpoint);
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
