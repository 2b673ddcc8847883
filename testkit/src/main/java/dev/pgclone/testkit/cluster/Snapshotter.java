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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the CSI external-snapshotter and a CSI driver do together: a VolumeSnapshot of a PVC becomes
 * a storage snapshot of that PVC's volume plus a VolumeSnapshotContent naming it, and the
 * VolumeSnapshot becomes readyToUse. A VolumeSnapshot bound to a pre-provisioned content (the way
 * a snapshot is shared into another namespace) becomes ready with that content's handle. Deleting a
 * snapshot deletes its content and storage snapshot when the deletion policy says Delete.
 */
final class Snapshotter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshotter.class);

    private final KubernetesClient client;
    private final StorageBackend storage;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    Snapshotter(KubernetesClient client, StorageBackend storage) {
        this.client = client;
        this.storage = storage;
    }

    Snapshotter start() {
        informers.add(client.resources(VolumeSnapshot.class).inAnyNamespace()
                .inform(Informers.handler(LOG, "VolumeSnapshot", this::reconcile, this::deleted), Informers.RESYNC_MILLIS));
        return this;
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
            String snapshotHandle = "snap-" + vs.getMetadata().getUid();
            long started = System.nanoTime();
            storage.snapshot(volumeHandle, snapshotHandle);
            Instant taken = Instant.now();
            LOG.info("snapshot {}/{} of PVC {} taken in {} ms ({})", ns, vs.getMetadata().getName(), pvcName,
                    (System.nanoTime() - started) / 1_000_000, storage.copyOnWrite() ? "copy-on-write" : "full copy");
            Quantity size = pvc.getSpec().getResources().getRequests().get("storage");
            content = new VolumeSnapshotContentBuilder()
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
                    .build();
            content = client.resource(content).create();
            content.setStatus(new VolumeSnapshotContentStatusBuilder().withSnapshotHandle(snapshotHandle).withReadyToUse(true)
                    .withCreationTime(taken.getEpochSecond() * 1_000_000_000L + taken.getNano())
                    .withRestoreSize(size == null ? null : Quantity.getAmountInBytes(size).longValue()).build());
            content = client.resource(content).updateStatus();
        }
        markReady(vs, content, restoreSizeOf(vs, pvcName));
    }

    private Quantity restoreSizeOf(VolumeSnapshot vs, String pvcName) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(vs.getMetadata().getNamespace()).withName(pvcName).get();
        return pvc == null ? null : pvc.getSpec().getResources().getRequests().get("storage");
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
        Long bytes = content.getStatus().getRestoreSize();
        markReady(vs, content, bytes == null ? null : new Quantity(Long.toString(bytes)));
    }

    static String handle(VolumeSnapshotContent content) {
        if (content.getStatus() != null && content.getStatus().getSnapshotHandle() != null) {
            return content.getStatus().getSnapshotHandle();
        }
        return content.getSpec() != null && content.getSpec().getSource() != null ? content.getSpec().getSource().getSnapshotHandle() : null;
    }

    private void markReady(VolumeSnapshot vs, VolumeSnapshotContent content, Quantity restoreSize) {
        Long created = content.getStatus() == null ? null : content.getStatus().getCreationTime();
        Instant at = created == null ? Instant.now() : Instant.ofEpochSecond(created / 1_000_000_000L, created % 1_000_000_000L);
        vs.setStatus(new VolumeSnapshotStatusBuilder().withReadyToUse(true).withBoundVolumeSnapshotContentName(content.getMetadata().getName())
                .withCreationTime(at.truncatedTo(ChronoUnit.SECONDS).toString()).withRestoreSize(restoreSize).build());
        client.resource(vs).updateStatus();
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
