package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.Processes;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A RefreshSchedule on the local cluster with the real operator jar, as an application sees it:
 * it connects to the schedule's Service address with the password from {@code <schedule>-app};
 * rows written to production after the first clone appear after a refresh, through the same
 * address with the same password; the superseded clone (historyLimit 0) is gone; deleting the
 * schedule leaves nothing behind. Services route through the local kube-proxy stand-in.
 */
@ExtendWith(SharedCluster.Resolver.class)
class RefreshScheduleEndToEndIT {

    /** Production, the schedule and its clones, in a namespace of this test's own on the shared cluster. */
    static final String NS = "e2e-refresh";
    static final String SCHEDULE = "orders-fresh";
    static final String APP_PASSWORD_IN_PRODUCTION = "production-app-password";

    @Test
    void rowsWrittenAfterTheFirstCloneAppearBehindTheSameAddressAndPasswordAfterARefresh(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        OperatorProcess operator = shared.operator();
        Path workDir = Files.createDirectories(cluster.workDir().resolve(NS));
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).scale(1))) {
            prod.psql("CREATE ROLE app LOGIN PASSWORD '" + APP_PASSWORD_IN_PRODUCTION + "';"
                    + " CREATE TABLE refresh_marks (id int PRIMARY KEY, written text NOT NULL);"
                    + " GRANT SELECT ON refresh_marks TO app;"
                    + " INSERT INTO refresh_marks SELECT g, 'before the first clone' FROM generate_series(1, 3) g");

            // a schedule that will not fire during the test: the annotation asks for the first clone now
            Path manifest = workDir.resolve("schedule.yaml");
            Files.writeString(manifest, """
                    apiVersion: pgclone.dev/v1alpha1
                    kind: RefreshSchedule
                    metadata:
                      name: %s
                      namespace: %s
                      annotations:
                        pgclone.dev/refresh-now: "first"
                    spec:
                      schedule: "0 3 1 1 *"
                      historyLimit: 0
                      template:
                        spec:
                          %s
                          credentials:
                            roles: [app]
                            database: postgres
                    """.formatted(SCHEDULE, NS, prod.cloneSpecYaml(6)));
            client.load(Files.newInputStream(manifest)).createOrReplace();

            long t0 = System.nanoTime();
            GenericKubernetesResource firstReady = schedule(client).waitUntilCondition(
                    s -> s != null && ready(s) && status(s).get("activeClone") != null, 120, TimeUnit.SECONDS);
            String first = (String) status(firstReady).get("activeClone");
            System.out.printf("first clone %s serving %.1f s after the schedule was created%n", first, (System.nanoTime() - t0) / 1e9);

            // the local kube-proxy writes the cluster IP when it first sees the Service, as the API server's allocator would
            Service service = await().atMost(Duration.ofSeconds(10)).until(() -> client.services().inNamespace(NS).withName(SCHEDULE).get(),
                    s -> s != null && s.getSpec().getClusterIP() != null && !s.getSpec().getClusterIP().isBlank());
            String address = service.getSpec().getClusterIP();
            assertThat(address).as("the stable Service's cluster IP").isNotBlank().isNotEqualTo(prod.host());
            if (Files.isExecutable(Kubectl.BINARY)) {
                assertThat(new Kubectl(cluster.kubeconfig()).ok("get", "-n", NS, "service", SCHEDULE)).as("kubectl get service")
                        .contains("CLUSTER-IP", address, "5432/TCP");
            }
            String password = secret(client, SCHEDULE + "-app", "password");
            assertThat(password).as("the schedule's app password").isNotEqualTo(APP_PASSWORD_IN_PRODUCTION);
            assertThat(secret(client, SCHEDULE + "-app", "host")).isEqualTo(SCHEDULE + "." + NS + ".svc");

            String firstPodIp = client.pods().inNamespace(NS).withName(first).get().getStatus().getPodIP();
            assertThat(throughService(address, password, "SELECT count(*) FROM refresh_marks")).isEqualTo("3");
            assertThat(throughService(address, password, "SELECT host(inet_server_addr())"))
                    .as("the Service reached the first clone's postgres").isEqualTo(firstPodIp);
            Path firstVolume = Volumes.hostPath(client, NS, first);

            prod.psql("INSERT INTO refresh_marks SELECT g, 'after the first clone' FROM generate_series(4, 8) g");
            assertThat(throughService(address, password, "SELECT count(*) FROM refresh_marks"))
                    .as("the clone does not see production's new rows before a refresh").isEqualTo("3");

            // clones are named to the minute: a request in the first run's minute would be that run
            Instant firstRun = Instant.parse((String) status(firstReady).get("lastScheduleTime"));
            Instant nextMinute = firstRun.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
            long wait = Duration.between(Instant.now(), nextMinute).toMillis();
            if (wait > 0) {
                System.out.printf("waiting %.1f s for the next minute (the run time names the clone)%n", wait / 1e3);
                Thread.sleep(wait + 200);
            }
            schedule(client).edit(s -> {
                s.getMetadata().getAnnotations().put("pgclone.dev/refresh-now", "second");
                return s;
            });

            long t1 = System.nanoTime();
            GenericKubernetesResource refreshed = schedule(client).waitUntilCondition(
                    s -> s != null && ready(s) && status(s).get("activeClone") != null && !first.equals(status(s).get("activeClone")),
                    120, TimeUnit.SECONDS);
            String second = (String) status(refreshed).get("activeClone");
            System.out.printf("refreshed to %s %.1f s after the request%n", second, (System.nanoTime() - t1) / 1e9);

            assertThat(client.services().inNamespace(NS).withName(SCHEDULE).get().getSpec().getClusterIP())
                    .as("the Service address survives the refresh").isEqualTo(address);
            assertThat(secret(client, SCHEDULE + "-app", "password")).as("the password survives the refresh").isEqualTo(password);
            String secondPodIp = client.pods().inNamespace(NS).withName(second).get().getStatus().getPodIP();
            assertThat(throughService(address, password, "SELECT host(inet_server_addr())"))
                    .as("the same address now reaches the new clone").isEqualTo(secondPodIp);
            assertThat(throughService(address, password, "SELECT count(*) FROM refresh_marks"))
                    .as("rows written after the first clone, through the same address and password").isEqualTo("8");
            assertThat(throughService(address, password, "SELECT count(*) FROM refresh_marks WHERE written = 'after the first clone'"))
                    .isEqualTo("5");

            // historyLimit 0: the superseded clone goes as soon as the new one serves
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName(first).get())
                        .as("superseded DatabaseClone %s", first).isNull();
                assertThat(client.pods().inNamespace(NS).withName(first).get()).as("superseded clone's Pod").isNull();
                assertThat(client.persistentVolumeClaims().inNamespace(NS).withName(first).get()).as("superseded clone's PVC").isNull();
                assertThat(Processes.withWorkingDirectoryUnder(firstVolume)).as("processes on the superseded clone's volume").isEmpty();
            });

            // deleting the schedule takes its clones, Service and Secrets with it
            Path secondVolume = Volumes.hostPath(client, NS, second);
            schedule(client).delete();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).list().getItems())
                        .as("clones").isEmpty();
                assertThat(client.pods().inNamespace(NS).withName(second).get()).as("clone Pod").isNull();
                assertThat(client.persistentVolumeClaims().inNamespace(NS).withName(second).get()).as("clone PVC").isNull();
                assertThat(client.services().inNamespace(NS).withName(SCHEDULE).get()).as("stable Service").isNull();
                assertThat(client.secrets().inNamespace(NS).list().getItems().stream().map(s -> s.getMetadata().getName())
                        .filter(n -> n.startsWith(SCHEDULE)).toList()).as("the schedule's Secrets").isEmpty();
                assertThat(Processes.withWorkingDirectoryUnder(secondVolume)).as("processes on the clone's volume").isEmpty();
                assertThat(cluster.volumesReleased()).as("volumes released").isTrue();
            });
            await("the deleted Service's address stops answering").atMost(Duration.ofSeconds(10)).until(() -> !reachable(address));
            assertThat(prod.psql("SELECT count(*) FROM refresh_marks")).as("production untouched").isEqualTo("8");
            assertThat(operator.alive()).isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    private static Resource<GenericKubernetesResource> schedule(KubernetesClient client) {
        return client.genericKubernetesResources("pgclone.dev/v1alpha1", "RefreshSchedule").inNamespace(NS).withName(SCHEDULE);
    }

    /** What an application does: the stable address, port 5432, the role's password from the schedule's Secret. */
    private static String throughService(String address, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + address + ":5432/postgres?connectTimeout=10", "app", password);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static boolean reachable(String address) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress(address, 5432), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean ready(GenericKubernetesResource s) {
        Map<String, Object> status = status(s);
        if (status == null || !(status.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().anyMatch(o -> o instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource s) {
        Object status = s.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> ? (Map<String, Object>) status : Map.of();
    }

    private static String secret(KubernetesClient client, String name, String key) {
        Secret s = client.secrets().inNamespace(NS).withName(name).get();
        assertThat(s).as("Secret %s", name).isNotNull();
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }
}
