package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloudNativePGSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.cnpg.CloudNativePG;
import dev.pgclone.operator.cnpg.CnpgObjects;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.source.cloudNativePG with the real reconciler on the mock API server, with Clusters, Pods and
 * PVCs shaped like CloudNativePG's ({@link CnpgObjects}): the instance's volumes, image, uid and
 * superuser are found, the backup runs on the instance's own Pod IP, the choice is recorded and
 * kept through a later switchover, and what is missing is a condition that says what to change.
 * The choice itself is CloudNativePGResolverTest's; a real clone of such a layout, CloudNativePgEndToEndIT's.
 */
@ApiServerTest
class CloudNativePGCloneTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private CnpgObjects cnpg;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = harness.namespace("cnpg-" + NS.incrementAndGet());
        CnpgObjects.defineKinds(client);
        cnpg = new CnpgObjects(client, ns);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void aClusterWithWalStorageIsClonedFromItsPrimaryWithWhatCloudNativePGSays() {
        cnpg.cluster("orders", 2).walStorage().superuserAccess(true).createWithInstances();
        cnpg.superuserSecret("orders", "orders-rw");
        client.resource(clone("review", "orders", null)).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "review", "Ready", "True", "CloneReady");
        String primaryIp = cnpg.pod("orders-1").getStatus().getPodIP();
        var used = ready.getStatus().getCloudNativePG();
        assertThat(used.getCluster()).isEqualTo("orders");
        assertThat(used.getInstance()).isEqualTo("orders-1");
        assertThat(used.getRole()).isEqualTo("primary");
        assertThat(used.getData()).isEqualTo("orders-1");
        assertThat(used.getWal()).isEqualTo("orders-1-wal");
        assertThat(used.getRunAsUser()).isEqualTo(26L);
        assertThat(used.getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(ready.getStatus().getSource()).isEqualTo("cloudNativePG " + ns + "/orders");
        // the backup ran on the primary's own Pod, not on whatever the Secret's Service points at
        assertThat(harness.checkpointer().calls()).singleElement().satisfies(c -> {
            assertThat(c.host()).isEqualTo(primaryIp);
            assertThat(c.username()).isEqualTo("postgres");
        });
        assertThat(harness.checkpointer().serverAddresses()).containsExactly(primaryIp);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("review").get().getSpec().getSource()
                .getPersistentVolumeClaimName()).isEqualTo("orders-1");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("review-wal").get().getSpec().getSource()
                .getPersistentVolumeClaimName()).isEqualTo("orders-1-wal");
        Pod pod = client.pods().inNamespace(ns).withName("review").get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(26L);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        Map<String, String> env = pod.getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(env).containsEntry("PGDATA", "/pgclone/volume/pgdata").containsEntry("PGCLONE_WAL_DIRECTORY", "pg_wal");

        // a switchover later on does not change the clone that exists
        GenericKubernetesResource cluster = client.genericKubernetesResources(CnpgObjects.context(CloudNativePG.CLUSTER))
                .inNamespace(ns).withName("orders").get();
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) cluster.getAdditionalProperties().get("status");
        status.put("currentPrimary", "orders-2");
        status.put("targetPrimary", "orders-2");
        client.genericKubernetesResources(CnpgObjects.context(CloudNativePG.CLUSTER)).inNamespace(ns).resource(cluster).update();
        client.resource(ready).edit(c -> {
            c.getMetadata().setLabels(Map.of("touched", "yes"));
            return c;
        });
        org.awaitility.Awaitility.await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            DatabaseClone after = client.resources(DatabaseClone.class).inNamespace(ns).withName("review").get();
            assertThat(after.getStatus().getCloudNativePG().getInstance()).isEqualTo("orders-1");
            assertThat(after.getStatus().condition("Ready").orElseThrow().getStatus()).isEqualTo("True");
        });
        assertThat(harness.checkpointer().calls()).hasSize(1);
    }

    @Test
    void preferStandbyTakesAReadyReplicaAndSaysSo() {
        cnpg.cluster("orders", 3).superuserAccess(true).createWithInstances();
        cnpg.superuserSecret("orders", "orders-rw");
        client.resource(clone("off-primary", "orders", "preferStandby")).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "off-primary", "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getCloudNativePG().getRole()).isEqualTo("standby");
        assertThat(ready.getStatus().getCloudNativePG().getInstance()).isEqualTo("orders-2");
        assertThat(ready.getStatus().getCloudNativePG().getWal()).isNull();
        // without walStorage: one snapshot, with a CHECKPOINT (a restartpoint there) on that replica's Pod
        assertThat(harness.checkpointer().calls()).singleElement()
                .satisfies(c -> assertThat(c.host()).isEqualTo(cnpg.pod("orders-2").getStatus().getPodIP()));
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("off-primary").get().getSpec().getSource()
                .getPersistentVolumeClaimName()).isEqualTo("orders-2");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("off-primary-wal").get()).isNull();
    }

    @Test
    void whatIsMissingIsAConditionThatSaysWhatToChange() {
        client.resource(clone("nowhere", "billing", null)).create();
        DatabaseClone missing = CloneObservations.awaitCondition(client, ns, "nowhere", "Ready", "False", "CloudNativePGClusterNotFound");
        assertThat(missing.getStatus().condition("Ready").orElseThrow().getMessage()).contains("Cluster billing in namespace " + ns);
        assertThat(CloneObservations.warnings(client, ns, "nowhere")).contains("CloudNativePGClusterNotFound");

        cnpg.cluster("orders", 1).walStorage().superuserAccess(false).createWithInstances();
        client.resource(clone("no-connection", "orders", null)).create();
        DatabaseClone refused = CloneObservations.awaitCondition(client, ns, "no-connection", "Ready", "False", "CloudNativePGNoBackupConnection");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).contains("spec.enableSuperuserAccess: true")
                .contains("spec.source.checkpoint.secretName");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).isEmpty();
        assertThat(harness.checkpointer().calls()).isEmpty();
    }

    @Test
    void withoutSuperuserAccessAClusterWithoutWalStorageIsClonedWithoutACheckpoint() {
        cnpg.cluster("orders", 1).superuserAccess(false).createWithInstances();
        client.resource(clone("plain", "orders", null)).create();

        CloneObservations.awaitCondition(client, ns, "plain", "Ready", "True", "CloneReady");
        assertThat(harness.checkpointer().calls()).isEmpty();
        assertThat(CloneObservations.events(client, ns, "plain")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("CloudNativePGInstanceChosen");
            assertThat(e.getMessage()).contains("superuser access is disabled").contains("CHECKPOINT");
        });
    }

    @Test
    void aSecretCloudNativePGDidNotMakeKeepsItsHostAndTheBackupMustReachTheInstance() {
        // someone who may create Secrets and Clusters in the namespace must not get a Secret's credentials sent to a Pod of theirs
        cnpg.cluster("orders", 1).walStorage().superuserAccess(true).createWithInstances();
        client.resource(new SecretBuilder().withNewMetadata().withName("orders-superuser").withNamespace(ns).endMetadata()
                .withStringData(Map.of("username", "postgres", "password", "s3cret", "host", "orders-rw", "port", "5432")).build()).create();
        client.resource(clone("plain-secret", "orders", null)).create();

        CloneObservations.awaitCondition(client, ns, "plain-secret", "Ready", "True", "CloneReady");
        assertThat(harness.checkpointer().calls()).singleElement().satisfies(c -> assertThat(c.host()).as("the Secret's host, qualified with its namespace").isEqualTo("orders-rw." + ns));
        assertThat(harness.checkpointer().serverAddresses()).containsExactly(cnpg.pod("orders-1").getStatus().getPodIP());
    }

    @Test
    void aPodLabelledAsAnInstanceButNotListedByTheClusterIsNeverChosen() {
        cnpg.cluster("orders", 1).superuserAccess(true).createWithInstances();
        cnpg.superuserSecret("orders", "orders-rw");
        // a replica only by its labels: the Cluster's status does not list it
        cnpg.pod("orders", "orders-9", CloudNativePG.ROLE_REPLICA, true, false);
        cnpg.pvc("orders", "orders-9", CloudNativePG.PVC_ROLE_DATA, "orders-9");
        client.resource(clone("not-the-fake", "orders", "preferStandby")).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "not-the-fake", "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getCloudNativePG().getInstance()).as("the primary, as no listed replica exists").isEqualTo("orders-1");
        assertThat(harness.checkpointer().calls()).singleElement()
                .satisfies(c -> assertThat(c.host()).isEqualTo(cnpg.pod("orders-1").getStatus().getPodIP()));
    }

    private DatabaseClone clone(String name, String cluster, String instance) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setCloudNativePG(new CloudNativePGSource(cluster, instance));
        spec.setSource(source);
        clone.setSpec(spec);
        return clone;
    }
}
