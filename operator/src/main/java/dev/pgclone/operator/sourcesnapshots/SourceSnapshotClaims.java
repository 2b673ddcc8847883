package dev.pgclone.operator.sourcesnapshots;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The one place where claims on a CloneSource's snapshots are made and dropped in the cluster, for
 * both controllers: a clone claims the snapshot it uses and releases it when it goes or loses its
 * access; the CloneSource controller drops the claims of clones that no longer exist and deletes
 * the snapshots nobody claims. What a claim looks like on the object (a finalizer per clone, and an
 * annotation naming it) is {@link SourceSnapshots}'.
 *
 * <p>Every change is an update carrying the resourceVersion read, never a patch by list index: two
 * clones claiming or releasing one snapshot at once must not lose each other's finalizer, and a
 * snapshot claimed since it was read must not be deleted.
 */
public final class SourceSnapshotClaims {

    /** How often a claim's removal is tried again on a conflict before the reconcile fails (and is retried). */
    static final int CONFLICT_ATTEMPTS = 5;

    private static final Logger LOG = Logger.getLogger(SourceSnapshotClaims.class);

    private final KubernetesClient client;
    private final Ownership ownership;

    public SourceSnapshotClaims(KubernetesClient client, Ownership ownership) {
        this.client = client;
        this.ownership = ownership;
    }

    /**
     * The snapshots the operator took of this source's PVC: the label finds them, the mark proves they
     * are ours. Its masked snapshots ({@link MaskedSnapshots}), controlled by the source, are not among them.
     */
    public List<VolumeSnapshot> of(CloneSource source) {
        return client.resources(VolumeSnapshot.class).inNamespace(source.getMetadata().getNamespace())
                .withLabel(Labels.CLONE_SOURCE, source.getMetadata().getName()).list().getItems().stream()
                .filter(ownership::marked).filter(s -> Ownership.controller(s).isEmpty()).toList();
    }

    /**
     * Adds the clone's claim to a source snapshot.
     * @return the claimed snapshot; empty when it changed meanwhile, went away or is being deleted (look again)
     */
    public Optional<VolumeSnapshot> claim(VolumeSnapshot snapshot, DatabaseClone clone) {
        if (SourceSnapshots.usedBy(snapshot, clone)) {
            return Optional.of(snapshot);
        }
        if (snapshot.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        SourceSnapshots.addClaim(snapshot.getMetadata(), clone);
        try {
            // update, not patch: the resourceVersion makes two clones claiming at once both land or one retry
            return Optional.of(client.resource(snapshot).update());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404 || e.getCode() == 422) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Removes the clone's claim from a source snapshot, if it still has it. */
    public void unclaim(VolumeSnapshot snapshot, DatabaseClone clone) {
        withoutClaim(snapshot, clone.getMetadata().getUid());
    }

    /**
     * Undoes what a clone of a CloneSource holds outside its own namespace, when it is deleted or its
     * access is withdrawn: its bound VolumeSnapshot and the cluster-scoped content behind it (Retain:
     * production's storage snapshot stays), and its claim on the source snapshot, after which the
     * CloneSource controller deletes that snapshot once no clone uses it and snapshotMaxAge has passed.
     * @return whether anything was still held
     */
    public boolean release(DatabaseClone clone) {
        boolean held = ownership.deleteIfControlled(client.resources(VolumeSnapshot.class).inNamespace(clone.getMetadata().getNamespace())
                .withName(Names.snapshot(clone)).get(), clone.getMetadata().getUid());
        held |= deleteMarked(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent(clone)).get());
        CloneSourceRef ref = clone.getSpec().getSource().getCloneSource();
        for (VolumeSnapshot s : client.resources(VolumeSnapshot.class).inNamespace(ref.getNamespace())
                .withLabel(Labels.CLONE_SOURCE, ref.getName()).list().getItems()) {
            if (SourceSnapshots.usedBy(s, clone)) {
                unclaim(s, clone);
                held = true;
            }
        }
        return held;
    }

    /**
     * Drops the claims of clones that no longer exist (a clone whose finalizer was removed by hand
     * never released its claim, and would keep the snapshot, and a deleted CloneSource, forever),
     * with the VolumeSnapshotContent such a clone left. A clone being deleted still exists and
     * releases its own claim.
     * @return the snapshot as it is now (as given when it went away meanwhile)
     */
    public VolumeSnapshot withoutOrphanedClaims(VolumeSnapshot snapshot) {
        VolumeSnapshot current = snapshot;
        for (var claim : SourceSnapshots.claims(snapshot).entrySet()) {
            String[] clone = claim.getValue() == null ? null : claim.getValue().split("/", 2);
            if (clone == null || clone.length != 2) {
                continue;
            }
            DatabaseClone holder = client.resources(DatabaseClone.class).inNamespace(clone[0]).withName(clone[1]).get();
            if (holder != null && claim.getKey().equals(holder.getMetadata().getUid())) {
                continue;
            }
            Optional<VolumeSnapshot> after = withoutClaim(current, claim.getKey());
            if (after.isEmpty()) {
                return snapshot;
            }
            current = after.get();
            deleteMarked(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent(claim.getKey())).get());
            LOG.infof("VolumeSnapshot %s/%s: dropped the claim of DatabaseClone %s (uid %s), which no longer exists",
                    snapshot.getMetadata().getNamespace(), snapshot.getMetadata().getName(), claim.getValue(), claim.getKey());
        }
        return current;
    }

    /**
     * Deletes an unused snapshot unless a clone claimed it since it was read: the delete carries the
     * resourceVersion seen, so a claim landing in between makes it fail (409) and the snapshot stays.
     * @return whether it is gone or going
     */
    public boolean deleteUnclaimed(VolumeSnapshot snapshot) {
        if (snapshot.getMetadata().getDeletionTimestamp() != null) {
            return true;
        }
        try {
            client.resource(snapshot).lockResourceVersion().delete();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            if (e.getCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Removes the claim of the clone with this uid; on a conflict (another clone claimed or let go
     * meanwhile) it reads the snapshot again and tries again, a few times.
     * @return the snapshot without the claim; empty when it no longer exists
     */
    private Optional<VolumeSnapshot> withoutClaim(VolumeSnapshot snapshot, String cloneUid) {
        VolumeSnapshot current = snapshot;
        for (int attempt = 1; ; attempt++) {
            if (current == null) {
                return Optional.empty();
            }
            if (!SourceSnapshots.claims(current).containsKey(cloneUid)) {
                return Optional.of(current);
            }
            SourceSnapshots.removeClaim(current.getMetadata(), cloneUid);
            try {
                // no body back: the last finalizer of a snapshot being deleted is gone, and so is the snapshot
                return Optional.ofNullable(client.resource(current).update());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return Optional.empty();
                }
                if (e.getCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
                    throw e;
                }
                current = client.resources(VolumeSnapshot.class).inNamespace(snapshot.getMetadata().getNamespace())
                        .withName(snapshot.getMetadata().getName()).get();
            }
        }
    }

    /** Deletes an object of the operator's (marked) that is not already going; whether a deletion was started. */
    private boolean deleteMarked(VolumeSnapshotContent existing) {
        if (existing == null || !ownership.marked(existing) || existing.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        client.resource(existing).delete();
        return true;
    }
}
