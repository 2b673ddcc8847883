package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;

/**
 * Undoes what a clone of a CloneSource holds outside its own namespace, when it is deleted or its
 * access is withdrawn: its bound VolumeSnapshot and the cluster-scoped content behind it (Retain:
 * production's storage snapshot stays), and its claim on the source snapshot, after which the
 * CloneSource controller deletes that snapshot once no clone uses it and snapshotMaxAge has passed.
 */
final class SourceRelease {

    private static final int CONFLICT_ATTEMPTS = 5;

    private SourceRelease() {}

    /** @return whether anything was still held */
    static boolean release(KubernetesClient client, Ownership ownership, DatabaseClone clone) {
        boolean held = deleteOwned(client, client.resources(VolumeSnapshot.class).inNamespace(clone.getMetadata().getNamespace())
                .withName(Names.snapshot(clone)).get(), clone);
        held |= deleted(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent(clone)), ownership);
        CloneSourceRef ref = clone.getSpec().getSource().getCloneSource();
        for (VolumeSnapshot s : client.resources(VolumeSnapshot.class).inNamespace(ref.getNamespace())
                .withLabel(Labels.CLONE_SOURCE, ref.getName()).list().getItems()) {
            if (SourceSnapshots.usedBy(s, clone)) {
                unclaim(client, s, clone);
                held = true;
            }
        }
        return held;
    }

    /**
     * Deletes an object only if this clone controls it and it is not already going: a Pod or PVC
     * that merely has the clone's name (someone's real data volume, say) is never touched.
     * @return whether a deletion was started
     */
    static boolean deleteOwned(KubernetesClient client, HasMetadata object, DatabaseClone clone) {
        if (object == null || !Ownership.controlledBy(object, clone.getMetadata().getUid()) || object.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        client.resource(object).delete();
        return true;
    }

    /** Deletes the object if it exists, is the operator's (marked) and is not already being deleted; whether a deletion was started. */
    private static boolean deleted(Resource<? extends HasMetadata> resource, Ownership ownership) {
        HasMetadata existing = resource.get();
        if (existing == null || !ownership.marked(existing) || existing.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        resource.delete();
        return true;
    }

    /** Removes this clone's finalizer with optimistic locking: an index-based patch could remove another clone's. */
    static void unclaim(KubernetesClient client, VolumeSnapshot snapshot, DatabaseClone clone) {
        VolumeSnapshot current = snapshot;
        for (int attempt = 1; current != null && SourceSnapshots.usedBy(current, clone); attempt++) {
            SourceSnapshots.removeClaim(current.getMetadata(), clone.getMetadata().getUid());
            try {
                client.resource(current).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
                    throw e;
                }
                current = client.resources(VolumeSnapshot.class).inNamespace(snapshot.getMetadata().getNamespace())
                        .withName(snapshot.getMetadata().getName()).get();
            }
        }
    }
}
