package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The end-to-end scenarios, written once against {@link ScenarioCluster}: what a user does with
 * kubectl and sees in return, on a cluster whose production database is being written to. Each
 * scenario deletes what it made and checks that nothing of it is left: no API object, no volume,
 * no storage snapshot, no process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CloneScenarios {

    static final String API_VERSION = "pgclone.dev/v1alpha1";
    static final String KIND = "DatabaseClone";
    /**
     * A prepared clone may hold on its own at most this share of the source's bytes (the issue's
     * target on a production-sized database) ...
     */
    static final double MAX_EXCLUSIVE_SHARE = 0.05;
    /**
     * ... plus this fixed amount, whatever the source's size: the clone's own WAL (the segment
     * pg_resetwal starts it on, what preparation writes) and the catalogs its scrub rewrites
     * (VACUUM FULL), measured at 35-50 MB. Against the test's small source (~190 MB) a full copy
     * would still be twice this bound.
     */
    static final long FIXED_EXCLUSIVE_BYTES = 64L << 20;

    protected abstract ScenarioCluster cluster();

    // ------------------------------------------------------------------------------------ scenarios

    @Test
    void aCloneOfAGivenVolumeSnapshotIsReadyAndDeletingItLeavesTheSnapshot() throws Exception {
        ScenarioCluster c = cluster();
        var src = c.source();
        KubernetesClient client = c.client();
        String snapshot = "given-nightly";
        client.resource(new VolumeSnapshotBuilder()
                .withNewMetadata().withName(snapshot).withNamespace(src.namespace()).endMetadata()
                .withNewSpec().withVolumeSnapshotClassName(src.snapshotClass())
                    .withNewSource().withPersistentVolumeClaimName(src.pvcName()).endSource()
                .endSpec().build()).create();
        VolumeSnapshot given = client.resources(VolumeSnapshot.class).inNamespace(src.namespace()).withName(snapshot)
                .waitUntilCondition(v -> v != null && v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()),
                        c.readyTimeout().toSeconds(), TimeUnit.SECONDS);
        String content = given.getStatus().getBoundVolumeSnapshotContentName();
        String clone = "from-snapshot";
        try {
            create(clone, "snapshotName: " + snapshot, src.dataDirectory(), src.image(), src.uid(), null);
            Map<String, Object> status = status(awaitReady(clone));
            assertThat(map(status.get("snapshot")).get("name")).as("status.snapshot.name").isEqualTo(snapshot);
            assertThat(status.get("source").toString()).contains(snapshot);
            try (var endpoint = c.reach(src.namespace(), clone); Connection db = superuser(endpoint, clone)) {
                assertThat(single(db, "SELECT count(*) FROM pgbench_accounts")).isEqualTo(Long.toString(src.pgbenchScale() * 100_000L));
            }
            deleteAndAssertGone(clone);
            VolumeSnapshot after = client.resources(VolumeSnapshot.class).inNamespace(src.namespace()).withName(snapshot).get();
            assertThat(after).as("the given VolumeSnapshot outlives the clone").isNotNull();
            assertThat(after.getStatus().getReadyToUse()).isTrue();
            assertThat(client.resources(VolumeSnapshotContent.class).withName(content).get()).as("its content").isNotNull();
        } finally {
            deleteQuietly(clone);
            client.resources(VolumeSnapshot.class).inNamespace(src.namespace()).withName(snapshot).delete();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(client.resources(VolumeSnapshotContent.class).withName(content).get()).as("content of the deleted snapshot").isNull());
    }

    @Test
    void fiveClonesCreatedAtOnceAreEachServedAndShareTheSourcesBlocks() throws Exception {
        ScenarioCluster c = cluster();
        var src = c.source();
        List<String> clones = List.of("share-1", "share-2", "share-3", "share-4", "share-5");
        try {
            for (String clone : clones) {
                create(clone, "pvcName: " + src.pvcName(), src.dataDirectory(), src.image(), src.uid(), src.checkpointSecret());
            }
            for (String clone : clones) {
                awaitReady(clone);
            }
            for (String clone : clones) {
                try (var endpoint = c.reach(src.namespace(), clone); Connection db = superuser(endpoint, clone);
                     Statement st = db.createStatement()) {
                    st.execute("CREATE TABLE only_in_" + clone.replace('-', '_') + " AS SELECT 1 AS x");
                    assertThat(single(db, "SELECT count(*) FROM pgbench_accounts")).isEqualTo(Long.toString(src.pgbenchScale() * 100_000L));
                }
            }
            assertThat(c.sqlInProduction("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'only_in_share%'"))
                    .as("tables made in the clones, seen from production").isEqualTo("0");

            Optional<String> unmeasurable = c.sharingUnmeasurable();
            if (unmeasurable.isPresent()) {
                System.out.println("[" + c.describe() + "] block sharing NOT checked: " + unmeasurable.get());
            } else {
                long source = c.sourceBytes();
                Map<String, Long> exclusive = new LinkedHashMap<>();
                for (String clone : clones) {
                    exclusive.put(clone, c.exclusiveBytes(src.namespace(), clone));
                }
                System.out.printf("[%s] source volume %,d bytes; bytes each clone holds alone:%n", c.describe(), source);
                exclusive.forEach((clone, bytes) -> System.out.printf("  %-8s %,14d bytes (%.2f%% of the source)%n", clone, bytes,
                        100.0 * bytes / source));
                exclusive.forEach((clone, bytes) -> assertThat(bytes).as("bytes %s holds alone, of a %,d-byte source", clone, source)
                        .isLessThan(FIXED_EXCLUSIVE_BYTES + (long) (source * MAX_EXCLUSIVE_SHARE)));
            }
            for (String clone : clones) {
                deleteAndAssertGone(clone);
            }
        } finally {
            clones.forEach(this::deleteQuietly);
        }
    }

    @Test
    void aCloneOfAMissingPvcFailsWithSourceNotFoundAsKubectlShowsIt() throws Exception {
        var src = cluster().source();
        String clone = "no-source";
        try {
            create(clone, "pvcName: no-such-pvc", src.dataDirectory(), src.image(), src.uid(), null);
            String expected = "PersistentVolumeClaim " + src.namespace() + "/no-such-pvc does not exist";
            Map<String, Object> ready = awaitReadyReason(clone, "SourceNotFound");
            assertThat(ready.get("message").toString()).contains(expected, "spec.source.pvcName");
            kubectlShowsFailure(clone, "SourceNotFound", expected);
            deleteAndAssertGone(clone);
        } finally {
            deleteQuietly(clone);
        }
    }

    @Test
    void aCloneWhoseImageRunsAnotherMajorVersionFailsWithBootstrapFailed() throws Exception {
        ScenarioCluster c = cluster();
        var src = c.source();
        var mismatch = c.majorMismatch(src.namespace());
        String clone = "other-major";
        try {
            create(clone, "pvcName: " + mismatch.pvcName(), mismatch.dataDirectory(), mismatch.image(), mismatch.uid(), null);
            String expected = "data is PostgreSQL " + mismatch.dataMajor() + ", image runs " + mismatch.imageMajor()
                    + ": set spec.postgres.image to a postgres " + mismatch.dataMajor() + " image";
            Map<String, Object> ready = awaitReadyReason(clone, "BootstrapFailed");
            assertThat(ready.get("message").toString()).contains(expected);
            assertThat(condition(get(clone), "PostgresStarted")).containsEntry("status", "False").containsEntry("reason", "BootstrapFailed");
            kubectlShowsFailure(clone, "BootstrapFailed", expected);
            deleteAndAssertGone(clone);
        } finally {
            deleteQuietly(clone);
            mismatch.cleanUp().run();
        }
    }

    @Test
    void aCloneRunningAsAUidThatDoesNotOwnTheDataFailsNamingBothUids() throws Exception {
        ScenarioCluster c = cluster();
        Optional<Long> other = c.otherUid();
        Assumptions.assumeTrue(other.isPresent(), () -> "uid mismatch not checked on " + c.describe() + ": " + c.otherUidUnavailableReason());
        var src = c.source();
        String clone = "wrong-uid";
        try {
            create(clone, "pvcName: " + src.pvcName(), src.dataDirectory(), src.image(), other.get(), null);
            String expected = "is owned by uid " + src.uid() + ", the clone runs as uid " + other.get()
                    + ": set spec.postgres.runAsUser to " + src.uid();
            Map<String, Object> ready = awaitReadyReason(clone, "BootstrapFailed");
            assertThat(ready.get("message").toString()).contains(expected);
            kubectlShowsFailure(clone, "BootstrapFailed", expected);
            deleteAndAssertGone(clone);
        } finally {
            deleteQuietly(clone);
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Creates a DatabaseClone from YAML, the way a user's manifest looks. */
    void create(String name, String sourceRef, String dataDirectory, String image, long uid, String checkpointSecret) {
        var src = cluster().source();
        String yaml = """
                apiVersion: %s
                kind: %s
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    %s
                    dataDirectory: "%s"
                %s%s  postgres:
                    image: %s
                    runAsUser: %d
                """.formatted(API_VERSION, KIND, name, src.namespace(), sourceRef, dataDirectory,
                src.snapshotClass() == null ? "" : "    volumeSnapshotClassName: " + src.snapshotClass() + "\n",
                checkpointSecret == null ? "" : "    checkpoint:\n      secretName: " + checkpointSecret + "\n",
                image, uid);
        KubernetesClient client = cluster().client();
        client.resource(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class)).create();
    }

    GenericKubernetesResource get(String name) {
        return cluster().client().genericKubernetesResources(API_VERSION, KIND).inNamespace(cluster().source().namespace()).withName(name).get();
    }

    GenericKubernetesResource awaitReady(String name) {
        return awaitClone(name, c -> "True".equals(condition(c, "Ready").get("status")), "Ready");
    }

    /** Waits until the Ready condition is False with this reason; returns that condition. */
    Map<String, Object> awaitReadyReason(String name, String reason) {
        return condition(awaitClone(name, c -> reason.equals(condition(c, "Ready").get("reason")), "Ready=False/" + reason), "Ready");
    }

    private GenericKubernetesResource awaitClone(String name, Predicate<GenericKubernetesResource> done, String what) {
        try {
            return cluster().client().genericKubernetesResources(API_VERSION, KIND).inNamespace(cluster().source().namespace()).withName(name)
                    .waitUntilCondition(c -> c != null && done.test(c), cluster().readyTimeout().toSeconds(), TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            GenericKubernetesResource now = get(name);
            throw new AssertionError("DatabaseClone " + name + " did not reach " + what + " within " + cluster().readyTimeout().toSeconds()
                    + " s; its status: " + (now == null ? "(gone)" : now.getAdditionalProperties().get("status")), e);
        }
    }

    /**
     * Deletes the clone as a user does and waits until every object it had is gone (the garbage
     * collector's work), then until the cluster holds nothing of it outside the API either.
     */
    void deleteAndAssertGone(String name) {
        KubernetesClient client = cluster().client();
        String ns = cluster().source().namespace();
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(ns).withName(name).get();
        String pv = pvc == null || pvc.getSpec() == null ? null : pvc.getSpec().getVolumeName();
        VolumeSnapshot own = client.resources(VolumeSnapshot.class).inNamespace(ns).withName(name).get();
        String content = own == null || own.getStatus() == null ? null : own.getStatus().getBoundVolumeSnapshotContentName();
        ScenarioCluster.Footprint footprint = cluster().footprint(ns, name);
        client.genericKubernetesResources(API_VERSION, KIND).inNamespace(ns).withName(name).delete();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(get(name)).as("DatabaseClone %s", name).isNull();
            assertThat(client.pods().inNamespace(ns).withName(name).get()).as("Pod %s", name).isNull();
            assertThat(client.persistentVolumeClaims().inNamespace(ns).withName(name).get()).as("PVC %s", name).isNull();
            assertThat(client.services().inNamespace(ns).withName(name).get()).as("Service %s", name).isNull();
            assertThat(client.secrets().inNamespace(ns).withLabel("pgclone.dev/clone", name).list().getItems()).as("Secrets of %s", name).isEmpty();
            assertThat(client.configMaps().inNamespace(ns).withLabel("pgclone.dev/clone", name).list().getItems()).as("ConfigMaps of %s", name)
                    .isEmpty();
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName(name).get()).as("VolumeSnapshot %s", name).isNull();
            if (pv != null) {
                assertThat(client.persistentVolumes().withName(pv).get()).as("PV %s of %s", pv, name).isNull();
            }
            if (content != null) {
                assertThat(client.resources(VolumeSnapshotContent.class).withName(content).get()).as("VolumeSnapshotContent of %s", name).isNull();
            }
            assertThat(footprint.remaining()).as("what %s left on the cluster", name).isEmpty();
        });
    }

    private void deleteQuietly(String name) {
        try {
            cluster().client().genericKubernetesResources(API_VERSION, KIND).inNamespace(cluster().source().namespace()).withName(name).delete();
        } catch (RuntimeException e) {
            System.out.println("could not delete " + name + " after a failure: " + e);
        }
    }

    /** What a user sees: {@code kubectl get -o jsonpath} and {@code kubectl describe}, where kubectl exists. */
    void kubectlShowsFailure(String name, String reason, String message) {
        if (!Files.isExecutable(Kubectl.BINARY)) {
            System.out.println("kubectl not found at " + Kubectl.BINARY + ": the kubectl view of " + name
                    + " is not checked (set -Dpgclone.kubectl=/path/to/kubectl to check it)");
            return;
        }
        Kubectl kubectl = new Kubectl(cluster().kubeconfig());
        String ns = cluster().source().namespace();
        assertThat(kubectl.ok("get", "dbc", name, "-n", ns, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}").strip())
                .isEqualTo(reason);
        assertThat(kubectl.ok("get", "dbc", name, "-n", ns, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"))
                .contains(message);
        assertThat(kubectl.ok("get", "dbc", name, "-n", ns, "-o", "jsonpath={.status.phase}").strip()).isEqualTo("Failed");
        String described = kubectl.ok("describe", "databaseclone", name, "-n", ns);
        assertThat(described).as("kubectl describe databaseclone %s", name).contains(reason, message, "Warning");
    }

    Connection superuser(ScenarioCluster.Endpoint endpoint, String clone) throws SQLException {
        Secret s = cluster().client().secrets().inNamespace(cluster().source().namespace()).withName(clone + "-superuser").get();
        assertThat(s).as("Secret %s-superuser", clone).isNotNull();
        String password = new String(Base64.getDecoder().decode(s.getData().get("password")), StandardCharsets.UTF_8);
        return DriverManager.getConnection(endpoint.jdbcUrl("postgres"), "postgres", password);
    }

    /** A session as the clone's superuser, on its Pod, with the password from its {@code <clone>-superuser} Secret. */
    static Connection asCloneSuperuser(KubernetesClient client, String ns, String clone) throws SQLException {
        String ip = client.pods().inNamespace(ns).withName(clone).get().getStatus().getPodIP();
        Secret s = client.secrets().inNamespace(ns).withName(clone + "-superuser").get();
        assertThat(s).as("Secret %s/%s-superuser", ns, clone).isNotNull();
        String password = new String(Base64.getDecoder().decode(s.getData().get("password")), StandardCharsets.UTF_8);
        return DriverManager.getConnection("jdbc:postgresql://" + ip + ":5432/postgres", "postgres", password);
    }

    static String single(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> status(GenericKubernetesResource c) {
        Object s = c == null ? null : c.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The condition of this type, or an empty map. */
    static Map<String, Object> condition(GenericKubernetesResource c, String type) {
        Object conditions = status(c).get("conditions");
        if (conditions instanceof List<?> list) {
            for (Object o : new ArrayList<>(list)) {
                Map<String, Object> m = map(o);
                if (type.equals(m.get("type"))) {
                    return m;
                }
            }
        }
        return Map.of();
    }
}
