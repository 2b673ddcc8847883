package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentStatusBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CSI external-snapshotter and a CSI driver do together: a VolumeSnapshot of a PVC gets a
 * VolumeSnapshotContent naming the PVC's volume, the driver cuts a storage snapshot of that volume,
 * and the VolumeSnapshot becomes readyToUse, bound to the content, with the content's creation time
 * and restore size (the source volume's capacity, as a driver reports it). A VolumeSnapshot bound to
 * a pre-provisioned content (the way a snapshot is shared into another namespace) becomes ready
 * with that content's handle. Deleting a snapshot deletes its content and storage snapshot when the
 * deletion policy says Delete.
 * <p>
 * A driver's answers can be steered, for tests of what the operator makes of them: it can refuse
 * to snapshot a PVC's volume with an error ({@link #failSnapshotsOf}), and it can leave every
 * snapshot being cut, not ready ({@link #snapshotsBecomeReady}). As the external-snapshotter does,
 * a snapshot that is not ready is tried again (on every resync), so it recovers when the driver does.
 * A failure of the storage itself is reported the same way.
 */
final class Snapshotter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);

    private final KubernetesClient client;
    private final StorageBackend storage;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    /** PVC name (in any namespace) to the error the driver answers a snapshot of its volume with. */
    private final Map<String, String> refusals = new ConcurrentHashMap<>();
    private volatile boolean snapshotsBecomeReady = true;

    Snapshotter(KubernetesClient client, StorageBackend storage) {
        this.client = client;
        this.storage = storage;
    }

    Snapshotter start() {
        informers.add(client.resources(VolumeSnapshot.class).inAnyNamespace()
                .inform(Informers.handler(LOG, "VolumeSnapshot", this::reconcile, this::deleted), Informers.RESYNC_MILLIS));
        return this;
    }

    /** The driver answers every snapshot of this PVC's volume (a PVC of this name in any namespace) with this error. */
    void failSnapshotsOf(String pvcName, String message) {
        refusals.put(pvcName, message);
    }

    /** The driver snapshots this PVC's volume again, as after fixing the snapshot class; failed snapshots of it recover. */
    void snapshotsOfSucceed(String pvcName) {
        refusals.remove(pvcName);
    }

    /**
     * False: the driver finishes no snapshot; new ones stay bound to their content and not ready,
     * without a creation time, as while a driver is still cutting (or uploading) them. True again:
     * they become ready.
     */
    void snapshotsBecomeReady(boolean ready) {
        this.snapshotsBecomeReady = ready;
    }

    static String contentName(VolumeSnapshot vs) {
        return "snapcontent-" + vs.getMetadata().getUid();
    }

    private void reconcile(VolumeSnapshot vs) {
        if (vs.getMetadata().getDeletionTimestamp() != null
                || (vs.getStatus() != null && Boolean.TRUE.equals(vs.getStatus().getReadyToUse()))) {
            return;
        }
        var source = vs.getSpec() == null ? null : vs.getSpec().getSource();
        if (source == null) {
            return;
        }
        if (source.getVolumeSnapshotContentName() != null) {
            bindPreProvisioned(vs, source.getVolumeSnapshotContentName());
        } else if (source.getPersistentVolumeClaimName() != null) {
            takeSnapshot(vs, source.getPersistentVolumeClaimName());
        }
    }

    private void takeSnapshot(VolumeSnapshot vs, String pvcName) {
        String ns = vs.getMetadata().getNamespace();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(contentName(vs)).get();
        if (content == null) {
            PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(ns).withName(pvcName).get();
            if (pvc == null) {
                error(vs, "PersistentVolumeClaim " + ns + "/" + pvcName + " not found");
                return;
            }
            if (pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase()) || pvc.getSpec().getVolumeName() == null) {
                return;
            }
            PersistentVolume pv = client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get();
            String volumeHandle = pv == null ? null : Provisioner.volumeHandle(pv);
            if (volumeHandle == null) {
                error(vs, "PersistentVolume " + pvc.getSpec().getVolumeName() + " is not one of this cluster's volumes");
                return;
            }
            content = client.resource(new VolumeSnapshotContentBuilder()
                    .withNewMetadata().withName(contentName(vs)).endMetadata()
                    .withNewSpec()
                        .withDeletionPolicy("Delete")
                        .withDriver(LocalCluster.DRIVER)
                        .withVolumeSnapshotClassName(vs.getSpec().getVolumeSnapshotClassName() == null
                                ? LocalCluster.SNAPSHOT_CLASS : vs.getSpec().getVolumeSnapshotClassName())
                        .withNewSource().withVolumeHandle(volumeHandle).endSource()
                        .withVolumeSnapshotRef(new ObjectReferenceBuilder().withApiVersion("snapshot.storage.k8s.io/v1")
                                .withKind("VolumeSnapshot").withNamespace(ns).withName(vs.getMetadata().getName())
                                .withUid(vs.getMetadata().getUid()).build())
                    .endSpec()
                    .build()).create();
        }
        if (handle(content) == null) {
            content = cut(vs, pvcName, content);
            if (content == null) {
                return;
            }
        }
        markReady(vs, content);
    }

    /** The driver's CreateSnapshot: the content with its handle, creation time and size, or null when there is none (yet). */
    private VolumeSnapshotContent cut(VolumeSnapshot vs, String pvcName, VolumeSnapshotContent content) {
        String volumeHandle = content.getSpec().getSource().getVolumeHandle();
        String snapshotHandle = "snap-" + vs.getMetadata().getUid();
        String refusal = refusals.get(pvcName);
        if (refusal != null) {
            driverError(vs, volumeHandle, refusal);
            return null;
        }
        if (!snapshotsBecomeReady) {
            if (vs.getStatus() == null || vs.getStatus().getBoundVolumeSnapshotContentName() == null) {
                vs.setStatus(new VolumeSnapshotStatusBuilder().withReadyToUse(false)
                        .withBoundVolumeSnapshotContentName(content.getMetadata().getName()).build());
                client.resource(vs).updateStatus();
            }
            return null;
        }
        long started = System.nanoTime();
        try {
            storage.snapshot(volumeHandle, snapshotHandle);
        } catch (RuntimeException e) {
            driverError(vs, volumeHandle, e.getMessage());
            return null;
        }
        Instant taken = Instant.now();
        LOG.info("snapshot {}/{} of PVC {} taken in {} ms ({})", vs.getMetadata().getNamespace(), vs.getMetadata().getName(), pvcName,
                (System.nanoTime() - started) / 1_000_000, storage.copyOnWrite() ? "copy-on-write" : "full copy");
        content.setStatus(new VolumeSnapshotContentStatusBuilder().withSnapshotHandle(snapshotHandle).withReadyToUse(true)
                .withCreationTime(taken.getEpochSecond() * 1_000_000_000L + taken.getNano())
                .withRestoreSize(Provisioner.capacityBytes(client, volumeHandle)).build());
        return client.resource(content).updateStatus();
    }

    /** As the snapshot controller words a CreateSnapshot error it copies into the VolumeSnapshot. */
    private void driverError(VolumeSnapshot vs, String volumeHandle, String message) {
        error(vs, "Failed to check and update snapshot content: failed to take snapshot of the volume " + volumeHandle + ": \""
                + message + "\"");
    }

    private void bindPreProvisioned(VolumeSnapshot vs, String contentName) {
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(contentName).get();
        if (content == null) {
            error(vs, "VolumeSnapshotContent " + contentName + " not found");
            return;
        }
        String handle = handle(content);
        if (handle == null || !storage.hasSnapshot(handle)) {
            error(vs, "VolumeSnapshotContent " + contentName + " names snapshot handle " + handle + ", which this cluster's storage does not have");
            return;
        }
        if (content.getStatus() == null || !Boolean.TRUE.equals(content.getStatus().getReadyToUse())) {
            Instant now = Instant.now();
            content.setStatus(new VolumeSnapshotContentStatusBuilder().withSnapshotHandle(handle).withReadyToUse(true)
                    .withCreationTime(now.getEpochSecond() * 1_000_000_000L + now.getNano()).build());
            content = client.resource(content).updateStatus();
        }
        markReady(vs, content);
    }

    static String handle(VolumeSnapshotContent content) {
        if (content.getStatus() != null && content.getStatus().getSnapshotHandle() != null) {
            return content.getStatus().getSnapshotHandle();
        }
        return content.getSpec() != null && content.getSpec().getSource() != null ? content.getSpec().getSource().getSnapshotHandle() : null;
    }

    /** The snapshot controller's part: the VolumeSnapshot's status from its content's (any earlier error cleared). */
    private void markReady(VolumeSnapshot vs, VolumeSnapshotContent content) {
        Long created = content.getStatus() == null ? null : content.getStatus().getCreationTime();
        Instant at = created == null ? Instant.now() : Instant.ofEpochSecond(created / 1_000_000_000L, created % 1_000_000_000L);
        Long bytes = content.getStatus() == null ? null : content.getStatus().getRestoreSize();
        vs.setStatus(new VolumeSnapshotStatusBuilder().withReadyToUse(true).withBoundVolumeSnapshotContentName(content.getMetadata().getName())
                .withCreationTime(at.truncatedTo(ChronoUnit.SECONDS).toString())
                .withRestoreSize(bytes == null ? null : quantityOfBytes(bytes)).build());
        client.resource(vs).updateStatus();
    }

    /**
     * Bytes as Kubernetes prints a binary-SI quantity of 1Ki or more, the way the snapshot controller
     * turns a driver's size into restoreSize: as many factors of 1024 as divide it go into the
     * suffix (21474836480 is 20Gi, 10000000000 is 9765625Ki).
     */
    static Quantity quantityOfBytes(long bytes) {
        String[] suffixes = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        long amount = bytes;
        int exponent = 0;
        while (amount != 0 && amount % 1024 == 0 && exponent < suffixes.length - 1) {
            amount /= 1024;
            exponent++;
        }
        return new Quantity(Long.toString(amount), suffixes[exponent]);
    }

    private void error(VolumeSnapshot vs, String message) {
        if (vs.getStatus() != null && vs.getStatus().getError() != null && message.equals(vs.getStatus().getError().getMessage())) {
            return;
        }
        LOG.info("VolumeSnapshot {}/{}: {}", vs.getMetadata().getNamespace(), vs.getMetadata().getName(), message);
        vs.setStatus(new VolumeSnapshotStatusBuilder().withReadyToUse(false)
                .withNewError().withMessage(message).withTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).endError().build());
        client.resource(vs).updateStatus();
    }

    /** Dynamically created contents follow their snapshot; the storage snapshot goes with a Delete policy. */
    private void deleted(VolumeSnapshot vs) {
        String name = vs.getStatus() == null || vs.getStatus().getBoundVolumeSnapshotContentName() == null
                ? contentName(vs) : vs.getStatus().getBoundVolumeSnapshotContentName();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(name).get();
        if (content == null || content.getSpec().getVolumeSnapshotRef() == null
                || !vs.getMetadata().getUid().equals(content.getSpec().getVolumeSnapshotRef().getUid())) {
            return;
        }
        if ("Delete".equals(content.getSpec().getDeletionPolicy())) {
            String handle = handle(content);
            client.resource(content).delete();
            if (handle != null) {
                storage.deleteSnapshot(handle);
                LOG.info("snapshot {}/{} deleted with its content and storage snapshot {}", vs.getMetadata().getNamespace(),
                        vs.getMetadata().getName(), handle);
            }
        }
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
