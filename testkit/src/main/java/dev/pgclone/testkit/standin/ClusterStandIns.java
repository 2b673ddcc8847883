package dev.pgclone.testkit.standin;

import dev.pgclone.testkit.cluster.InstantKubelet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The controllers a real cluster runs and the mock API server does not, kept small and in one
 * place so every operator test sees the same cluster behaviour:
 * <ul>
 *   <li>snapshot controller: a new VolumeSnapshot of a PVC gets a VolumeSnapshotContent with a
 *       snapshot handle and becomes readyToUse with creationTime and a
 *       restoreSize equal to its source PVC's request (or an error, when the test says so); one
 *       naming an existing pre-provisioned content becomes ready when that content names a handle;</li>
 *   <li>volume binder: a PVC becomes Bound;</li>
 *   <li>kubelet: the kit's {@link InstantKubelet}, each Pod at its own 10.0.0.N: a Pod becomes Ready, or its
 *       container terminates with a message, or it stays pending, as the test says ({@link #podFate});</li>
 *   <li>garbage collector: objects whose owner of one of the given owner types (the operator's
 *       custom resources: a DatabaseClone, a RefreshSchedule) is deleted go with it, owned custom
 *       resources included (a schedule's clones), and with them what they own.</li>
 * </ul>
 * The owner types are passed in rather than named here: this kit does not depend on the operator.
 */
public final class ClusterStandIns implements AutoCloseable {

    /** The CSI driver name on the contents the snapshot stand-in makes. */
    public static final String CSI_DRIVER = "standin.csi.pgclone.dev";

    private final KubernetesClient client;
    private final List<Class<? extends HasMetadata>> ownerTypes;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final AtomicInteger ips = new AtomicInteger(10);
    private final InstantKubelet kubelet;
    private final Map<String, String> snapshotErrors = new ConcurrentHashMap<>();
    private volatile boolean snapshotsBecomeReady = true;

    /** @param ownerTypes the custom resources whose deletion takes what they own with it */
    @SafeVarargs
    public ClusterStandIns(KubernetesClient client, Class<? extends HasMetadata>... ownerTypes) {
        this.client = client;
        this.ownerTypes = List.of(ownerTypes);
        this.kubelet = new InstantKubelet(client, () -> "10.0.0." + ips.incrementAndGet());
    }

    public ClusterStandIns start() {
        informers.add(client.resources(VolumeSnapshot.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override public void onAdd(VolumeSnapshot o) { snapshotController(o); }
            @Override public void onUpdate(VolumeSnapshot a, VolumeSnapshot b) { snapshotController(b); }
            @Override public void onDelete(VolumeSnapshot o, boolean unknown) { deleteDynamicContent(o); }
        }));
        informers.add(client.persistentVolumeClaims().inAnyNamespace().inform(onUpsert(this::volumeBinder)));
        kubelet.start();
        for (Class<? extends HasMetadata> owner : ownerTypes) {
            informers.add(client.resources(owner).inAnyNamespace().inform(onDelete(
                    o -> collectGarbage(o.getMetadata().getNamespace(), o.getMetadata().getUid()))));
        }
        return this;
    }

    /** Snapshots of this source PVC fail with the message, as a CSI driver error would. */
    public void failSnapshotsOf(String pvcName, String message) {
        snapshotErrors.put(pvcName, message);
    }

    /** Snapshots of this source PVC succeed again, as after fixing the snapshot class. */
    public void snapshotsOfSucceed(String pvcName) {
        snapshotErrors.remove(pvcName);
    }

    public void snapshotsBecomeReady(boolean ready) {
        this.snapshotsBecomeReady = ready;
    }

    /** What the kubelet does with Pods created from now on (default: they run). */
    public void podFate(Function<Pod, InstantKubelet.PodFate> fate) {
        kubelet.fate(fate);
    }

    private void snapshotController(VolumeSnapshot vs) {
        if (vs.getStatus() != null || !snapshotsBecomeReady) {
            return;
        }
        if (vs.getSpec().getSource().getVolumeSnapshotContentName() != null) {
            bindPreProvisioned(vs);
            return;
        }
        String pvcName = vs.getSpec().getSource().getPersistentVolumeClaimName();
        PersistentVolumeClaim source = client.persistentVolumeClaims().inNamespace(vs.getMetadata().getNamespace()).withName(pvcName).get();
        var status = new VolumeSnapshotStatusBuilder().withCreationTime(now());
        String error = snapshotErrors.get(pvcName);
        if (error != null) {
            status.withReadyToUse(false).withNewError().withMessage(error).withTime(now()).endError();
        } else if (source == null) {
            status.withReadyToUse(false).withNewError().withMessage("source PVC " + pvcName + " not found").withTime(now()).endError();
        } else {
            Quantity size = source.getSpec().getResources().getRequests().get("storage");
            String contentName = "snapcontent-" + vs.getMetadata().getUid();
            ignoreConflicts(() -> client.resource(new VolumeSnapshotContentBuilder()
                    .withNewMetadata().withName(contentName).endMetadata()
                    .withNewSpec().withDeletionPolicy("Delete").withDriver(CSI_DRIVER)
                        .withNewSource().withVolumeHandle("pv-" + source.getMetadata().getUid()).endSource()
                        .withNewVolumeSnapshotRef().withNamespace(vs.getMetadata().getNamespace()).withName(vs.getMetadata().getName())
                            .withUid(vs.getMetadata().getUid()).endVolumeSnapshotRef()
                    .endSpec()
                    .withNewStatus().withSnapshotHandle("snap-" + vs.getMetadata().getUid()).withReadyToUse(true)
                        .withRestoreSize(size.getNumericalAmount().longValue()).endStatus()
                    .build()).create());
            status.withReadyToUse(true).withRestoreSize(size).withBoundVolumeSnapshotContentName(contentName);
        }
        vs.setStatus(status.build());
        ignoreConflicts(() -> client.resource(vs).updateStatus());
    }

    /** A deleted snapshot's dynamically made content goes with it (deletionPolicy Delete); pre-provisioned ones stay. */
    private void deleteDynamicContent(VolumeSnapshot vs) {
        String contentName = "snapcontent-" + vs.getMetadata().getUid();
        ignoreConflicts(() -> client.resources(VolumeSnapshotContent.class).withName(contentName).delete());
    }

    /** A VolumeSnapshot naming a pre-provisioned content: ready once that content exists and names a handle. */
    private void bindPreProvisioned(VolumeSnapshot vs) {
        String contentName = vs.getSpec().getSource().getVolumeSnapshotContentName();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(contentName).get();
        if (content == null) {
            // a test that gives a snapshot without its content plays the snapshot controller for it
            return;
        }
        var status = new VolumeSnapshotStatusBuilder().withCreationTime(now());
        if (content.getSpec().getSource() == null || content.getSpec().getSource().getSnapshotHandle() == null) {
            status.withReadyToUse(false).withNewError().withMessage("VolumeSnapshotContent " + contentName + " names no snapshotHandle")
                    .withTime(now()).endError();
        } else {
            status.withReadyToUse(true).withBoundVolumeSnapshotContentName(contentName);
        }
        vs.setStatus(status.build());
        ignoreConflicts(() -> client.resource(vs).updateStatus());
    }

    private void volumeBinder(PersistentVolumeClaim pvc) {
        if (pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase())) {
            return;
        }
        pvc.getSpec().setVolumeName("pv-" + pvc.getMetadata().getUid());
        Quantity size = pvc.getSpec().getResources().getRequests().get("storage");
        pvc.setStatus(new PersistentVolumeClaimStatusBuilder().withPhase("Bound").withCapacity(Map.of("storage", size))
                .withAccessModes(pvc.getSpec().getAccessModes()).build());
        ignoreConflicts(() -> client.resource(pvc).updateStatus());
    }

    /** Deletes what a deleted owner controlled, as kube-controller-manager's garbage collector does. */
    private void collectGarbage(String namespace, String ownerUid) {
        List<Class<? extends HasMetadata>> types = new ArrayList<>(List.of(Pod.class, PersistentVolumeClaim.class, Secret.class,
                ConfigMap.class, Service.class, VolumeSnapshot.class));
        types.addAll(ownerTypes);
        for (Class<? extends HasMetadata> type : types) {
            for (HasMetadata item : client.resources(type).inNamespace(namespace).list().getItems()) {
                boolean owned = item.getMetadata().getOwnerReferences().stream().anyMatch(r -> ownerUid.equals(r.getUid()));
                if (owned) {
                    ignoreConflicts(() -> client.resource(item).delete());
                }
            }
        }
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void ignoreConflicts(Runnable r) {
        try {
            r.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> onUpsert(java.util.function.Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override public void onAdd(T obj) { action.accept(obj); }
            @Override public void onUpdate(T oldObj, T newObj) { action.accept(newObj); }
            @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
        };
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> onDelete(java.util.function.Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override public void onAdd(T obj) {}
            @Override public void onUpdate(T oldObj, T newObj) {}
            @Override public void onDelete(T obj, boolean deletedFinalStateUnknown) { action.accept(obj); }
        };
    }

    @Override
    public void close() {
        kubelet.close();
        informers.forEach(SharedIndexInformer::close);
    }
}
