package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI external-provisioner and the driver's controller side: a PVC of this driver gets a new
 * volume (a subvolume on btrfs), or, with a VolumeSnapshot as dataSource, a writable snapshot of
 * that snapshot, and a CSI PV naming it (volume handle; the local path as a volume attribute, the
 * way the kubelet stand-in finds it). A PV of this driver that is Released with reclaim policy
 * Delete goes with its volume, once no running pod uses it any more.
 * <p>
 * On the real control plane kube-controller-manager binds: it marks a claim of this driver's
 * storage class for provisioning (annotation {@value #PROVISIONER_ANNOTATION}), binds the PV this
 * class creates, and releases it when the claim is deleted (pvc-protection holding the claim while
 * a pod uses it). The mock has none of that, so there this class also binds (a PVC naming a PV, an
 * imported volume, is just bound) and releases a PV when its claim is deleted.
 */
final class Provisioner implements AutoCloseable {

    static final String VOLUME_HANDLE = "sandbox.pgclone.dev/volume-handle";
    static final String PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner";
    static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    /** The CSI volume attribute with the volume's local directory. */
    static final String PATH_ATTRIBUTE = "path";
    private static final Logger LOG = LoggerFactory.getLogger(Provisioner.class);

    private final KubernetesClient client;
    private final boolean realApiServer;
    private final StorageBackend storage;
    private final Predicate<Path> inUse;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    /** PV names whose claim is gone, waiting for their pods to stop. */
    private final Set<String> releasing = ConcurrentHashMap.newKeySet();

    Provisioner(KubernetesClient client, boolean realApiServer, StorageBackend storage, Predicate<Path> inUse) {
        this.client = client;
        this.realApiServer = realApiServer;
        this.storage = storage;
        this.inUse = inUse;
    }

    Provisioner start() {
        informers.add(client.persistentVolumeClaims().inAnyNamespace()
                .inform(Informers.handler(LOG, "PersistentVolumeClaim", this::reconcile,
                        // on the real control plane the binder releases a PV whose claim is gone
                        realApiServer ? pvc -> { } : this::deleted), Informers.RESYNC_MILLIS));
        if (realApiServer) {
            informers.add(client.persistentVolumes()
                    .inform(Informers.handler(LOG, "PersistentVolume", this::released, pv -> { }), Informers.RESYNC_MILLIS));
        }
        return this;
    }

    static String volumeHandle(PersistentVolume pv) {
        if (pv.getSpec() != null && pv.getSpec().getCsi() != null && LocalCluster.DRIVER.equals(pv.getSpec().getCsi().getDriver())) {
            return pv.getSpec().getCsi().getVolumeHandle();
        }
        return pv.getMetadata().getAnnotations() == null ? null : pv.getMetadata().getAnnotations().get(VOLUME_HANDLE);
    }

    /** The capacity in bytes of the PV of this volume, as a driver reports a snapshot's size; null when no PV says one. */
    static Long capacityBytes(KubernetesClient client, String volumeHandle) {
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            if (volumeHandle.equals(volumeHandle(pv))) {
                Quantity q = pv.getSpec().getCapacity() == null ? null : pv.getSpec().getCapacity().get("storage");
                return q == null ? null : Quantity.getAmountInBytes(q).longValue();
            }
        }
        return null;
    }

    /** The local directory of one of this cluster's PVs, or null. */
    static Path localPath(PersistentVolume pv) {
        if (pv.getSpec().getCsi() != null && pv.getSpec().getCsi().getVolumeAttributes() != null) {
            String p = pv.getSpec().getCsi().getVolumeAttributes().get(PATH_ATTRIBUTE);
            return p == null ? null : Path.of(p);
        }
        return pv.getSpec().getHostPath() == null ? null : Path.of(pv.getSpec().getHostPath().getPath());
    }

    /** The PV source of a volume of this cluster's storage. */
    static io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource csiSource(String volumeHandle, Path path) {
        return new io.fabric8.kubernetes.api.model.CSIPersistentVolumeSourceBuilder().withDriver(LocalCluster.DRIVER)
                .withVolumeHandle(volumeHandle).withVolumeAttributes(Map.of(PATH_ATTRIBUTE, path.toString())).build();
    }

    private void reconcile(PersistentVolumeClaim pvc) {
        if (pvc.getMetadata().getDeletionTimestamp() != null || (pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase()))) {
            return;
        }
        if (realApiServer) {
            provisionForBinder(pvc);
            return;
        }
        String ns = pvc.getMetadata().getNamespace();
        String preBound = pvc.getSpec().getVolumeName();
        if (preBound != null && !preBound.isBlank()) {
            PersistentVolume pv = client.persistentVolumes().withName(preBound).get();
            if (pv != null) {
                bind(pvc, pv);
            }
            return;
        }
        String pvName = "pvc-" + pvc.getMetadata().getUid();
        PersistentVolume pv = client.persistentVolumes().withName(pvName).get();
        if (pv == null) {
            Path path = provision(pvc, pvName);
            if (path == null) {
                return;
            }
            pv = client.resource(persistentVolume(pvc, pvName, path)).create();
            LOG.info("PVC {}/{} provisioned: {} at {}", ns, pvc.getMetadata().getName(), pvName, path);
        }
        bind(pvc, pv);
    }

    /** The external provisioner's part: a PV for a claim the binder handed to this driver; the binder binds them. */
    private void provisionForBinder(PersistentVolumeClaim pvc) {
        var annotations = pvc.getMetadata().getAnnotations();
        String volumeName = pvc.getSpec().getVolumeName();
        if (annotations == null || !LocalCluster.DRIVER.equals(annotations.get(PROVISIONER_ANNOTATION))
                || (volumeName != null && !volumeName.isEmpty())) {
            return;
        }
        String pvName = "pvc-" + pvc.getMetadata().getUid();
        if (client.persistentVolumes().withName(pvName).get() != null) {
            return;
        }
        Path path = provision(pvc, pvName);
        if (path == null) {
            return;
        }
        client.resource(persistentVolume(pvc, pvName, path)).create();
        LOG.info("PVC {}/{} provisioned: {} at {}", pvc.getMetadata().getNamespace(), pvc.getMetadata().getName(), pvName, path);
    }

    /** A PV of this driver the binder released (its claim is gone) with reclaim policy Delete is to be deleted. */
    private void released(PersistentVolume pv) {
        var annotations = pv.getMetadata().getAnnotations();
        if (pv.getStatus() != null && "Released".equals(pv.getStatus().getPhase())
                && "Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())
                && annotations != null && LocalCluster.DRIVER.equals(annotations.get(PROVISIONED_BY))
                && pv.getMetadata().getDeletionTimestamp() == null) {
            releasing.add(pv.getMetadata().getName());
            releaseUnused();
        }
    }

    /** The volume for a new claim, or null while its data source is not ready yet. */
    private Path provision(PersistentVolumeClaim pvc, String pvName) {
        // the API server mirrors dataSource into dataSourceRef; the mock keeps what the client sent
        var ref = pvc.getSpec().getDataSourceRef();
        var local = pvc.getSpec().getDataSource();
        String kind = ref != null ? ref.getKind() : local == null ? null : local.getKind();
        String group = ref != null ? ref.getApiGroup() : local == null ? null : local.getApiGroup();
        String sourceName = ref != null ? ref.getName() : local == null ? null : local.getName();
        if (kind == null) {
            return storage.provisionVolume(pvName);
        }
        boolean otherNamespace = ref != null && ref.getNamespace() != null && !ref.getNamespace().equals(pvc.getMetadata().getNamespace());
        if (!"VolumeSnapshot".equals(kind) || !ClusterCrds.SNAPSHOT_GROUP.equals(group) || otherNamespace) {
            LOG.warn("PVC {}/{}: data source {} {} is not supported here; it stays Pending", pvc.getMetadata().getNamespace(),
                    pvc.getMetadata().getName(), kind, otherNamespace ? "in another namespace" : "");
            return null;
        }
        VolumeSnapshot vs = client.resources(VolumeSnapshot.class).inNamespace(pvc.getMetadata().getNamespace()).withName(sourceName).get();
        if (vs == null || vs.getStatus() == null || !Boolean.TRUE.equals(vs.getStatus().getReadyToUse())) {
            return null;
        }
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(vs.getStatus().getBoundVolumeSnapshotContentName()).get();
        String handle = content == null ? null : Snapshotter.handle(content);
        if (handle == null) {
            return null;
        }
        long started = System.nanoTime();
        Path p = storage.restore(handle, pvName);
        LOG.info("PVC {}/{} restored from snapshot {} in {} ms", pvc.getMetadata().getNamespace(), pvc.getMetadata().getName(),
                sourceName, (System.nanoTime() - started) / 1_000_000);
        return p;
    }

    private static PersistentVolume persistentVolume(PersistentVolumeClaim pvc, String pvName, Path path) {
        Quantity size = pvc.getSpec().getResources().getRequests().get("storage");
        return new PersistentVolumeBuilder()
                .withNewMetadata().withName(pvName)
                    .withAnnotations(Map.of(VOLUME_HANDLE, pvName, PROVISIONED_BY, LocalCluster.DRIVER))
                .endMetadata()
                .withNewSpec()
                    .withCapacity(Map.of("storage", size == null ? new Quantity("1Gi") : size))
                    .withAccessModes(pvc.getSpec().getAccessModes())
                    .withPersistentVolumeReclaimPolicy("Delete")
                    .withStorageClassName(pvc.getSpec().getStorageClassName() == null ? LocalCluster.STORAGE_CLASS : pvc.getSpec().getStorageClassName())
                    .withCsi(csiSource(pvName, path))
                    .withVolumeMode(pvc.getSpec().getVolumeMode() == null ? "Filesystem" : pvc.getSpec().getVolumeMode())
                    .withClaimRef(new ObjectReferenceBuilder().withApiVersion("v1").withKind("PersistentVolumeClaim")
                            .withNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName())
                            .withUid(pvc.getMetadata().getUid()).build())
                .endSpec()
                .build();
    }

    private void bind(PersistentVolumeClaim pvc, PersistentVolume pv) {
        if (pv.getSpec().getClaimRef() == null || pv.getSpec().getClaimRef().getUid() == null) {
            pv.getSpec().setClaimRef(new ObjectReferenceBuilder().withApiVersion("v1").withKind("PersistentVolumeClaim")
                    .withNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName())
                    .withUid(pvc.getMetadata().getUid()).build());
            pv = client.resource(pv).update();
        }
        if (pv.getStatus() == null || !"Bound".equals(pv.getStatus().getPhase())) {
            pv.setStatus(new PersistentVolumeStatusBuilder().withPhase("Bound").build());
            client.resource(pv).updateStatus();
        }
        String pvName = pv.getMetadata().getName();
        Quantity capacity = pv.getSpec().getCapacity().get("storage");
        var claim = client.persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName());
        // as it is now, not as the event had it: the event of this binder's own first write comes back before the status is Bound
        PersistentVolumeClaim current = claim.get();
        if (current == null) {
            return;
        }
        if (!pvName.equals(current.getSpec().getVolumeName())) {
            current = claim.edit(c -> {
                c.getSpec().setVolumeName(pvName);
                return c;
            });
        }
        if (current.getStatus() == null || !"Bound".equals(current.getStatus().getPhase())) {
            claim.editStatus(c -> {
                c.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound").withAccessModes(c.getSpec().getAccessModes())
                        .withCapacity(Map.of("storage", capacity)).build());
                return c;
            });
        }
    }

    private void deleted(PersistentVolumeClaim pvc) {
        for (PersistentVolume pv : client.persistentVolumes().list().getItems()) {
            var ref = pv.getSpec().getClaimRef();
            if (ref != null && pvc.getMetadata().getUid().equals(ref.getUid())) {
                if ("Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())) {
                    releasing.add(pv.getMetadata().getName());
                } else {
                    pv.setStatus(new PersistentVolumeStatusBuilder().withPhase("Released").build());
                    client.resource(pv).updateStatus();
                }
            }
        }
        releaseUnused();
    }

    /** Deletes PVs (and their volumes) whose claim is gone, once no pod runs on them. Called every second. */
    void releaseUnused() {
        for (String name : List.copyOf(releasing)) {
            try {
                PersistentVolume pv = client.persistentVolumes().withName(name).get();
                if (pv == null) {
                    releasing.remove(name);
                    continue;
                }
                Path path = localPath(pv);
                if (path != null && inUse.test(path)) {
                    continue;
                }
                // the volume first, as the external-provisioner calls DeleteVolume before it deletes the PV: a
                // failure leaves the PV, so the next pass tries again instead of forgetting the volume
                String handle = volumeHandle(pv);
                if (handle != null) {
                    storage.deleteVolume(handle);
                }
                client.resource(pv).delete();
                releasing.remove(name);
                LOG.info("PV {} and its volume deleted (claim {}/{} gone)", name, pv.getSpec().getClaimRef().getNamespace(),
                        pv.getSpec().getClaimRef().getName());
            } catch (KubernetesClientException | IllegalStateException e) {
                LOG.warn("releasing PV {}: {} (retrying)", name, e.getMessage());
            }
        }
    }

    boolean idle() {
        return releasing.isEmpty();
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
