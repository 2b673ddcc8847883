package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Production in namespace {@code prod} is cloned into {@code staging} through a CloneSource written
 * by production's owners, on the local cluster with the real operator jar, btrfs snapshots and
 * postgres: the mandatory masking has run before the clone serves, a second clone within
 * snapshotMaxAge shares the first one's snapshot, a namespace the CloneSource does not allow gets
 * nothing, and deleting the clones and then the CloneSource removes every object and storage
 * snapshot made for them.
 */
@ExtendWith(SharedCluster.Resolver.class)
class CloneSourceEndToEndIT {

    /** This test's own namespaces on the shared cluster (ExamplesIT uses prod and staging, as its examples name them). */
    static final String PROD = "e2e-source-prod";
    static final String STAGING = "e2e-source-staging";
    static final String QA = "e2e-source-qa";

    @Test
    void stagingClonesProductionMaskedAndSharesOneSnapshot(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        OperatorProcess operator = shared.operator();
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(PROD, STAGING, QA);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(PROD).scale(2))) {
            prod.psql("CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);"
                    + " INSERT INTO customers SELECT i, 'person' || i || '@real-customer.example' FROM generate_series(1, 500) i");
            apply(client, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: orders-masking
                      namespace: %s
                    data:
                      10-customers.sql: "UPDATE customers SET email = 'customer' || id || '@example.test';"
                    ---
                    """.formatted(PROD) + prod.cloneSourceYaml("orders", List.of(STAGING), """
                      postClone:
                        configMapName: orders-masking
                      snapshotMaxAge: 1h
                    """));

            apply(client, prod.cloneOfSourceYaml("first", STAGING, "orders", ""));
            GenericKubernetesResource first = awaitReady(client, STAGING, "first");
            assertServesMaskedData(client, STAGING, "first");
            assertThat(prod.psql("SELECT count(*) FROM customers WHERE email LIKE '%@real-customer.example'"))
                    .as("production untouched by the masking").isEqualTo("500");

            apply(client, prod.cloneOfSourceYaml("second", STAGING, "orders", ""));
            GenericKubernetesResource second = awaitReady(client, STAGING, "second");
            assertServesMaskedData(client, STAGING, "second");
            List<VolumeSnapshot> sourceSnapshots = sourceSnapshots(client);
            assertThat(sourceSnapshots).as("one snapshot of production, shared").hasSize(1);
            String sharedName = sourceSnapshots.get(0).getMetadata().getName();
            assertThat(snapshotName(first)).isEqualTo(sharedName);
            assertThat(snapshotName(second)).isEqualTo(sharedName);
            String storageSnapshot = client.resources(VolumeSnapshotContent.class)
                    .withName(sourceSnapshots.get(0).getStatus().getBoundVolumeSnapshotContentName()).get().getStatus().getSnapshotHandle();

            apply(client, prod.cloneOfSourceYaml("intruder", QA, "orders", ""));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                GenericKubernetesResource intruder = client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone")
                        .inNamespace(QA).withName("intruder").get();
                assertThat(CloneScenarios.condition(intruder, "SnapshotReady")).containsEntry("reason", "NamespaceNotAllowed");
            });
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(QA).list().getItems()).isEmpty();
            assertThat(client.persistentVolumeClaims().inNamespace(QA).list().getItems()).isEmpty();
            assertThat(sourceSnapshots(client)).hasSize(1);

            for (String name : List.of("first", "second")) {
                client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(STAGING).withName(name).delete();
            }
            client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(QA).withName("intruder").delete();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inAnyNamespace().list().getItems()).isEmpty();
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(STAGING).list().getItems()).isEmpty();
                assertThat(client.persistentVolumeClaims().inNamespace(STAGING).list().getItems()).isEmpty();
                assertThat(client.resources(VolumeSnapshotContent.class).list().getItems())
                        .extracting(c -> c.getMetadata().getName()).noneMatch(n -> n.startsWith("pgclone-"));
                // no clone's claim left (the snapshot controller keeps its own finalizers on a bound snapshot)
                assertThat(sourceSnapshots(client)).singleElement().satisfies(s -> assertThat(s.getMetadata().getFinalizers())
                        .noneMatch(f -> f.startsWith("pgclone.dev/")));
            });
            assertThat(cluster.storage().hasSnapshot(storageSnapshot)).as("kept for clones to come within snapshotMaxAge").isTrue();

            client.genericKubernetesResources("pgclone.dev/v1alpha1", "CloneSource").inNamespace(PROD).withName("orders").delete();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "CloneSource").inNamespace(PROD).list().getItems()).isEmpty();
                assertThat(sourceSnapshots(client)).isEmpty();
                assertThat(cluster.storage().hasSnapshot(storageSnapshot)).as("storage snapshot").isFalse();
            });
            assertThat(prod.psql("SELECT 1")).as("production still serves").isEqualTo("1");
            assertThat(operator.alive()).isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }


    static void apply(KubernetesClient client, String yaml) {
        client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).createOrReplace();
    }

    static GenericKubernetesResource awaitReady(KubernetesClient client, String ns, String name) {
        return client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(ns).withName(name)
                .waitUntilCondition(c -> "True".equals(CloneScenarios.condition(c, "Ready").get("status")),
                        150, TimeUnit.SECONDS);
    }

    /** Through the clone's own superuser, the only one who could see more: the masked values, and none of the originals. */
    static void assertServesMaskedData(KubernetesClient client, String ns, String name) throws SQLException {
        try (Connection c = CloneScenarios.asCloneSuperuser(client, ns, name)) {
            assertThat(CloneScenarios.single(c, "SELECT count(*) FROM customers")).isEqualTo("500");
            assertThat(CloneScenarios.single(c, "SELECT count(*) FROM customers WHERE email LIKE '%@real-customer.example'")).isEqualTo("0");
            assertThat(CloneScenarios.single(c, "SELECT email FROM customers WHERE id = 7")).isEqualTo("customer7@example.test");
        }
    }

    private static List<VolumeSnapshot> sourceSnapshots(KubernetesClient client) {
        return client.resources(VolumeSnapshot.class).inNamespace(PROD).withLabel("pgclone.dev/clone-source", "orders").list().getItems();
    }

    private static String snapshotName(GenericKubernetesResource clone) {
        Map<String, Object> snapshot = CloneScenarios.map(CloneScenarios.status(clone).get("snapshot"));
        assertThat(snapshot).containsEntry("namespace", PROD);
        return Objects.toString(snapshot.get("name"));
    }
}
