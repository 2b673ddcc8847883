package dev.pgclone.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The storage the operator's API-server tests see: the local cluster's snapshotter and provisioner
 * on the fabric8 mock over storage that holds no data, with the driver answers the tests steer.
 * Each behaviour the operator reads is checked here against what Kubernetes and the CSI sidecars
 * do: binding, a snapshot's status and content, errors, pre-provisioned contents, deletion.
 */
@Tag("api-server")
class ClusterStandInsTest {

    private static final String NS = "prod";
    private static final long WAIT_SECONDS = 30;

    private KubernetesMockServer server;
    private KubernetesClient client;
    private ClusterStandIns cluster;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        for (String ns : new String[] {NS, "staging"}) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        cluster = new ClusterStandIns(client).start();
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void aClaimGetsAVolumeAndIsBoundToItsPv() {
        PersistentVolumeClaim pvc = bound(claim("data", "10Gi"));

        PersistentVolume pv = client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get();
        assertThat(pv.getStatus().getPhase()).isEqualTo("Bound");
        assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo(pvc.getMetadata().getUid());
        assertThat(pv.getSpec().getCapacity().get("storage")).isEqualTo(new Quantity("10Gi"));
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
        assertThat(pvc.getStatus().getCapacity().get("storage")).isEqualTo(new Quantity("10Gi"));
        assertThat(pvc.getStatus().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(cluster.hasVolume(Provisioner.volumeHandle(pv))).isTrue();
    }

    @Test
    void aSnapshotOfAClaimIsReadyBoundToItsContentWithTheDriversTimeAndSize() {
        PersistentVolumeClaim pvc = bound(claim("data", "20Gi"));
        Instant before = Instant.now().minusSeconds(1);
        VolumeSnapshot vs = ready(snapshotOf("nightly", "data"));

        assertThat(vs.getStatus().getRestoreSize()).hasToString("20Gi");
        assertThat(Instant.parse(vs.getStatus().getCreationTime())).isBetween(before, Instant.now());
        assertThat(vs.getStatus().getError()).isNull();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(vs.getStatus().getBoundVolumeSnapshotContentName()).get();
        assertThat(content.getSpec().getDeletionPolicy()).isEqualTo("Delete");
        assertThat(content.getSpec().getSource().getVolumeHandle())
                .isEqualTo(Provisioner.volumeHandle(client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get()));
        assertThat(content.getSpec().getVolumeSnapshotRef().getUid()).isEqualTo(vs.getMetadata().getUid());
        assertThat(content.getStatus().getReadyToUse()).isTrue();
        assertThat(content.getStatus().getRestoreSize()).isEqualTo(20L << 30);
        assertThat(cluster.hasSnapshot(content.getStatus().getSnapshotHandle())).isTrue();
    }

    @Test
    void aSnapshotTheDriverRefusesCarriesItsErrorAndBecomesReadyOnceTheDriverTakesIt() {
        bound(claim("data", "1Gi"));
        cluster.failSnapshotsOf("data", "rpc error: code = Internal desc = snapshot quota exceeded");
        VolumeSnapshot failed = await(snapshotOf("nightly", "data"), v -> v.getStatus() != null && v.getStatus().getError() != null);

        assertThat(failed.getStatus().getReadyToUse()).isFalse();
        assertThat(failed.getStatus().getError().getMessage()).contains("snapshot quota exceeded");
        assertThat(failed.getStatus().getCreationTime()).isNull();

        cluster.snapshotsOfSucceed("data");
        VolumeSnapshot recovered = ready(failed);
        assertThat(recovered.getStatus().getError()).isNull();
        assertThat(recovered.getStatus().getRestoreSize()).hasToString("1Gi");
    }

    @Test
    void aSnapshotStillBeingCutIsBoundButNotReadyAndHasNoCreationTime() {
        bound(claim("data", "1Gi"));
        cluster.snapshotsBecomeReady(false);
        VolumeSnapshot cutting = await(snapshotOf("nightly", "data"),
                v -> v.getStatus() != null && v.getStatus().getBoundVolumeSnapshotContentName() != null);

        assertThat(cutting.getStatus().getReadyToUse()).isFalse();
        assertThat(cutting.getStatus().getCreationTime()).isNull();
        assertThat(cutting.getStatus().getRestoreSize()).isNull();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(cutting.getStatus().getBoundVolumeSnapshotContentName()).get();
        assertThat(content.getStatus()).as("the driver has not answered").isNull();
        // restored from before it is ready: provisioned once it is, as the external-provisioner does
        claimFrom("restored", "nightly", "1Gi");

        cluster.snapshotsBecomeReady(true);
        VolumeSnapshot done = ready(cutting);
        assertThat(done.getStatus().getCreationTime()).isNotNull();
        bound(client.persistentVolumeClaims().inNamespace(NS).withName("restored").get());
    }

    @Test
    void aSnapshotOfAClaimThatDoesNotExistFails() {
        VolumeSnapshot failed = await(snapshotOf("nightly", "not-there"), v -> v.getStatus() != null && v.getStatus().getError() != null);

        assertThat(failed.getStatus().getReadyToUse()).isFalse();
        assertThat(failed.getStatus().getError().getMessage()).contains("PersistentVolumeClaim prod/not-there not found");
        assertThat(client.resources(VolumeSnapshotContent.class).list().getItems()).isEmpty();
    }

    @Test
    void aClaimRestoredFromASnapshotGetsAVolumeOfItsOwn() {
        PersistentVolumeClaim source = bound(claim("data", "5Gi"));
        ready(snapshotOf("nightly", "data"));

        PersistentVolumeClaim restored = bound(claimFrom("restored", "nightly", "5Gi"));

        assertThat(restored.getSpec().getVolumeName()).isNotEqualTo(source.getSpec().getVolumeName());
        assertThat(cluster.hasVolume(restored.getSpec().getVolumeName())).isTrue();
    }

    @Test
    void deletingASnapshotDeletesItsContentAndStorageSnapshotButNotWhatWasRestoredFromIt() {
        bound(claim("data", "1Gi"));
        VolumeSnapshot vs = ready(snapshotOf("nightly", "data"));
        PersistentVolumeClaim restored = bound(claimFrom("restored", "nightly", "1Gi"));
        String contentName = vs.getStatus().getBoundVolumeSnapshotContentName();
        String handle = client.resources(VolumeSnapshotContent.class).withName(contentName).get().getStatus().getSnapshotHandle();

        client.resource(vs).delete();

        eventually("content " + contentName + " deleted", () -> client.resources(VolumeSnapshotContent.class).withName(contentName).get() == null);
        assertThat(cluster.hasSnapshot(handle)).isFalse();
        assertThat(cluster.hasVolume(restored.getSpec().getVolumeName())).isTrue();
    }

    @Test
    void aPreProvisionedContentBindsTheSameStorageSnapshotInAnotherNamespaceAndIsKeptWhenItsSnapshotGoes() {
        bound(claim("data", "1Gi"));
        VolumeSnapshot original = ready(snapshotOf("nightly", "data"));
        String handle = client.resources(VolumeSnapshotContent.class).withName(original.getStatus().getBoundVolumeSnapshotContentName()).get()
                .getStatus().getSnapshotHandle();
        client.resource(preProvisioned("shared-nightly", handle, "staging", "nightly")).create();

        VolumeSnapshot shared = ready(client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName("nightly").withNamespace("staging")
                .endMetadata().withNewSpec().withNewSource().withVolumeSnapshotContentName("shared-nightly").endSource().endSpec().build()).create());

        assertThat(shared.getStatus().getBoundVolumeSnapshotContentName()).isEqualTo("shared-nightly");
        assertThat(shared.getStatus().getCreationTime()).isNotNull();
        assertThat(client.resources(VolumeSnapshotContent.class).withName("shared-nightly").get().getStatus().getSnapshotHandle()).isEqualTo(handle);
        PersistentVolumeClaim restored = bound(client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("copy")
                .withNamespace("staging").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName("nightly").endDataSource()
                .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build()).create());
        assertThat(cluster.hasVolume(restored.getSpec().getVolumeName())).isTrue();

        client.resource(shared).delete();
        eventually("snapshot deleted", () -> client.resources(VolumeSnapshot.class).inNamespace("staging").withName("nightly").get() == null);
        assertThat(client.resources(VolumeSnapshotContent.class).withName("shared-nightly").get()).as("Retain: the content stays").isNotNull();
        assertThat(cluster.hasSnapshot(handle)).isTrue();
    }

    @Test
    void aPreProvisionedContentThatIsMissingOrNamesNoStorageSnapshotIsAnError() {
        VolumeSnapshot missing = await(client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName("orphan").withNamespace(NS)
                .endMetadata().withNewSpec().withNewSource().withVolumeSnapshotContentName("not-there").endSource().endSpec().build()).create(),
                v -> v.getStatus() != null && v.getStatus().getError() != null);
        assertThat(missing.getStatus().getError().getMessage()).contains("VolumeSnapshotContent not-there not found");

        client.resource(preProvisioned("made-up", "snap-that-never-was", NS, "made-up")).create();
        VolumeSnapshot unknown = await(client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName("made-up").withNamespace(NS)
                .endMetadata().withNewSpec().withNewSource().withVolumeSnapshotContentName("made-up").endSource().endSpec().build()).create(),
                v -> v.getStatus() != null && v.getStatus().getError() != null);
        assertThat(unknown.getStatus().getReadyToUse()).isFalse();
        assertThat(unknown.getStatus().getError().getMessage()).contains("snap-that-never-was");
    }

    @Test
    void deletingAClaimDeletesItsPvAndVolume() {
        PersistentVolumeClaim pvc = bound(claim("data", "1Gi"));
        String pvName = pvc.getSpec().getVolumeName();

        client.resource(pvc).delete();

        eventually("PV " + pvName + " deleted", () -> client.persistentVolumes().withName(pvName).get() == null);
        assertThat(cluster.hasVolume(pvName)).isFalse();
    }

    @Test
    void aSnapshotsSizeIsPrintedAsKubernetesPrintsBytes() {
        assertThat(Snapshotter.quantityOfBytes(20L << 30)).hasToString("20Gi");
        assertThat(Snapshotter.quantityOfBytes(1536L << 20)).hasToString("1536Mi");
        assertThat(Snapshotter.quantityOfBytes(1024)).hasToString("1Ki");
        // as resource.NewQuantity(n, BinarySI).String(): factors of 1024 only, even where a decimal suffix would be shorter
        assertThat(Snapshotter.quantityOfBytes(10_000_000_000L)).hasToString("9765625Ki");
        assertThat(Snapshotter.quantityOfBytes(1500)).hasToString("1500");
    }

    private PersistentVolumeClaim claim(String name, String size) {
        return client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce")
                .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec().build()).create();
    }

    private PersistentVolumeClaim claimFrom(String name, String snapshot, String size) {
        return client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce")
                .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName(snapshot).endDataSource()
                .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources().endSpec().build()).create();
    }

    private VolumeSnapshot snapshotOf(String name, String pvcName) {
        return client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withNewSource().withPersistentVolumeClaimName(pvcName).endSource().endSpec().build()).create();
    }

    private static VolumeSnapshotContent preProvisioned(String name, String handle, String namespace, String snapshot) {
        return new VolumeSnapshotContentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withDeletionPolicy("Retain").withDriver(LocalCluster.DRIVER)
                    .withNewSource().withSnapshotHandle(handle).endSource()
                    .withNewVolumeSnapshotRef().withNamespace(namespace).withName(snapshot).endVolumeSnapshotRef()
                .endSpec().build();
    }

    private PersistentVolumeClaim bound(PersistentVolumeClaim pvc) {
        return client.persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace()).withName(pvc.getMetadata().getName())
                .waitUntilCondition(p -> p != null && p.getStatus() != null && "Bound".equals(p.getStatus().getPhase())
                        && p.getSpec().getVolumeName() != null, WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Until the condition holds (the controllers act on informer events), at most {@value #WAIT_SECONDS} s. */
    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT_SECONDS + " s: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what, e);
            }
        }
    }

    private VolumeSnapshot ready(VolumeSnapshot vs) {
        return await(vs, v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()));
    }

    private VolumeSnapshot await(VolumeSnapshot vs, Predicate<VolumeSnapshot> condition) {
        return client.resources(VolumeSnapshot.class).inNamespace(vs.getMetadata().getNamespace()).withName(vs.getMetadata().getName())
                .waitUntilCondition(v -> v != null && condition.test(v), WAIT_SECONDS, TimeUnit.SECONDS);
    }
}
