package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.cnpg.CloudNativePG;
import dev.pgclone.operator.cnpg.CnpgObjects;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotStatusBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.source.cloudNativePGBackup with the real reconciler on the mock API server: a completed
 * volume-snapshot Backup ({@link CnpgObjects}) is restored from its own snapshots, which the
 * operator only reads; its WAL snapshot becomes the clone's WAL volume and its backup label goes to
 * the bootstrap; what the resolver refuses is a condition with its reason. Which Backups resolve,
 * and to what, is CloudNativePGResolverTest's.
 */
@ApiServerTest
class CloudNativePGBackupCloneTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private CnpgObjects cnpg;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = harness.namespace("cnpg-backup-" + NS.incrementAndGet());
        CnpgObjects.defineKinds(client);
        cnpg = new CnpgObjects(client, ns);
        // the Backup's image and uid are read from its Cluster: postgresUID 26 by default, status.image
        cnpg.cluster("orders", 2).walStorage().create();
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void anOnlineBackupIsRestoredFromItsDataAndWalSnapshotsWhichStayAsTheyWere() {
        backup(cnpg.backup("nightly", "orders", "orders-2", true), "orders-2", "orders-2-wal");
        Map<String, String> before = versions("nightly");
        client.resource(clone("from-nightly", "nightly")).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "from-nightly", "Ready", "True", "CloneReady");
        var used = ready.getStatus().getCloudNativePG();
        assertThat(used.getBackup()).isEqualTo("nightly");
        assertThat(used.getCluster()).isEqualTo("orders");
        assertThat(used.getInstance()).isEqualTo("orders-2");
        assertThat(used.getRole()).as("the label's BACKUP FROM").isEqualTo("primary");
        assertThat(used.getData()).isEqualTo("nightly");
        assertThat(used.getWal()).isEqualTo("nightly-wal");
        assertThat(used.getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(used.getRunAsUser()).isEqualTo(26L);
        assertThat(used.getSuperuserSecret()).isNull();
        assertThat(ready.getStatus().getSource()).isEqualTo("cloudNativePGBackup " + ns + "/nightly");
        assertThat(ready.getStatus().getSnapshot().getName()).isEqualTo("nightly");
        assertThat(ready.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("VolumeSnapshots nightly (data) and nightly-wal (WAL) are ready");

        // restored from the Backup's own snapshots: none taken, no backup or CHECKPOINT run on anything
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("from-nightly").get().getSpec().getDataSource().getName())
                .isEqualTo("nightly");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("from-nightly-wal").get().getSpec().getDataSource().getName())
                .isEqualTo("nightly-wal");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("nightly", "nightly-wal");
        assertThat(harness.checkpointer().calls()).isEmpty();

        Pod pod = client.pods().inNamespace(ns).withName("from-nightly").get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(26L);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("wal");
            assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("from-nightly-wal");
        });
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("wal");
            assertThat(m.getMountPath()).isEqualTo("/pgclone/wal");
        });
        assertThat(env(pod)).containsEntry("PGDATA", "/pgclone/volume/pgdata").containsEntry("PGCLONE_WAL_VOLUME", "/pgclone/wal")
                .containsEntry("PGCLONE_WAL_DIRECTORY", "pg_wal").containsEntry("PGCLONE_BACKUP_LABEL_FILE", "/pgclone/bootstrap/backup_label");
        assertThat(bootstrap("from-nightly").getData()).containsEntry("backup_label", CnpgObjects.BACKUP_LABEL);
        assertThat(versions("nightly")).as("the Backup and its snapshots, untouched").isEqualTo(before);

        // once the volumes exist the Backup is no longer needed: deleting it changes nothing for the clone, whose
        // Pod, gone (a node drained), comes back as it was, with the label the bootstrap ConfigMap kept
        client.genericKubernetesResources(CnpgObjects.context(CloudNativePG.BACKUP)).inNamespace(ns).withName("nightly").delete();
        String firstPod = pod.getMetadata().getUid();
        client.resource(pod).withGracePeriod(0).delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Pod again = client.pods().inNamespace(ns).withName("from-nightly").get();
            assertThat(again).isNotNull();
            assertThat(again.getMetadata().getUid()).isNotEqualTo(firstPod);
            assertThat(env(again)).containsEntry("PGCLONE_BACKUP_LABEL_FILE", "/pgclone/bootstrap/backup_label")
                    .containsEntry("PGCLONE_WAL_VOLUME", "/pgclone/wal");
            DatabaseClone after = client.resources(DatabaseClone.class).inNamespace(ns).withName("from-nightly").get();
            assertThat(after.getStatus().condition("Ready").orElseThrow().getStatus()).isEqualTo("True");
            assertThat(after.getStatus().getCloudNativePG()).isEqualTo(used);
        });
        assertThat(bootstrap("from-nightly").getData()).containsEntry("backup_label", CnpgObjects.BACKUP_LABEL);

        // and deleting the clone leaves the snapshots it was restored from
        Map<String, String> snapshots = versions(null);
        client.resource(ready).delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(ns).withName("from-nightly").get() == null
                && client.persistentVolumeClaims().inNamespace(ns).withName("from-nightly").get() == null
                && client.persistentVolumeClaims().inNamespace(ns).withName("from-nightly-wal").get() == null);
        assertThat(versions(null)).isEqualTo(snapshots);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems())
                .allSatisfy(s -> assertThat(s.getMetadata().getDeletionTimestamp()).isNull());
    }

    @Test
    void anOfflineBackupStartsWithoutALabelAndAnOnlineOneWithoutWalVolumeWithoutAWalVolume() {
        backup(cnpg.backup("cold", "orders", "orders-1", true).offline(), "orders-1", "orders-1-wal");
        backup(cnpg.backup("hot", "orders", "orders-2", false), "orders-2");
        client.resource(clone("from-cold", "cold")).create();
        client.resource(clone("from-hot", "hot")).create();

        DatabaseClone cold = CloneObservations.awaitCondition(client, ns, "from-cold", "Ready", "True", "CloneReady");
        assertThat(cold.getStatus().getCloudNativePG().getWal()).isEqualTo("cold-wal");
        assertThat(cold.getStatus().getCloudNativePG().getRole()).as("an offline backup has no label to tell").isNull();
        Map<String, String> coldEnv = env(client.pods().inNamespace(ns).withName("from-cold").get());
        assertThat(coldEnv).containsEntry("PGCLONE_WAL_VOLUME", "/pgclone/wal").doesNotContainKey("PGCLONE_BACKUP_LABEL_FILE");
        assertThat(bootstrap("from-cold").getData()).doesNotContainKey("backup_label");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("from-cold-wal").get().getSpec().getDataSource().getName())
                .isEqualTo("cold-wal");

        DatabaseClone hot = CloneObservations.awaitCondition(client, ns, "from-hot", "Ready", "True", "CloneReady");
        assertThat(hot.getStatus().getCloudNativePG().getWal()).isNull();
        Pod hotPod = client.pods().inNamespace(ns).withName("from-hot").get();
        assertThat(env(hotPod)).containsEntry("PGCLONE_BACKUP_LABEL_FILE", "/pgclone/bootstrap/backup_label")
                .doesNotContainKey("PGCLONE_WAL_VOLUME");
        assertThat(hotPod.getSpec().getVolumes()).noneSatisfy(v -> assertThat(v.getName()).isEqualTo("wal"));
        assertThat(bootstrap("from-hot").getData()).containsEntry("backup_label", CnpgObjects.BACKUP_LABEL);
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("from-hot-wal").get()).isNull();
    }

    @Test
    void aBackupThatCannotBeRestoredIsAConditionWithTheResolversReasonAndNothingIsMade() {
        pendingPvc("orders-1");
        cnpg.backup("running", "orders", "orders-1", false).status("phase", "running").create();
        cnpg.backup("s3", "orders", "orders-1", false).spec("method", "barmanObjectStore").status("method", "barmanObjectStore")
                .status("snapshotBackupStatus", null).create();
        client.resource(clone("not-yet", "running")).create();
        client.resource(clone("from-s3", "s3")).create();
        client.resource(clone("from-nothing", "weekly")).create();

        DatabaseClone running = CloneObservations.awaitCondition(client, ns, "not-yet", "Ready", "False", "CloudNativePGBackupNotReady");
        assertThat(running.getStatus().condition("Ready").orElseThrow().getMessage()).contains("Backup running is running, not completed");
        DatabaseClone s3 = CloneObservations.awaitCondition(client, ns, "from-s3", "Ready", "False", "CloudNativePGBackupNotVolumeSnapshot");
        assertThat(s3.getStatus().condition("Ready").orElseThrow().getMessage()).contains("method barmanObjectStore");
        DatabaseClone missing = CloneObservations.awaitCondition(client, ns, "from-nothing", "Ready", "False", "CloudNativePGBackupNotFound");
        assertThat(missing.getStatus().condition("Ready").orElseThrow().getMessage()).contains("Backup weekly in namespace " + ns);
        assertThat(CloneObservations.warnings(client, ns, "not-yet")).contains("CloudNativePGBackupNotReady");
        assertThat(CloneObservations.warnings(client, ns, "from-s3")).contains("CloudNativePGBackupNotVolumeSnapshot");
        assertThat(CloneObservations.warnings(client, ns, "from-nothing")).contains("CloudNativePGBackupNotFound");

        for (String name : List.of("not-yet", "from-s3", "from-nothing")) {
            assertThat(client.persistentVolumeClaims().inNamespace(ns).withName(name).get()).as(name).isNull();
            assertThat(client.configMaps().inNamespace(ns).withName(name + "-bootstrap").get()).as(name).isNull();
            assertThat(client.pods().inNamespace(ns).withName(name).get()).as(name).isNull();
        }
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
                .containsExactlyInAnyOrder("running", "s3");
    }

    /**
     * Writes a Backup whose snapshots the storage stand-in then really cuts, so that volumes can be
     * restored from them: {@link CnpgObjects} writes them ready, bound to a content of its own
     * naming that this storage has not got. Their PVCs stay unbound (bound to no volume) while the
     * Backup is written, so the snapshot stand-in leaves them alone; then they get their volumes,
     * and the snapshots, made not ready again, are cut.
     */
    private void backup(CnpgObjects.Backup backup, String... pvcs) {
        for (String pvc : pvcs) {
            pendingPvc(pvc);
        }
        String name = backup.create().getMetadata().getName();
        for (String pvc : pvcs) {
            client.persistentVolumeClaims().inNamespace(ns).withName(pvc).edit(p -> {
                p.getSpec().setVolumeName(null);
                return p;
            });
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of(pvcs).stream().allMatch(p -> {
            PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(ns).withName(p).get();
            return claim.getStatus() != null && "Bound".equals(claim.getStatus().getPhase());
        }));
        List<VolumeSnapshot> snapshots = client.resources(VolumeSnapshot.class).inNamespace(ns)
                .withLabel(CloudNativePG.BACKUP_NAME_LABEL, name).list().getItems();
        assertThat(snapshots).hasSize(pvcs.length);
        for (VolumeSnapshot vs : snapshots) {
            vs.setStatus(new VolumeSnapshotStatusBuilder().withReadyToUse(false).build());
            client.resources(VolumeSnapshot.class).inNamespace(ns).resource(vs).updateStatus();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(VolumeSnapshot.class).inNamespace(ns)
                .withLabel(CloudNativePG.BACKUP_NAME_LABEL, name).list().getItems().stream().allMatch(vs -> vs.getStatus() != null
                        && Boolean.TRUE.equals(vs.getStatus().getReadyToUse()) && client.resources(VolumeSnapshotContent.class)
                                .withName(vs.getStatus().getBoundVolumeSnapshotContentName()).get() != null));
    }

    /** A PVC bound to no volume that exists: it stays Pending, and nothing snapshots it. */
    private void pendingPvc(String name) {
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withVolumeName("no-such-volume")
                .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build()).create();
    }

    /** resourceVersion of the Backup (when named) and of every VolumeSnapshot of the namespace, by kind and name. */
    private Map<String, String> versions(String backup) {
        Map<String, String> versions = new LinkedHashMap<>();
        if (backup != null) {
            HasMetadata b = client.genericKubernetesResources(CnpgObjects.context(CloudNativePG.BACKUP)).inNamespace(ns).withName(backup).get();
            versions.put("Backup/" + backup, b.getMetadata().getResourceVersion());
        }
        client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()
                .forEach(s -> versions.put("VolumeSnapshot/" + s.getMetadata().getName(), s.getMetadata().getResourceVersion()));
        return versions;
    }

    private ConfigMap bootstrap(String clone) {
        return client.configMaps().inNamespace(ns).withName(clone + "-bootstrap").get();
    }

    private static Map<String, String> env(Pod pod) {
        return pod.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    private DatabaseClone clone(String name, String backup) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setCloudNativePGBackup(backup);
        spec.setSource(source);
        clone.setSpec(spec);
        return clone;
    }
}
