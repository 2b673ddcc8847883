package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The controllers a real cluster runs and the mock API server does not, for the operator's tests on
 * the fabric8 mock, so every one of them sees the same cluster behaviour:
 * <ul>
 *   <li>storage: the local cluster's own {@link Snapshotter} and {@link Provisioner} (what the
 *       snapshot controller, the CSI sidecars and the PV binder do) over {@link InstantStorage},
 *       which holds no data; the tests steer the driver's answers through
 *       {@link #failSnapshotsOf} and {@link #snapshotsBecomeReady};</li>
 *   <li>kubelet: the kit's {@link InstantKubelet}, each Pod at its own 10.0.0.N: a Pod becomes Ready, or its
 *       container terminates with a message, or it stays pending, as the test says ({@link #podFate});</li>
 *   <li>garbage collector: objects whose owner of one of the given owner types (the operator's
 *       custom resources: a DatabaseClone, a RefreshSchedule) is deleted go with it, owned custom
 *       resources included (a schedule's clones), and with them what they own.</li>
 * </ul>
 * The owner types are passed in rather than named here: this kit does not depend on the operator.
 */
public final class ClusterStandIns implements AutoCloseable {

    private final KubernetesClient client;
    private final List<Class<? extends HasMetadata>> ownerTypes;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final AtomicInteger ips = new AtomicInteger(10);
    private final InstantStorage storage = new InstantStorage();
    private final Snapshotter snapshotter;
    private final Provisioner provisioner;
    private final InstantKubelet kubelet;

    /** @param ownerTypes the custom resources whose deletion takes what they own with it */
    @SafeVarargs
    public ClusterStandIns(KubernetesClient client, Class<? extends HasMetadata>... ownerTypes) {
        this.client = client;
        this.ownerTypes = List.of(ownerTypes);
        this.snapshotter = new Snapshotter(client, storage);
        // no pod reads a volume here, so none holds one back from deletion
        this.provisioner = new Provisioner(client, false, storage, path -> false);
        this.kubelet = new InstantKubelet(client, () -> "10.0.0." + ips.incrementAndGet());
    }

    public ClusterStandIns start() {
        snapshotter.start();
        provisioner.start();
        kubelet.start();
        for (Class<? extends HasMetadata> owner : ownerTypes) {
            informers.add(client.resources(owner).inAnyNamespace().inform(onDelete(
                    o -> collectGarbage(o.getMetadata().getNamespace(), o.getMetadata().getUid()))));
        }
        return this;
    }

    /** The CSI driver answers every snapshot of this PVC (in any namespace) with this error, as a driver without a usable snapshot class would. */
    public void failSnapshotsOf(String pvcName, String message) {
        snapshotter.failSnapshotsOf(pvcName, message);
    }

    /** Snapshots of this PVC succeed again, as after fixing the snapshot class; one that failed becomes ready. */
    public void snapshotsOfSucceed(String pvcName) {
        snapshotter.snapshotsOfSucceed(pvcName);
    }

    /** False: snapshots stay being cut, bound to their content and not ready, until this is true again. */
    public void snapshotsBecomeReady(boolean ready) {
        snapshotter.snapshotsBecomeReady(ready);
    }

    /** What the kubelet does with Pods created from now on (default: they run). */
    public void podFate(Function<Pod, InstantKubelet.PodFate> fate) {
        kubelet.fate(fate);
    }

    /** Whether the storage holds this volume (a PV's volume handle). */
    public boolean hasVolume(String volumeHandle) {
        return storage.hasVolume(volumeHandle);
    }

    /** Whether the storage holds this snapshot (a VolumeSnapshotContent's snapshot handle). */
    public boolean hasSnapshot(String snapshotHandle) {
        return storage.hasSnapshot(snapshotHandle);
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
                    try {
                        client.resource(item).delete();
                    } catch (KubernetesClientException e) {
                        if (!Informers.ignorable(e)) {
                            throw e;
                        }
                    }
                }
            }
        }
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
        snapshotter.close();
        provisioner.close();
        informers.forEach(SharedIndexInformer::close);
        storage.close();
    }
}
