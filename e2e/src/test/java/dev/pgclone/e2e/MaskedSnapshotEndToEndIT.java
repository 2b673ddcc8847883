package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A CloneSource in masking mode Snapshot on the local cluster, with the real operator jar, storage
 * snapshots and postgres: the operator builds one masked snapshot in production's namespace, and a
 * clone in another namespace restores from it, serves masked data and runs no masking of its own.
 * Then the check that makes the mode worth having: not one file of the clone's volume, nor of the
 * masked snapshot itself, holds a byte of the production value the masking replaced (data files,
 * indexes, statistics and WAL alike), while the same search finds it in production's volume. Last, a
 * broken masking script: the rebuild it was asked for fails and says so on the CloneSource, nothing
 * is published, and new clones keep restoring from the previous masked snapshot; once the script is
 * fixed and rebuilt, new clones get the new masked snapshot, and the old one goes with its last clone.
 */
@ExtendWith(SharedCluster.Resolver.class)
class MaskedSnapshotEndToEndIT {

    /** This test's own namespaces on the shared cluster. */
    static final String PROD = "e2e-masked-prod";
    static final String STAGING = "e2e-masked-staging";
    static final String SOURCE = "orders";
    static final String API = "pgclone.dev/v1alpha1";
    /** Every production e-mail ends so; the masking leaves none, and no file of a masked copy may hold these bytes. */
    static final String PRODUCTION_VALUE = "@real-customer.example";
    static final String MASKING = "UPDATE customers SET email = 'customer' || id || '@example.test';";
    /** A build restores, starts, masks, rewrites, checks, stops and is snapshotted; on 2 shared cores this is well within. */
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
    static final Duration POLL = Duration.ofMillis(500);

    @Test
    void consumersRestoreTheMaskedSnapshotAndNoFileOfTheirsHoldsAProductionValue(SharedCluster shared) throws Exception {
        LocalCluster cluster = shared.cluster();
        OperatorProcess operator = shared.operator();
        KubernetesClient client = cluster.client();
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(PROD, STAGING);
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(PROD).scale(1))) {
            prod.psql("CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);"
                    + " INSERT INTO customers SELECT i, 'person' || i || '" + PRODUCTION_VALUE + "' FROM generate_series(1, 500) i");
            // the value in an index and in pg_statistic too (a histogram of the column), and in the data files, not only the WAL
            prod.psql("CREATE INDEX customers_email ON customers (email)");
            prod.psql("ANALYZE customers");
            prod.psql("CHECKPOINT");
            Map<String, List<Path>> inProduction = AttackIT.filesContaining(Volumes.hostPath(client, PROD, prod.pvcName()),
                    Map.of("production value", PRODUCTION_VALUE));
            assertThat(inProduction.get("production value")).as("files of production's volume holding %s: the search can see it", PRODUCTION_VALUE)
                    .anyMatch(p -> p.toString().contains("/base/")).anyMatch(p -> p.toString().contains("/pg_wal/"));

            CloneSourceEndToEndIT.apply(client, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: orders-masking
                      namespace: %s
                    data:
                      10-customers.sql: "%s"
                    ---
                    """.formatted(PROD, MASKING) + prod.cloneSourceYaml(SOURCE, List.of(STAGING), """
                      postClone:
                        configMapName: orders-masking
                      masking:
                        mode: Snapshot
                        piiCheck:
                          allowedEmailDomains: [example.test]
                    """));
            // created at once: it must wait for the masked snapshot, never fall back to a production snapshot
            CloneSourceEndToEndIT.apply(client, prod.cloneOfSourceYaml("first", STAGING, SOURCE, ""));

            Observed first = awaitFirstMaskedSnapshot(client);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(first.consumerWaitReasons()).as("SnapshotReady reasons of the consumer before the masked snapshot was published")
                    .contains("MaskedSnapshotNotReady");
            soft.assertThat(first.consumerPodsBeforePublication()).as("Pods of the consumer while no masked snapshot existed").isEmpty();
            soft.assertThat(first.buildPod()).as("the build's Pod, seen while it ran").isNotNull();
            if (first.buildPod() != null) {
                soft.assertThat(first.buildPod().getSpec().getRestartPolicy()).as("restartPolicy of build Pod").isEqualTo("Never");
                soft.assertThat(env(first.buildPod())).as("environment of the build Pod").containsEntry("PGCLONE_BUILD", "masked-snapshot");
            }
            soft.assertAll();

            GenericKubernetesResource source = awaitSource(client, s -> "Published".equals(build(s).get("state")), "status.build.state Published");
            String uid = source.getMetadata().getUid();
            List<Map<String, Object>> maskedStatus = maskedSnapshots(source);
            assertThat(maskedStatus).as("status.maskedSnapshots").hasSize(1);
            String masked = Objects.toString(maskedStatus.get(0).get("name"));
            assertThat(masked).startsWith(SOURCE + "-masked-");
            assertThat(maskedStatus.get(0)).containsEntry("readyToUse", true).containsKey("dataAsOf").containsKey("buildSeconds")
                    .containsEntry("piiFindings", 0);
            assertThat(Objects.toString(CloneScenarios.condition(source, "MaskedSnapshotReady").get("message"))).contains(masked);
            List<VolumeSnapshot> maskedSnapshots = maskedVolumeSnapshots(client);
            assertThat(maskedSnapshots).as("VolumeSnapshots labelled pgclone.dev/masked=true in %s", PROD).singleElement().satisfies(s -> {
                assertThat(s.getMetadata().getName()).isEqualTo(masked);
                assertThat(s.getStatus().getReadyToUse()).isTrue();
                assertThat(s.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                    assertThat(o.getKind()).isEqualTo("CloneSource");
                    assertThat(o.getUid()).isEqualTo(uid);
                    assertThat(o.getController()).isTrue();
                });
            });
            String buildName = Objects.toString(build(source).get("name"));
            await().atMost(Duration.ofSeconds(60)).pollInterval(POLL).untilAsserted(() -> assertThat(client.genericKubernetesResources(API,
                    "DatabaseClone").inNamespace(PROD).withName(buildName).get()).as("build %s, deleted once published", buildName).isNull());

            GenericKubernetesResource ready = CloneSourceEndToEndIT.awaitReady(client, STAGING, "first");
            assertThat(snapshotOf(ready)).as("status.snapshot of the consumer").containsEntry("name", masked).containsEntry("namespace", PROD);
            assertRanNoMasking(client, ready);

            // every byte of the consumer's volume and of the masked snapshot, before any query naming the value reaches the consumer
            Path consumerVolume = Volumes.hostPath(client, STAGING, "first");
            Path snapshotFiles = cluster.storage().snapshotPath(storageHandle(client, maskedSnapshots.get(0)));
            Map<String, List<Path>> inConsumer = AttackIT.filesContaining(consumerVolume, Map.of("production value", PRODUCTION_VALUE));
            Map<String, List<Path>> inSnapshot = AttackIT.filesContaining(snapshotFiles, Map.of("production value", PRODUCTION_VALUE));
            soft = new SoftAssertions();
            soft.assertThat(Volumes.hostPath(client, STAGING, "first").resolve(SampleProduction.DATA_DIRECTORY).resolve("pg_wal"))
                    .as("the consumer's WAL directory, searched too").isDirectory();
            soft.assertThat(inConsumer.get("production value")).as("files of consumer %s/first holding %s", STAGING, PRODUCTION_VALUE).isEmpty();
            soft.assertThat(inSnapshot.get("production value")).as("files of masked snapshot %s holding %s", masked, PRODUCTION_VALUE).isEmpty();
            soft.assertAll();

            CloneSourceEndToEndIT.assertServesMaskedData(client, STAGING, "first");
            assertThat(prod.psql("SELECT count(*) FROM customers WHERE email LIKE '%" + PRODUCTION_VALUE + "'"))
                    .as("production untouched by the masking").isEqualTo("500");
            assertThat(maskedSnapshots(source(client)).get(0).get("users")).as("users of the masked snapshot").isEqualTo(1);

            // a broken masking script: the rebuild fails, publishes nothing, and the previous masked snapshot keeps serving
            client.configMaps().inNamespace(PROD).withName("orders-masking").edit(c -> {
                c.setData(Map.of("10-customers.sql", "UPDATE customers SET no_such_column = 1;"));
                return c;
            });
            annotateRebuild(client, "after-broken-masking");
            GenericKubernetesResource failed = awaitSource(client, s -> "after-broken-masking".equals(CloneScenarios.status(s).get("lastRebuildRequest"))
                    && "Failed".equals(build(s).get("state")), "the rebuild asked for by annotation to fail");
            soft = new SoftAssertions();
            soft.assertThat(Objects.toString(build(failed).get("message"))).as("status.build.message").contains("no_such_column");
            Map<String, Object> stillReady = CloneScenarios.condition(failed, "MaskedSnapshotReady");
            soft.assertThat(stillReady.get("status")).as("MaskedSnapshotReady after the failed build: %s", stillReady).isEqualTo("True");
            soft.assertThat(Objects.toString(stillReady.get("message"))).as("MaskedSnapshotReady message").contains(masked)
                    .contains(Objects.toString(build(failed).get("name"))).contains("failed");
            soft.assertThat(maskedVolumeSnapshots(client)).as("masked VolumeSnapshots after the failed build")
                    .extracting(s -> s.getMetadata().getName()).containsExactly(masked);
            soft.assertThat(client.v1().events().inNamespace(PROD).list().getItems()).as("Warning events on CloneSource %s", SOURCE)
                    .anyMatch(e -> "Warning".equals(e.getType()) && "CloneSource".equals(e.getInvolvedObject().getKind())
                            && SOURCE.equals(e.getInvolvedObject().getName()));
            soft.assertAll();

            CloneSourceEndToEndIT.apply(client, prod.cloneOfSourceYaml("second", STAGING, SOURCE, ""));
            GenericKubernetesResource second = CloneSourceEndToEndIT.awaitReady(client, STAGING, "second");
            assertThat(snapshotOf(second)).as("status.snapshot of the clone made after the failed build").containsEntry("name", masked);
            assertRanNoMasking(client, second);
            CloneSourceEndToEndIT.assertServesMaskedData(client, STAGING, "second");

            // the masking fixed, to other values (so a clone's data shows which build it restored), and rebuilt: new clones get it
            client.configMaps().inNamespace(PROD).withName("orders-masking").edit(c -> {
                c.setData(Map.of("10-customers.sql", "UPDATE customers SET email = 'fixed' || id || '@example.test';"));
                return c;
            });
            annotateRebuild(client, "after-fixed-masking");
            GenericKubernetesResource fixed = awaitSource(client, s -> "after-fixed-masking".equals(CloneScenarios.status(s).get("lastRebuildRequest"))
                    && "Published".equals(build(s).get("state")), "the rebuild after the fix to be published");
            String renewed = maskedSnapshots(fixed).stream().filter(m -> Boolean.TRUE.equals(m.get("readyToUse"))).map(m -> Objects.toString(m.get("name")))
                    .findFirst().orElse(null);
            assertThat(renewed).as("the newest ready masked snapshot after build %s was published; status %s", build(fixed).get("name"),
                    CloneScenarios.status(fixed)).isNotNull().isNotEqualTo(masked);
            CloneSourceEndToEndIT.apply(client, prod.cloneOfSourceYaml("third", STAGING, SOURCE, ""));
            GenericKubernetesResource third = CloneSourceEndToEndIT.awaitReady(client, STAGING, "third");
            assertThat(snapshotOf(third)).as("status.snapshot of the clone made after the fixed build").containsEntry("name", renewed);
            assertThat(query(client, "third", "SELECT email FROM customers WHERE id = 7")).as("e-mail 7 in the clone of %s", renewed)
                    .isEqualTo("fixed7@example.test");
            assertThat(query(client, "second", "SELECT email FROM customers WHERE id = 7")).as("e-mail 7 in the clone of %s", masked)
                    .isEqualTo("customer7@example.test");

            // the clones go: the older masked snapshot with its last user; then the CloneSource, and the newer one with it, down to the storage
            String olderStorage = storageHandle(client, maskedSnapshots.get(0));
            VolumeSnapshot newer = client.resources(VolumeSnapshot.class).inNamespace(PROD).withName(renewed).get();
            String newerStorage = storageHandle(client, newer);
            for (String name : List.of("first", "second", "third")) {
                client.genericKubernetesResources(API, "DatabaseClone").inNamespace(STAGING).withName(name).delete();
            }
            await().atMost(Duration.ofSeconds(90)).pollInterval(POLL).untilAsserted(() -> {
                assertThat(client.genericKubernetesResources(API, "DatabaseClone").inNamespace(STAGING).list().getItems()).isEmpty();
                assertThat(client.persistentVolumeClaims().inNamespace(STAGING).list().getItems()).isEmpty();
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(STAGING).list().getItems()).isEmpty();
                assertThat(maskedVolumeSnapshots(client)).as("masked VolumeSnapshots once no clone uses the older one")
                        .extracting(v -> v.getMetadata().getName()).containsExactly(renewed);
                assertThat(cluster.storage().hasSnapshot(olderStorage)).as("storage snapshot of %s", masked).isFalse();
            });
            assertThat(cluster.storage().hasSnapshot(newerStorage)).as("the serving masked snapshot outlives its consumers").isTrue();
            client.genericKubernetesResources(API, "CloneSource").inNamespace(PROD).withName(SOURCE).delete();
            await().atMost(Duration.ofSeconds(90)).pollInterval(POLL).untilAsserted(() -> {
                assertThat(source(client)).as("CloneSource %s", SOURCE).isNull();
                assertThat(client.genericKubernetesResources(API, "DatabaseClone").inNamespace(PROD).list().getItems()).as("builds").isEmpty();
                assertThat(maskedVolumeSnapshots(client)).as("masked VolumeSnapshots").isEmpty();
                assertThat(cluster.storage().hasSnapshot(newerStorage)).as("storage snapshot of %s", renewed).isFalse();
            });
            assertThat(prod.psql("SELECT 1")).as("production still serves").isEqualTo("1");
            assertThat(operator.alive()).isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    /** What was seen until the first masked snapshot was published: the consumer waiting, never running, and the build's Pod. */
    record Observed(List<String> consumerWaitReasons, List<String> consumerPodsBeforePublication, Pod buildPod) {}

    private static Observed awaitFirstMaskedSnapshot(KubernetesClient client) {
        List<String> reasons = new ArrayList<>();
        List<String> pods = new ArrayList<>();
        AtomicReference<Pod> buildPod = new AtomicReference<>();
        long deadline = System.nanoTime() + BUILD_TIMEOUT.toNanos();
        while (true) {
            // read before the snapshots: Pods that exist now existed while no snapshot below was usable
            List<String> podsNow = client.pods().inNamespace(STAGING).list().getItems().stream().map(p -> p.getMetadata().getName()).toList();
            GenericKubernetesResource consumer = client.genericKubernetesResources(API, "DatabaseClone").inNamespace(STAGING).withName("first").get();
            boolean published = maskedVolumeSnapshots(client).stream().anyMatch(s -> s.getStatus() != null && Boolean.TRUE.equals(s.getStatus().getReadyToUse()));
            GenericKubernetesResource source = source(client);
            if (!published) {
                pods.addAll(podsNow);
                Object reason = CloneScenarios.condition(consumer, "SnapshotReady").get("reason");
                if (reason != null && !reasons.contains(reason.toString())) {
                    reasons.add(reason.toString());
                }
            }
            if ("True".equals(CloneScenarios.condition(source, "MaskedSnapshotReady").get("status"))) {
                return new Observed(reasons, pods, buildPod.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("CloneSource " + SOURCE + " has no masked snapshot " + BUILD_TIMEOUT.toSeconds() + " s after it was created; "
                        + "its status: " + CloneScenarios.status(source));
            }
            String build = Objects.toString(build(source).get("name"), null);
            if (build != null && buildPod.get() == null) {
                buildPod.set(client.pods().inNamespace(PROD).withName(build).get());
            }
            pause();
        }
    }

    /** The consumer's preparation ran none of the CloneSource's scripts, and its Pod is an ordinary clone's. */
    private static void assertRanNoMasking(KubernetesClient client, GenericKubernetesResource clone) {
        Object steps = CloneScenarios.status(clone).get("steps");
        List<String> names = steps instanceof List<?> l ? l.stream().map(CloneScenarios::map).map(m -> Objects.toString(m.get("name"))).toList()
                : List.of();
        assertThat(names).as("status.steps of %s", clone.getMetadata().getName())
                .noneMatch(n -> n.contains("orders-masking") || n.startsWith("cloneSource "));
        Pod pod = client.pods().inNamespace(clone.getMetadata().getNamespace()).withName(clone.getMetadata().getName()).get();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(env(pod)).as("environment of Pod %s", pod.getMetadata().getName()).doesNotContainKey("PGCLONE_BUILD");
    }

    /** Asks for a new masked snapshot, as production's owners would with kubectl annotate. */
    private static void annotateRebuild(KubernetesClient client, String request) {
        client.genericKubernetesResources(API, "CloneSource").inNamespace(PROD).withName(SOURCE).edit(s -> {
            Map<String, String> annotations = new HashMap<>(Optional.ofNullable(s.getMetadata().getAnnotations()).orElse(Map.of()));
            annotations.put("pgclone.dev/rebuild-masked-snapshot", request);
            s.getMetadata().setAnnotations(annotations);
            return s;
        });
    }

    /** One value, through the consumer's own superuser Secret. */
    private static String query(KubernetesClient client, String clone, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = CloneScenarios.asCloneSuperuser(client, STAGING, clone)) {
            return CloneScenarios.single(c, sql);
        }
    }


    private static GenericKubernetesResource source(KubernetesClient client) {
        return client.genericKubernetesResources(API, "CloneSource").inNamespace(PROD).withName(SOURCE).get();
    }

    private static GenericKubernetesResource awaitSource(KubernetesClient client, java.util.function.Predicate<GenericKubernetesResource> done,
                                                         String what) {
        long deadline = System.nanoTime() + BUILD_TIMEOUT.toNanos();
        GenericKubernetesResource s = source(client);
        while (s == null || !done.test(s)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("CloneSource " + SOURCE + ": no " + what + " within " + BUILD_TIMEOUT.toSeconds() + " s; its status: "
                        + CloneScenarios.status(s));
            }
            pause();
            s = source(client);
        }
        return s;
    }

    private static Map<String, Object> build(GenericKubernetesResource source) {
        return CloneScenarios.map(CloneScenarios.status(source).get("build"));
    }

    private static List<Map<String, Object>> maskedSnapshots(GenericKubernetesResource source) {
        Object list = CloneScenarios.status(source).get("maskedSnapshots");
        return list instanceof List<?> l ? l.stream().map(CloneScenarios::map).toList() : List.of();
    }

    private static Map<String, Object> snapshotOf(GenericKubernetesResource clone) {
        return CloneScenarios.map(CloneScenarios.status(clone).get("snapshot"));
    }

    private static List<VolumeSnapshot> maskedVolumeSnapshots(KubernetesClient client) {
        return client.resources(VolumeSnapshot.class).inNamespace(PROD).withLabel("pgclone.dev/masked", "true").list().getItems();
    }

    /** The storage's id of the snapshot behind a VolumeSnapshot. */
    private static String storageHandle(KubernetesClient client, VolumeSnapshot snapshot) {
        return client.resources(VolumeSnapshotContent.class).withName(snapshot.getStatus().getBoundVolumeSnapshotContentName()).get()
                .getStatus().getSnapshotHandle();
    }

    private static Map<String, String> env(Pod pod) {
        Map<String, String> env = new HashMap<>();
        for (EnvVar e : pod.getSpec().getContainers().get(0).getEnv()) {
            env.put(e.getName(), e.getValue());
        }
        return env;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
