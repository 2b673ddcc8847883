package dev.pgclone.operator.clone;

import dev.pgclone.operator.status.BackoffPolicy;
import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's limits on clones, with the real reconcilers on the mock API server: the image
 * allow-list, the settings a consumer of a CloneSource may use, and a CloneSource's maxClones.
 * A refused clone has nothing created for it, and says what to change.
 */
@ApiServerTest
class CloneLimitsTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String prod;
    private String staging;
    private String qa;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        int n = RUN.incrementAndGet();
        prod = "prod-" + n;
        staging = "staging-" + n;
        qa = "qa-" + n;
        for (String ns : List.of(prod, staging, qa)) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("data-orders-0").withNamespace(ns).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName("fast-ssd")
                    .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec()
                    .build()).create();
        }
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void aCloneOfAnImageTheOperatorDoesNotAllowGetsNothing() {
        harness.restartWith(ImageAllowList.of("ghcr.io/cloudnative-pg/postgresql:*,registry.example.com/*"));
        apply(staging, """
                kind: DatabaseClone
                metadata: {name: own-image}
                spec:
                  source: {pvcName: data-orders-0}
                  postgres: {image: "docker.io/someone/postgres-with-extras:16"}
                """);

        DatabaseClone refused = CloneObservations.awaitCondition(client, staging, "own-image", "Ready", "False", "ImageNotAllowed");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .startsWith("image docker.io/someone/postgres-with-extras:16 is not allowed: this operator runs clones only of images"
                        + " matching ghcr.io/cloudnative-pg/postgresql:*, registry.example.com/*")
                .contains("set spec.postgres.image to an image matching one of them");
        assertThat(CloneObservations.warnings(client, staging, "own-image")).containsExactly("ImageNotAllowed");
        assertNothingCreatedIn(staging);

        // the fix the message names works
        client.resources(DatabaseClone.class).inNamespace(staging).withName("own-image").edit(c -> {
            c.getSpec().getPostgres().setImage("ghcr.io/cloudnative-pg/postgresql:16.4");
            return c;
        });
        CloneObservations.awaitCondition(client, staging, "own-image", "Ready", "True", "CloneReady");
    }

    @Test
    void theImageACloneSourceSetsMustBeAllowedToo() {
        harness.restartWith(ImageAllowList.of("ghcr.io/cloudnative-pg/postgresql:*"));
        cloneSource("""
                pvcName: data-orders-0
                postgres: {image: "postgres:16"}
                allowedNamespaces: [%s]
                """.formatted(staging));
        apply(staging, cloneOf("consumer"));

        DatabaseClone refused = CloneObservations.awaitCondition(client, staging, "consumer", "Ready", "False", "ImageNotAllowed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).startsWith("image postgres:16 is not allowed")
                .contains("ask the owners of CloneSource " + prod + "/orders to set spec.postgres.image to an image matching one of them");
        assertNothingCreatedIn(staging);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(prod).list().getItems()).as("no snapshot of production").isEmpty();
    }

    @Test
    void aConsumerCannotGiveTheServerSettingsThatWorkAgainstTheMasking() {
        cloneSource("""
                pvcName: data-orders-0
                postgres: {image: "postgres:16"}
                allowedNamespaces: [%s]
                """.formatted(staging));
        apply(staging, """
                kind: DatabaseClone
                metadata: {name: sneaky}
                spec:
                  source: {cloneSource: {name: orders, namespace: %s}}
                  postgres:
                    parameters: {session_replication_role: replica, log_statement: all, work_mem: 64MB}
                """.formatted(prod));

        DatabaseClone refused = CloneObservations.awaitCondition(client, staging, "sneaky", "Ready", "False", "ParameterNotAllowed");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .startsWith("spec.postgres.parameters log_statement, session_replication_role are not allowed for clones of CloneSource "
                        + prod + "/orders")
                .contains("ask the owners of namespace " + prod + " to add them to the CloneSource's spec.postgres.allowedParameters");
        assertThat(CloneObservations.warnings(client, staging, "sneaky")).containsExactly("ParameterNotAllowed");
        assertNothingCreatedIn(staging);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(prod).list().getItems()).isEmpty();

        // sizing is fine
        apply(staging, """
                kind: DatabaseClone
                metadata: {name: tuned}
                spec:
                  source: {cloneSource: {name: orders, namespace: %s}}
                  postgres:
                    parameters: {work_mem: 64MB, random_page_cost: "1.1"}
                """.formatted(prod));
        CloneObservations.awaitCondition(client, staging, "tuned", "Ready", "True", "CloneReady");
    }

    @Test
    void aCloneOfItsOwnNamespacesVolumeIsNotLimitedInItsSettings() {
        apply(qa, """
                kind: DatabaseClone
                metadata: {name: own-volume}
                spec:
                  source: {pvcName: data-orders-0}
                  postgres:
                    image: postgres:16
                    parameters: {log_statement: all}
                """);
        CloneObservations.awaitCondition(client, qa, "own-volume", "Ready", "True", "CloneReady");
    }

    @Test
    void theCloneSourceOwnersDecideWhichSettingsTheirConsumersMayUse() {
        cloneSource("""
                pvcName: data-orders-0
                postgres: {image: "postgres:16", allowedParameters: [log_min_duration_statement]}
                allowedNamespaces: [%s]
                """.formatted(staging));
        apply(staging, """
                kind: DatabaseClone
                metadata: {name: slow-queries}
                spec:
                  source: {cloneSource: {name: orders, namespace: %s}}
                  postgres:
                    parameters: {log_min_duration_statement: "1s", work_mem: 64MB}
                """.formatted(prod));
        DatabaseClone refused = CloneObservations.awaitCondition(client, staging, "slow-queries", "Ready", "False", "ParameterNotAllowed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("work_mem is not allowed").contains("which allows log_min_duration_statement");

        // allowing it is an edit of the CloneSource, which reaches the waiting clone by itself
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").edit(s -> {
            s.getSpec().getPostgres().setAllowedParameters(List.of("log_min_duration_statement", "work_mem"));
            return s;
        });
        CloneObservations.awaitCondition(client, staging, "slow-queries", "Ready", "True", "CloneReady");
    }

    @Test
    void maxClonesAdmitsTheOldestAndTheNextWhenOneIsDeleted() {
        // the production backoff (5 s at least), so that only the deletion's event can wake the waiting clone in time
        harness.restartWith(BackoffPolicy.STANDARD);
        cloneSource("""
                pvcName: data-orders-0
                postgres: {image: "postgres:16"}
                allowedNamespaces: [%s]
                maxClones: 2
                snapshotMaxAge: 1h
                """.formatted(staging));
        // a namespace the source never granted cannot take its slots
        apply(qa, cloneOf("intruder"));
        CloneObservations.awaitCondition(client, qa, "intruder", "Ready", "False", "NamespaceNotAllowed");
        apply(staging, cloneOf("first"));
        CloneObservations.awaitCondition(client, staging, "first", "Ready", "True", "CloneReady");
        apply(staging, cloneOf("second"));
        CloneObservations.awaitCondition(client, staging, "second", "Ready", "True", "CloneReady");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            CloneSource source = client.resources(CloneSource.class).inNamespace(prod).withName("orders").get();
            assertThat(source.getStatus().getClones()).isEqualTo(2);
            assertThat(source.getStatus().condition("Ready").orElseThrow().getMessage()).endsWith(", at most 2 at once"
                    + " (spec.maxClones; status.clones counts those using its snapshots)");
        });
        apply(staging, cloneOf("third"));

        DatabaseClone waiting = CloneObservations.awaitCondition(client, staging, "third", "Ready", "False", "CloneSourceAtCapacity");
        assertThat(waiting.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(waiting.getStatus().condition("Ready").orElseThrow().getMessage()).isEqualTo("CloneSource " + prod + "/orders allows"
                + " at most 2 clones at once (spec.maxClones) and 2 older clones hold the slots (2 in this namespace): this clone waits"
                + " and starts by itself once one of them is deleted; delete a clone you no longer need, or ask the owners of namespace "
                + prod + " to raise spec.maxClones");
        assertThat(CloneObservations.warnings(client, staging, "third")).containsExactly("CloneSourceAtCapacity");
        assertThat(client.pods().inNamespace(staging).withName("third").get()).isNull();
        assertThat(client.persistentVolumeClaims().inNamespace(staging).withName("third").get()).isNull();

        client.resources(DatabaseClone.class).inNamespace(staging).withName("first").delete();
        // well within the first backoff: the deletion itself wakes the waiting clone
        await().atMost(Duration.ofSeconds(4)).untilAsserted(() -> assertThat(client.resources(DatabaseClone.class).inNamespace(staging)
                .withName("third").get().getStatus().condition("Ready").orElseThrow().getReason()).isNotEqualTo("CloneSourceAtCapacity"));
        CloneObservations.awaitCondition(client, staging, "third", "Ready", "True", "CloneReady");
        assertThat(client.resources(DatabaseClone.class).inNamespace(staging).withName("second").get().getStatus().getPhase())
                .isEqualTo("Ready");
    }

    @Test
    void aNamespaceWithSlowPreparationsWaitsForItsOwnWorkersWhileOthersGoOn() {
        harness.preparer().hold();
        for (String name : List.of("one", "two", "three")) {
            apply(staging, ownVolumeClone(name));
        }
        // the harness runs 4 workers, at most 2 per namespace
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(List.of("one", "two", "three")).allSatisfy(name -> {
            var status = client.resources(DatabaseClone.class).inNamespace(staging).withName(name).get().getStatus();
            assertThat(status).isNotNull();
            assertThat(status.condition("Prepared")).hasValueSatisfying(c -> assertThat(c.getReason()).isIn("Preparing", "Waiting"));
            assertThat(status.condition("PostgresStarted")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
        }));
        List<DatabaseClone> waiting = client.resources(DatabaseClone.class).inNamespace(staging).list().getItems().stream()
                .filter(c -> "Waiting".equals(c.getStatus().condition("Prepared").orElseThrow().getReason())).toList();
        assertThat(waiting).singleElement().satisfies(c -> {
            assertThat(c.getStatus().condition("Prepared").orElseThrow().getMessage()).isEqualTo("waiting for a database worker: namespace "
                    + staging + " already uses its share of the operator's database workers (2 of 4); this starts when one of its other"
                    + " clones finishes");
            assertThat(c.getStatus().getPhase()).isEqualTo("Preparing");
        });

        apply(qa, ownVolumeClone("elsewhere"));
        CloneObservations.awaitCondition(client, qa, "elsewhere", "Prepared", "False", "Preparing");

        harness.preparer().open();
        for (String name : List.of("one", "two", "three")) {
            CloneObservations.awaitCondition(client, staging, name, "Ready", "True", "CloneReady");
        }
        CloneObservations.awaitCondition(client, qa, "elsewhere", "Ready", "True", "CloneReady");
    }

    // ------------------------------------------------------------------ helpers

    private static String ownVolumeClone(String name) {
        return """
                kind: DatabaseClone
                metadata: {name: %s}
                spec:
                  source: {pvcName: data-orders-0}
                  postgres: {image: "postgres:16"}
                """.formatted(name);
    }

    private String cloneOf(String name) {
        return """
                kind: DatabaseClone
                metadata: {name: %s}
                spec:
                  source: {cloneSource: {name: orders, namespace: %s}}
                """.formatted(name, prod);
    }

    private void cloneSource(String specYaml) {
        apply(prod, "kind: CloneSource\nmetadata: {name: orders}\nspec:\n" + specYaml.indent(2));
    }

    private void apply(String namespace, String yaml) {
        HasMetadata object = client.getKubernetesSerialization().unmarshal("apiVersion: pgclone.dev/v1alpha1\n" + yaml);
        object.getMetadata().setNamespace(namespace);
        client.resource(object).create();
    }

    private void assertNothingCreatedIn(String namespace) {
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(client.secrets().inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(client.services().inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(client.persistentVolumeClaims().inNamespace(namespace).list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactly("data-orders-0");
    }
}
