package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Production laid out as CloudNativePG lays out an instance with walStorage (data PVC
 * {@code <instance>}, WAL PVC {@code <instance>-wal}, pg_wal a link into the WAL volume), under a
 * pgbench write load, cloned on the local cluster with the real operator jar, btrfs snapshots and
 * postgres: both volumes are snapshotted inside an online backup, the clone recovers from the
 * backup's label to the backup's end, and holds every row committed before the backup started.
 */
@ExtendWith(SharedCluster.Resolver.class)
class CloudNativePgEndToEndIT {

    static final String NS = "e2e-cnpg";

    @Test
    void aSourceWithItsWalOnAVolumeOfItsOwnIsClonedInsideAnOnlineBackupUnderLoad(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).walVolume().scale(2))) {
            assertThat(Files.isSymbolicLink(Volumes.hostPath(client, NS, prod.pvcName()).resolve("pgdata/pg_wal")))
                    .as("production's pg_wal is a link into its WAL volume").isTrue();
            prod.psql("CREATE TABLE committed_before (id int PRIMARY KEY); INSERT INTO committed_before SELECT generate_series(1, 1000)");
            prod.startLoad(Duration.ofMinutes(3));
            long checkpointsBefore = Long.parseLong(prod.psql("SELECT checkpoints_req FROM pg_stat_bgwriter"));

            CloneSourceEndToEndIT.apply(client, """
                    apiVersion: pgclone.dev/v1alpha1
                    kind: DatabaseClone
                    metadata:
                      name: orders-wal
                      namespace: %s
                    spec:
                      %s
                    """.formatted(NS, prod.cloneSpecYaml(2)));
            GenericKubernetesResource ready = CloneSourceEndToEndIT.awaitReady(client, NS, "orders-wal");
            System.out.printf("%s/orders-wal timings: %s%n", NS, CloneScenarios.status(ready).get("timings"));
            assertThat(prod.loadRunning()).as("the write load ran through the backup").isTrue();

            // both snapshots, the WAL one with the label of the backup they were taken in
            VolumeSnapshot wal = client.resources(VolumeSnapshot.class).inNamespace(NS).withName("orders-wal-wal").get();
            assertThat(wal.getSpec().getSource().getPersistentVolumeClaimName()).isEqualTo(prod.walPvcName());
            String label = wal.getMetadata().getAnnotations().get("pgclone.dev/backup-label");
            assertThat(label).startsWith("START WAL LOCATION: ").contains("BACKUP FROM: primary");
            assertThat(Long.parseLong(prod.psql("SELECT checkpoints_req FROM pg_stat_bgwriter")))
                    .as("pg_backup_start's fast checkpoint ran on the primary").isGreaterThan(checkpointsBefore);

            try (Connection c = connect(client, "orders-wal")) {
                assertThat(CloneScenarios.single(c, "SELECT count(*) FROM committed_before")).isEqualTo("1000");
                assertThat(CloneScenarios.single(c, "SELECT pg_is_in_recovery()")).isEqualTo("f");
                assertThat(Long.parseLong(CloneScenarios.single(c, "SELECT count(*) FROM pgbench_history"))).isPositive();
                // the clone writes into its own WAL volume
                try (var st = c.createStatement()) {
                    st.execute("CREATE TABLE clone_only AS SELECT 1 AS x");
                }
            }
            Path cloneData = Volumes.hostPath(client, NS, "orders-wal").resolve("pgdata");
            Path cloneWal = Volumes.hostPath(client, NS, "orders-wal-wal");
            assertThat(cloneData.resolve("pg_wal").toRealPath()).as("the clone's pg_wal").startsWith(cloneWal.toRealPath());
            assertThat(prod.psql("SELECT to_regclass('clone_only') IS NULL")).as("production untouched").isEqualTo("t");

            // the recovery started at the backup's checkpoint and ended at (or after) the backup's end
            String log = Files.readString(cluster.kubelet().logFile(NS, "orders-wal").orElseThrow(), StandardCharsets.UTF_8);
            assertThat(log).containsPattern(RECOVERY_FROM_LABEL).containsPattern(BACKUP_END_REACHED);
            assertThat(CloneScenarios.condition(ready, "SnapshotReady").get("message").toString()).contains("orders-wal (data) and orders-wal-wal (WAL) are ready");
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    @Test
    void aClusterIsClonedByNameFromItsPrimaryAndFromAStandbyThatSparesThePrimary(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS_CLUSTER);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS_CLUSTER).standby().scale(2))) {
            SampleProduction.defineCloudNativePGKinds(client);
            prod.writeCloudNativePGCluster();
            prod.psql("CREATE TABLE committed_before (id int PRIMARY KEY); INSERT INTO committed_before SELECT generate_series(1, 1000)");
            // the standby has replayed them before any clone starts
            String lsn = prod.psql("SELECT pg_current_wal_lsn()");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    "t".equals(prod.psqlStandby("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
            prod.startLoad(Duration.ofMinutes(3));

            // from the standby: the primary does no checkpoint for it
            long primaryCheckpoints = checkpoints(prod.psql("SELECT checkpoints_req + checkpoints_timed FROM pg_stat_bgwriter"));
            CloneSourceEndToEndIT.apply(client, cloneOfCluster("from-standby", "preferStandby"));
            GenericKubernetesResource fromStandby = CloneSourceEndToEndIT.awaitReady(client, NS_CLUSTER, "from-standby");
            assertThat(checkpoints(prod.psql("SELECT checkpoints_req + checkpoints_timed FROM pg_stat_bgwriter")))
                    .as("checkpoints on the primary while the clone was taken from the standby").isEqualTo(primaryCheckpoints);
            Map<String, Object> used = CloneScenarios.map(CloneScenarios.status(fromStandby).get("cloudNativePG"));
            assertThat(used).containsEntry("instance", prod.standbyName()).containsEntry("role", "standby")
                    .containsEntry("data", prod.standbyName()).containsEntry("wal", prod.standbyName() + "-wal");
            String label = client.resources(VolumeSnapshot.class).inNamespace(NS_CLUSTER).withName("from-standby-wal").get()
                    .getMetadata().getAnnotations().get("pgclone.dev/backup-label");
            assertThat(label).contains("BACKUP FROM: standby");
            assertCloneHoldsWhatWasCommittedBefore(cluster, NS_CLUSTER, "from-standby");

            // from the primary, named by the Cluster alone
            CloneSourceEndToEndIT.apply(client, cloneOfCluster("from-primary", null));
            GenericKubernetesResource fromPrimary = CloneSourceEndToEndIT.awaitReady(client, NS_CLUSTER, "from-primary");
            assertThat(CloneScenarios.map(CloneScenarios.status(fromPrimary).get("cloudNativePG")))
                    .containsEntry("instance", prod.podName()).containsEntry("role", "primary");
            assertCloneHoldsWhatWasCommittedBefore(cluster, NS_CLUSTER, "from-primary");
            assertThat(prod.loadRunning()).as("the write load ran through both").isTrue();
            assertThat(prod.psqlStandby("SELECT pg_is_in_recovery()")).as("the standby is still a standby").isEqualTo("t");
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    @Test
    void aVolumeSnapshotBackupOfTheClusterIsRestoredToTheBackupsEnd(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS_BACKUP);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS_BACKUP).walVolume().scale(2))) {
            SampleProduction.defineCloudNativePGKinds(client);
            prod.writeCloudNativePGCluster();
            prod.psql("CREATE TABLE committed_before (id int PRIMARY KEY); INSERT INTO committed_before SELECT generate_series(1, 1000)");
            prod.startLoad(Duration.ofMinutes(3));
            String label = prod.takeCloudNativePGBackup("nightly");
            assertThat(label).contains("LABEL: nightly");
            prod.psql("CREATE TABLE after_backup AS SELECT 1 AS x");

            CloneSourceEndToEndIT.apply(client, """
                    apiVersion: pgclone.dev/v1alpha1
                    kind: DatabaseClone
                    metadata:
                      name: from-backup
                      namespace: %s
                    spec:
                      source:
                        cloudNativePGBackup: nightly
                    """.formatted(NS_BACKUP));
            GenericKubernetesResource ready = CloneSourceEndToEndIT.awaitReady(client, NS_BACKUP, "from-backup");
            assertThat(CloneScenarios.map(CloneScenarios.status(ready).get("cloudNativePG"))).containsEntry("backup", "nightly")
                    .containsEntry("data", "nightly").containsEntry("wal", "nightly-wal");
            assertCloneHoldsWhatWasCommittedBefore(cluster, NS_BACKUP, "from-backup");
            try (Connection c = connect(client, NS_BACKUP, "from-backup")) {
                assertThat(CloneScenarios.single(c, "SELECT to_regclass('after_backup') IS NULL")).as("nothing from after the backup").isEqualTo("t");
            }
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS_BACKUP).withName("from-backup").get())
                    .as("the Backup's snapshots are restored, none taken").isNull();

            client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS_BACKUP).withName("from-backup").delete();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                    client.persistentVolumeClaims().inNamespace(NS_BACKUP).withName("from-backup-wal").get() == null);
            for (String snapshot : java.util.List.of("nightly", "nightly-wal")) {
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS_BACKUP).withName(snapshot).get())
                        .as("the Backup's %s, never the operator's to delete", snapshot).isNotNull();
            }
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    static final String NS_BACKUP = "e2e-cnpg-backup";

    static final String NS_CLUSTER = "e2e-cnpg-cluster";

    private static long checkpoints(String count) {
        return Long.parseLong(count);
    }

    private static String cloneOfCluster(String name, String instance) {
        return """
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    cloudNativePG:
                      cluster: orders
                %s""".formatted(name, NS_CLUSTER, instance == null ? "" : "      instance: " + instance + "\n");
    }

    /** Every row committed before the backup started, a primary of its own, and a recovery from the label to the backup's end. */
    private static void assertCloneHoldsWhatWasCommittedBefore(LocalCluster cluster, String ns, String name) throws Exception {
        GenericKubernetesResource clone = cluster.client().genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone")
                .inNamespace(ns).withName(name).get();
        System.out.printf("%s/%s timings: %s%n", ns, name, CloneScenarios.status(clone).get("timings"));
        try (Connection c = connect(cluster.client(), ns, name)) {
            assertThat(CloneScenarios.single(c, "SELECT count(*) FROM committed_before")).isEqualTo("1000");
            assertThat(CloneScenarios.single(c, "SELECT pg_is_in_recovery()")).isEqualTo("f");
        }
        String log = Files.readString(cluster.kubelet().logFile(ns, name).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(log).containsPattern(RECOVERY_FROM_LABEL).containsPattern(BACKUP_END_REACHED);
    }

    /** PostgreSQL 15's log lines: recovery from a backup label, and the backup's end reached. */
    static final String RECOVERY_FROM_LABEL = "starting backup recovery with redo LSN";
    static final String BACKUP_END_REACHED = "completed backup recovery with redo LSN .* and end LSN";

    private static Connection connect(KubernetesClient client, String name) throws Exception {
        return connect(client, NS, name);
    }

    private static Connection connect(KubernetesClient client, String ns, String name) throws Exception {
        return CloneScenarios.asCloneSuperuser(client, ns, name);
    }
}
