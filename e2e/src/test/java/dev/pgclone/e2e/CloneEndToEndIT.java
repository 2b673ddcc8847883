package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.Processes;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole product on the local cluster: the real operator jar clones a production database that
 * is being written to, the clone becomes Ready (as the fabric8 client and kubectl wait see it), is
 * isolated from production, and deleting it leaves nothing behind.
 */
@ExtendWith(SharedCluster.Resolver.class)
class CloneEndToEndIT {

    /** Production and the clone, in a namespace of this test's own on the shared cluster. */
    static final String NS = "e2e-clone";
    static final String CLONE = "orders-staging";

    @Test
    void productionUnderLoadIsClonedUsedInIsolationAndDeletedWithoutATrace(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        OperatorProcess operator = shared.operator();
        Path workDir = Files.createDirectories(cluster.workDir().resolve(NS));
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).scale(5))) {
            prod.psql("CREATE ROLE app LOGIN PASSWORD 'production-app-password'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
            prod.startLoad(Duration.ofMinutes(3));
            await().atMost(Duration.ofSeconds(30)).until(() -> Long.parseLong(prod.psql("SELECT count(*) FROM pgbench_history")) > 0);

            Path manifest = workDir.resolve("clone.yaml");
            Files.writeString(manifest, """
                    apiVersion: pgclone.dev/v1alpha1
                    kind: DatabaseClone
                    metadata:
                      name: %s
                      namespace: %s
                    spec:
                      %s
                      credentials:
                        roles: [app]
                      postClone:
                        sql: "UPDATE pgbench_branches SET filler = 'masked';"
                    """.formatted(CLONE, NS, prod.cloneSpecYaml(2)));
            client.load(Files.newInputStream(manifest)).createOrReplace();

            Process kubectlWait = null;
            Path waitOut = workDir.resolve("kubectl-wait.out");
            if (Files.isExecutable(Kubectl.BINARY)) {
                kubectlWait = new Kubectl(cluster.kubeconfig()).start(waitOut, "wait", "-n", NS, "--for=condition=Ready", "databaseclone/" + CLONE,
                        "--timeout=150s");
            }

            long started = System.nanoTime();
            GenericKubernetesResource ready = client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS)
                    .withName(CLONE).waitUntilCondition(c -> c != null && readyCondition(c), 150, TimeUnit.SECONDS);
            System.out.printf("clone Ready %.1f s after it was created (operator log %s)%n", (System.nanoTime() - started) / 1e9, operator.log());
            Map<String, Object> status = status(ready);
            assertThat(status.get("phase")).isEqualTo("Ready");
            assertThat(status.get("postgresVersion").toString()).startsWith(prod.major() + ".");
            if (kubectlWait != null) {
                assertThat(kubectlWait.waitFor(60, TimeUnit.SECONDS)).as("kubectl wait returned").isTrue();
                assertThat(kubectlWait.exitValue()).as("kubectl wait exit code; output: %s", Files.readString(waitOut)).isZero();
                assertThat(Files.readString(waitOut)).contains("condition met");
            } else {
                System.out.println("kubectl not found at " + Kubectl.BINARY + ": kubectl wait not checked");
            }

            Pod clonePod = client.pods().inNamespace(NS).withName(CLONE).get();
            String cloneIp = clonePod.getStatus().getPodIP();
            assertThat(cloneIp).isNotEqualTo(prod.host());
            String superPassword = secret(client, CLONE + "-superuser", "password");
            String appPassword = secret(client, CLONE + "-app", "password");

            try (Connection clone = DriverManager.getConnection("jdbc:postgresql://" + cloneIp + ":5432/postgres", "postgres", superPassword);
                 Statement st = clone.createStatement()) {
                assertThat(single(st, "SELECT count(*) FROM pgbench_accounts")).isEqualTo(Long.toString(100_000L * 5));
                assertThat(single(st, "SELECT DISTINCT filler FROM pgbench_branches").strip()).isEqualTo("masked");
                assertThat(single(st, "SHOW archive_mode")).isEqualTo("off");
                st.execute("CREATE TABLE written_in_clone (note text)");
                st.execute("INSERT INTO written_in_clone VALUES ('only in the clone')");
                assertThat(single(st, "SELECT note FROM written_in_clone")).isEqualTo("only in the clone");
            }
            assertThat(prod.psql("SELECT to_regclass('written_in_clone') IS NULL")).as("the clone's table does not exist in production").isEqualTo("t");
            assertThat(prod.psql("SELECT DISTINCT filler IS NULL OR filler <> 'masked' FROM pgbench_branches")).isEqualTo("t");
            try (Connection app = DriverManager.getConnection("jdbc:postgresql://" + cloneIp + ":5432/postgres", "app", appPassword)) {
                assertThat(app.isValid(5)).isTrue();
            }
            assertThatLoginFails(cloneIp, "app", "production-app-password");
            assertThatLoginFails(cloneIp, "postgres", prod.password());
            assertThat(prod.loadRunning()).as("production kept taking writes throughout").isTrue();

            // deletion: the garbage collector takes every owned object, the kubelet stops postgres,
            // the provisioner and snapshotter remove the volume and the snapshot
            Path cloneVolume = Volumes.hostPath(client, NS, CLONE);
            String volumeHandle = Volumes.volumeHandle(client, NS, CLONE);
            VolumeSnapshot snapshot = client.resources(VolumeSnapshot.class).inNamespace(NS).withName(CLONE).get();
            String contentName = snapshot.getStatus().getBoundVolumeSnapshotContentName();
            String snapshotHandle = client.resources(VolumeSnapshotContent.class).withName(contentName).get().getStatus().getSnapshotHandle();
            client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName(CLONE).delete();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(client.pods().inNamespace(NS).withName(CLONE).get()).as("clone pod").isNull();
                assertThat(client.persistentVolumeClaims().inNamespace(NS).withName(CLONE).get()).as("clone PVC").isNull();
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS).withName(CLONE).get()).as("snapshot").isNull();
                assertThat(client.resources(VolumeSnapshotContent.class).withName(contentName).get()).as("snapshot content").isNull();
                assertThat(client.secrets().inNamespace(NS).withLabel("pgclone.dev/clone", CLONE).list().getItems()).as("secrets").isEmpty();
                assertThat(client.configMaps().inNamespace(NS).withLabel("pgclone.dev/clone", CLONE).list().getItems()).as("config maps").isEmpty();
                assertThat(client.services().inNamespace(NS).withName(CLONE).get()).as("service").isNull();
                assertThat(cluster.storage().hasVolume(volumeHandle)).as("clone volume").isFalse();
                assertThat(cluster.storage().hasSnapshot(snapshotHandle)).as("storage snapshot").isFalse();
            });
            assertThat(Processes.withWorkingDirectoryUnder(cloneVolume)).as("processes on the clone's volume").isEmpty();
            assertThat(prod.psql("SELECT 1")).as("production still serves").isEqualTo("1");
            assertThat(operator.alive()).isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    private static boolean readyCondition(GenericKubernetesResource c) {
        Map<String, Object> status = status(c);
        if (status == null || !(status.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().anyMatch(o -> o instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource c) {
        return (Map<String, Object>) c.getAdditionalProperties().get("status");
    }

    private static String secret(KubernetesClient client, String name, String key) {
        Secret s = client.secrets().inNamespace(NS).withName(name).get();
        assertThat(s).as("Secret %s", name).isNotNull();
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static void assertThatLoginFails(String host, String user, String password) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":5432/postgres", user, password)) {
            throw new AssertionError(user + " logged into the clone with production's password");
        } catch (SQLException e) {
            assertThat(e.getSQLState()).as("login of %s with production's password: %s", user, e.getMessage()).isEqualTo("28P01");
        }
    }
}
