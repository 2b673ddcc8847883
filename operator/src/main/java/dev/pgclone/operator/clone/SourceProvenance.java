package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.util.HashSet;
import java.util.Set;

/**
 * Where the data of a PVC or VolumeSnapshot named by a clone came from: is it (a copy of a copy
 * of ...) a CloneSource's data? Such data stays under the CloneSource's rules (grant, mandatory
 * masking, strict isolation, its image), so a clone may not take it by {@code pvcName} or
 * {@code snapshotName} and skip them (docs/architecture.md, "The trust boundary").
 * <p>
 * The walk follows only what a namespace user cannot rewrite: a PVC's {@code dataSource} /
 * {@code dataSourceRef} and a VolumeSnapshot's {@code source} are immutable, and the content
 * through which a clone of a CloneSource restores is cluster-scoped and carries the operator's
 * mark. Labels and owner references, which anyone with edit rights can strip, only add evidence.
 * When a link of the chain no longer exists, where the data came from cannot be told.
 */
final class SourceProvenance {

    /** Longer chains than this are not followed (and reported as unknown). */
    static final int MAX_HOPS = 16;
    private static final String SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

    sealed interface Verdict permits Original, Derived, Unknown {}

    /** Not a copy of a CloneSource's data, as far as the chain goes. */
    record Original() implements Verdict {}

    /** @param how the chain, from what the clone names to the CloneSource's data */
    record Derived(String how) implements Verdict {}

    /** @param how the chain up to the missing link */
    record Unknown(String how) implements Verdict {}

    private final KubernetesClient client;
    private final Ownership ownership;
    private final Set<String> visited = new HashSet<>();

    private SourceProvenance(KubernetesClient client, Ownership ownership) {
        this.client = client;
        this.ownership = ownership;
    }

    /** The provenance of the PVC or snapshot a clone's spec.source names (in {@code namespace}). */
    static Verdict of(KubernetesClient client, Ownership ownership, String namespace, String pvcName, String snapshotName) {
        SourceProvenance walk = new SourceProvenance(client, ownership);
        return pvcName != null ? walk.pvc(namespace, pvcName, "PersistentVolumeClaim " + namespace + "/" + pvcName, true)
                : walk.snapshot(namespace, snapshotName, "VolumeSnapshot " + namespace + "/" + snapshotName, true);
    }

    private Verdict pvc(String namespace, String name, String how, boolean named) {
        if (!visited.add("pvc/" + namespace + "/" + name) || visited.size() > MAX_HOPS) {
            return new Unknown(how + " (a chain of more than " + MAX_HOPS + " copies)");
        }
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (pvc == null) {
            // the PVC the clone names is missing: SourceNotFound says so; a missing link further up is unknown
            return named ? new Original() : new Unknown(how + ", which no longer exists");
        }
        Verdict byOwner = cloneOfCloneSource(pvc, how);
        if (byOwner != null) {
            return byOwner;
        }
        var spec = pvc.getSpec();
        String kind = spec.getDataSourceRef() != null ? spec.getDataSourceRef().getKind()
                : spec.getDataSource() != null ? spec.getDataSource().getKind() : null;
        if (kind == null) {
            return new Original();
        }
        String group = spec.getDataSourceRef() != null ? spec.getDataSourceRef().getApiGroup() : spec.getDataSource().getApiGroup();
        String from = spec.getDataSourceRef() != null ? spec.getDataSourceRef().getName() : spec.getDataSource().getName();
        String fromNamespace = spec.getDataSourceRef() != null && spec.getDataSourceRef().getNamespace() != null
                ? spec.getDataSourceRef().getNamespace() : namespace;
        if ("VolumeSnapshot".equals(kind) && SNAPSHOT_GROUP.equals(group)) {
            return snapshot(fromNamespace, from, how + ", restored from VolumeSnapshot " + fromNamespace + "/" + from, false);
        }
        if ("PersistentVolumeClaim".equals(kind) && (group == null || group.isEmpty())) {
            return pvc(fromNamespace, from, how + ", a copy of PersistentVolumeClaim " + fromNamespace + "/" + from, false);
        }
        // a volume populator: whatever it filled the volume with, it is not a copy of another volume
        return new Original();
    }

    private Verdict snapshot(String namespace, String name, String how, boolean named) {
        if (!visited.add("snapshot/" + namespace + "/" + name) || visited.size() > MAX_HOPS) {
            return new Unknown(how + " (a chain of more than " + MAX_HOPS + " copies)");
        }
        VolumeSnapshot snapshot = client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(name).get();
        if (snapshot == null) {
            return named ? new Original() : new Unknown(how + ", which no longer exists");
        }
        Verdict byOwner = cloneOfCloneSource(snapshot, how);
        if (byOwner != null) {
            return byOwner;
        }
        var source = snapshot.getSpec() == null ? null : snapshot.getSpec().getSource();
        if (source == null) {
            return new Unknown(how + ", which names no source");
        }
        if (source.getVolumeSnapshotContentName() != null) {
            String contentName = source.getVolumeSnapshotContentName();
            VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(contentName).get();
            if (content == null) {
                return new Unknown(how + ", bound to VolumeSnapshotContent " + contentName + ", which no longer exists");
            }
            if (contentName.startsWith(Names.boundContent("")) && ownership.marked(content)) {
                return new Derived(how + ", bound to VolumeSnapshotContent " + contentName
                        + ", through which the operator gives a clone of a CloneSource that CloneSource's snapshot");
            }
            // pre-provisioned from a storage snapshot made elsewhere (e.g. a backup): an original
            return new Original();
        }
        if (source.getPersistentVolumeClaimName() != null) {
            return pvc(namespace, source.getPersistentVolumeClaimName(),
                    how + ", a snapshot of PersistentVolumeClaim " + namespace + "/" + source.getPersistentVolumeClaimName(), false);
        }
        return new Unknown(how + ", which names no source");
    }

    /** Derived when the object is controlled by an existing clone (same uid) of a CloneSource; null when that tells nothing. */
    private Verdict cloneOfCloneSource(HasMetadata object, String how) {
        var controller = Ownership.controller(object);
        if (controller.isEmpty() || !"DatabaseClone".equals(controller.get().getKind())) {
            return null;
        }
        DatabaseClone owner = client.resources(DatabaseClone.class).inNamespace(object.getMetadata().getNamespace())
                .withName(controller.get().getName()).get();
        if (owner == null || !owner.getMetadata().getUid().equals(controller.get().getUid()) || owner.getSpec() == null
                || owner.getSpec().getSource() == null || owner.getSpec().getSource().getCloneSource() == null) {
            return null;
        }
        return new Derived(how + ", which belongs to DatabaseClone " + owner.getMetadata().getName() + ", a clone of CloneSource "
                + owner.getSpec().getSource().getCloneSource());
    }
}
