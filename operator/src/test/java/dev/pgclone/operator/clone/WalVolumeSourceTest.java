package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CheckpointSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.postgres.BackupResult;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.RecordingCheckpointer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A source whose WAL is on a volume of its own, with the real reconciler on the mock API server: the
 * data volume's snapshot is cut inside the online backup, the WAL volume's after it with the label,
 * and the clone gets both volumes and the label. What PostgreSQL does with them is
 * BootstrapWalVolumeTest's (real PostgreSQL); the JDBC backup is JdbcSourceCheckpointerTest's.
 */
@ApiServerTest
class WalVolumeSourceTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = harness.namespace("wal-" + NS.incrementAndGet());
        harness.sourcePvc(ns, "orders-1", "20Gi", "fast-ssd");
        harness.sourcePvc(ns, "orders-1-wal", "5Gi", "fast-ssd");
        client.resource(new SecretBuilder().withNewMetadata().withName("orders-superuser").withNamespace(ns).endMetadata()
                .withStringData(Map.of("uri", "postgresql://postgres:s3cret@orders-rw." + ns + ":5432/postgres")).build()).create();
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void theDataSnapshotIsCutInsideTheBackupAndTheWalSnapshotAfterItCarriesTheLabel() {
        List<String> insideTheWindow = new CopyOnWriteArrayList<>();
        harness.checkpointer().backupAnswer(window -> {
            BackupResult result = RecordingCheckpointer.runWindow(window);
            // what exists when pg_backup_stop would run: the data snapshot, cut; no WAL snapshot yet
            VolumeSnapshot data = client.resources(VolumeSnapshot.class).inNamespace(ns).withName("orders-clone").get();
            insideTheWindow.add("data=" + (data != null && data.getStatus() != null && data.getStatus().getCreationTime() != null));
            insideTheWindow.add("wal=" + (client.resources(VolumeSnapshot.class).inNamespace(ns).withName("orders-clone-wal").get() != null));
            return result;
        });
        client.resource(clone("orders-clone")).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "orders-clone", "Ready", "True", "CloneReady");
        assertThat(insideTheWindow).containsExactly("data=true", "wal=false");
        assertThat(harness.checkpointer().calls()).singleElement().satisfies(c -> assertThat(c.host()).isEqualTo("orders-rw." + ns));

        VolumeSnapshot wal = client.resources(VolumeSnapshot.class).inNamespace(ns).withName("orders-clone-wal").get();
        assertThat(wal.getSpec().getSource().getPersistentVolumeClaimName()).isEqualTo("orders-1-wal");
        assertThat(wal.getMetadata().getAnnotations()).containsEntry("pgclone.dev/backup-label", RecordingCheckpointer.LABEL);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("orders-clone").get().getSpec().getSource()
                .getPersistentVolumeClaimName()).isEqualTo("orders-1");

        PersistentVolumeClaim walVolume = client.persistentVolumeClaims().inNamespace(ns).withName("orders-clone-wal").get();
        assertThat(walVolume.getSpec().getDataSource().getName()).isEqualTo("orders-clone-wal");
        assertThat(walVolume.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("5Gi");
        assertThat(walVolume.getSpec().getStorageClassName()).isEqualTo("fast-ssd");

        Pod pod = client.pods().inNamespace(ns).withName("orders-clone").get();
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("wal");
            assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("orders-clone-wal");
        });
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("wal");
            assertThat(m.getMountPath()).isEqualTo("/pgclone/wal");
        });
        Map<String, String> env = pod.getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null).collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("PGCLONE_WAL_VOLUME", "/pgclone/wal").containsEntry("PGCLONE_WAL_DIRECTORY", "pg_wal")
                .containsEntry("PGCLONE_BACKUP_LABEL_FILE", "/pgclone/bootstrap/backup_label");
        ConfigMap bootstrap = client.configMaps().inNamespace(ns).withName("orders-clone-bootstrap").get();
        assertThat(bootstrap.getData()).containsEntry("backup_label", RecordingCheckpointer.LABEL);
        assertThat(ready.getStatus().getTimings().getCheckpointSeconds()).isEqualTo(0.5);
        assertThat(ready.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .startsWith("VolumeSnapshots orders-clone (data) and orders-clone-wal (WAL) are ready");
        assertThat(CloneObservations.events(client, ns, "orders-clone")).anySatisfy(e ->
                assertThat(e.getMessage()).contains("orders-clone and orders-clone-wal taken inside an online backup done"));
    }

    @Test
    void aFailedBackupKeepsNoSnapshotSaysWhyAndIsTriedAgain() {
        AtomicInteger attempts = new AtomicInteger();
        // the next attempt comes after a backoff of a fraction of a second: it waits until the failure was seen
        java.util.concurrent.CountDownLatch failureSeen = new java.util.concurrent.CountDownLatch(1);
        harness.checkpointer().backupAnswer(window -> {
            if (attempts.incrementAndGet() == 1) {
                try {
                    window.run();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return BackupResult.failed(2.0, "role \"app\" may not run an online backup on the source at orders-rw:5432");
            }
            try {
                failureSeen.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return RecordingCheckpointer.runWindow(window);
        });
        client.resource(clone("retried")).create();

        // the condition says so until the next attempt (a fraction of a second here), the Warning stays
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(CloneObservations.events(client, ns, "retried"))
                .anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("SourceBackupFailed");
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains("may not run an online backup").contains("nothing was kept, it is tried again");
                }));
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("retried").get()).as("the failed attempt's data snapshot").isNull();
        failureSeen.countDown();

        CloneObservations.awaitCondition(client, ns, "retried", "Ready", "True", "CloneReady");
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("retried-wal").get()).isNotNull();
    }

    @Test
    void aMissingWalVolumeOrSecretIsAConditionThatSaysWhatToChange() {
        DatabaseClone noWal = clone("no-wal");
        noWal.getSpec().getSource().setWalPvcName("orders-2-wal");
        client.resource(noWal).create();
        DatabaseClone noSecret = clone("no-secret");
        noSecret.getSpec().getSource().getCheckpoint().setSecretName("not-there");
        client.resource(noSecret).create();

        DatabaseClone missing = CloneObservations.awaitCondition(client, ns, "no-wal", "SnapshotReady", "False", "SourceNotFound");
        assertThat(missing.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("PersistentVolumeClaim " + ns + "/orders-2-wal does not exist").contains("spec.source.walPvcName");
        DatabaseClone secretless = CloneObservations.awaitCondition(client, ns, "no-secret", "SnapshotReady", "False", "SourceBackupFailed");
        assertThat(secretless.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("Secret " + ns + "/not-there named by spec.source.checkpoint.secretName does not exist");
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).isEmpty());
        assertThat(harness.checkpointer().calls()).isEmpty();
    }

    private DatabaseClone clone(String name) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setPvcName("orders-1");
        source.setWalPvcName("orders-1-wal");
        source.setDataDirectory("pgdata");
        CheckpointSpec checkpoint = new CheckpointSpec();
        checkpoint.setSecretName("orders-superuser");
        source.setCheckpoint(checkpoint);
        spec.setSource(source);
        PostgresSpec pg = new PostgresSpec();
        pg.setImage("postgres:16");
        pg.setRunAsUser(26L);
        spec.setPostgres(pg);
        clone.setSpec(spec);
        return clone;
    }
}
