package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentStatus;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the real control plane, the CSI driver's side of snapshots, where the upstream snapshot
 * controller (run by the control plane) does the rest: what the csi-snapshotter sidecar and the
 * driver's CreateSnapshot, ListSnapshots and DeleteSnapshot do, for contents of this driver only.
 * <ul>
 * <li>A dynamically created content (the controller made it for a new VolumeSnapshot; it names the
 * source volume) without status: the storage snapshot is taken and the status written (handle,
 * creation time, size, readyToUse); the controller then binds and readies the VolumeSnapshot.
 * <li>A pre-provisioned content (it names a snapshot handle): ready when the storage has that
 * snapshot, an error in its status otherwise.
 * <li>A content being deleted (the controller marks it, or a pre-provisioned one is unbound): with
 * policy Delete the storage snapshot goes, then the controller's finalizer is removed.
 * </ul>
 * The mock API server runs no snapshot controller; {@link Snapshotter} plays both parts there.
 */
final class SnapshotSidecar implements AutoCloseable {

    static final String CONTENT_FINALIZER = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection";
    static final String BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted";
    static final String BEING_CREATED = "snapshot.storage.kubernetes.io/volumesnapshot-being-created";
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSidecar.class);

    private final KubernetesClient client;
    private final StorageBackend storage;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    SnapshotSidecar(KubernetesClient client, StorageBackend storage) {
        this.client = client;
        this.storage = storage;
    }

    SnapshotSidecar start() {
        informers.add(client.resources(VolumeSnapshotContent.class)
                .inform(Informers.handler(LOG, "VolumeSnapshotContent", this::reconcile, c -> { }), Informers.RESYNC_MILLIS));
        return this;
    }

    private void reconcile(VolumeSnapshotContent content) {
        if (content.getSpec() == null || !LocalCluster.DRIVER.equals(content.getSpec().getDriver())) {
            return;
        }
        var source = content.getSpec().getSource();
        if (content.getMetadata().getDeletionTimestamp() != null) {
            if (shouldDelete(content)) {
                delete(content);
            }
            return;
        }
        if (source.getVolumeHandle() != null && (content.getStatus() == null || content.getStatus().getSnapshotHandle() == null)) {
            // new, or an earlier attempt failed (its error is in the status): as the sidecar does, (re)try
            create(content, source.getVolumeHandle());
        } else if (source.getSnapshotHandle() != null && (content.getStatus() == null || !Boolean.TRUE.equals(content.getStatus().getReadyToUse()))) {
            checkPreProvisioned(content, source.getSnapshotHandle());
        }
    }

    /** As the sidecar decides: an unbound pre-provisioned content, or one the controller marked as its snapshot's deletion. */
    private static boolean shouldDelete(VolumeSnapshotContent content) {
        var ref = content.getSpec().getVolumeSnapshotRef();
        if (content.getSpec().getSource().getSnapshotHandle() != null && (ref == null || ref.getUid() == null || ref.getUid().isEmpty())) {
            return true;
        }
        Map<String, String> annotations = content.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(BEING_DELETED) && !annotations.containsKey(BEING_CREATED);
    }

    private void create(VolumeSnapshotContent content, String volumeHandle) {
        String snapshotHandle = "snapshot-" + content.getSpec().getVolumeSnapshotRef().getUid();
        if (!storage.hasVolume(volumeHandle)) {
            error(content, "volume " + volumeHandle + " does not exist in this cluster's storage");
            return;
        }
        setAnnotation(content, BEING_CREATED, "yes");
        long started = System.nanoTime();
        try {
            if (!storage.hasSnapshot(snapshotHandle)) {
                storage.snapshot(volumeHandle, snapshotHandle);
            }
        } catch (RuntimeException e) {
            // a final answer from the storage: the content may be deleted again, and the next sync retries
            setAnnotation(content, BEING_CREATED, null);
            error(content, "taking snapshot " + snapshotHandle + " of volume " + volumeHandle + " failed: " + e.getMessage());
            return;
        }
        Instant taken = Instant.now();
        LOG.info("snapshot {} of volume {} for VolumeSnapshot {}/{} taken in {} ms ({})", snapshotHandle, volumeHandle,
                content.getSpec().getVolumeSnapshotRef().getNamespace(), content.getSpec().getVolumeSnapshotRef().getName(),
                (System.nanoTime() - started) / 1_000_000, storage.copyOnWrite() ? "copy-on-write" : "full copy");
        writeStatus(content, new VolumeSnapshotContentStatusBuilder().withSnapshotHandle(snapshotHandle).withReadyToUse(true)
                .withCreationTime(taken.getEpochSecond() * 1_000_000_000L + taken.getNano()).withRestoreSize(Provisioner.capacityBytes(client, volumeHandle)).build());
        setAnnotation(content, BEING_CREATED, null);
    }

    private void checkPreProvisioned(VolumeSnapshotContent content, String snapshotHandle) {
        if (!storage.hasSnapshot(snapshotHandle)) {
            error(content, "snapshot handle " + snapshotHandle + " does not exist in this cluster's storage");
            return;
        }
        Instant now = Instant.now();
        writeStatus(content, new VolumeSnapshotContentStatusBuilder().withSnapshotHandle(snapshotHandle).withReadyToUse(true)
                .withCreationTime(now.getEpochSecond() * 1_000_000_000L + now.getNano()).build());
    }

    private void delete(VolumeSnapshotContent content) {
        String handle = content.getStatus() == null ? null : content.getStatus().getSnapshotHandle();
        if ("Delete".equals(content.getSpec().getDeletionPolicy()) && handle != null) {
            storage.deleteSnapshot(handle);
            LOG.info("storage snapshot {} deleted with VolumeSnapshotContent {}", handle, content.getMetadata().getName());
        }
        try {
            client.resources(VolumeSnapshotContent.class).withName(content.getMetadata().getName()).edit(c -> {
                if (c.getMetadata().getFinalizers() != null) {
                    c.getMetadata().getFinalizers().remove(CONTENT_FINALIZER);
                }
                return c;
            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void writeStatus(VolumeSnapshotContent content, VolumeSnapshotContentStatus status) {
        client.resources(VolumeSnapshotContent.class).withName(content.getMetadata().getName()).editStatus(c -> {
            c.setStatus(status);
            return c;
        });
    }

    private void error(VolumeSnapshotContent content, String message) {
        var current = content.getStatus();
        if (current != null && current.getError() != null && message.equals(current.getError().getMessage())) {
            return;
        }
        LOG.info("VolumeSnapshotContent {}: {}", content.getMetadata().getName(), message);
        writeStatus(content, new VolumeSnapshotContentStatusBuilder().withReadyToUse(false)
                .withNewError().withMessage(message).withTime(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
                .endError().build());
    }

    private void setAnnotation(VolumeSnapshotContent content, String key, String value) {
        client.resources(VolumeSnapshotContent.class).withName(content.getMetadata().getName()).edit(c -> {
            Map<String, String> a = c.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(c.getMetadata().getAnnotations());
            if (value == null) {
                a.remove(key);
            } else {
                a.put(key, value);
            }
            c.getMetadata().setAnnotations(a);
            return c;
        });
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
