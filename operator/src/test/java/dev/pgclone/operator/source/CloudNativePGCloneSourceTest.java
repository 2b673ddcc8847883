package dev.pgclone.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.CloudNativePGSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.cnpg.CnpgObjects;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
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
 * A CloneSource naming a CloudNativePG Cluster (spec.cloudNativePG) with the real reconcilers on the
 * mock API server: its shared snapshot is of the chosen instance's data volume, after a CHECKPOINT
 * on that instance's Pod, and its clones in other namespaces run the Cluster's image and uid; a
 * Cluster with walStorage is refused with a reason that says what to do instead.
 */
@ApiServerTest
class CloudNativePGCloneSourceTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private CnpgObjects cnpg;
    private String prod;
    private String staging;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        int n = RUN.incrementAndGet();
        prod = harness.namespace("cprod-" + n);
        staging = harness.namespace("cstaging-" + n);
        CnpgObjects.defineKinds(client);
        cnpg = new CnpgObjects(client, prod);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void aClusterIsSharedFromTheInstanceChosenWithItsImageUidAndSuperuser() {
        cnpg.cluster("orders", 2).superuserAccess(true).createWithInstances();
        cnpg.superuserSecret("orders", "orders-rw");
        source("orders", "preferStandby");
        client.resource(clone("review")).create();

        DatabaseClone ready = CloneObservations.awaitCondition(client, staging, "review", "Ready", "True", "CloneReady");
        String replicaIp = cnpg.pod("orders-2").getStatus().getPodIP();
        assertThat(harness.checkpointer().calls()).singleElement().satisfies(c -> assertThat(c.host()).isEqualTo(replicaIp));
        List<VolumeSnapshot> shared = client.resources(VolumeSnapshot.class).inNamespace(prod).list().getItems();
        assertThat(shared).singleElement().satisfies(s -> assertThat(s.getSpec().getSource().getPersistentVolumeClaimName()).isEqualTo("orders-2"));
        Pod pod = client.pods().inNamespace(staging).withName("review").get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(26L);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(pod.getSpec().getContainers().get(0).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PGDATA");
            assertThat(e.getValue()).isEqualTo("/pgclone/volume/pgdata");
        });
        assertThat(ready.getStatus().getSource()).isEqualTo("cloneSource " + prod + "/orders");
        // the superuser Secret stays in production's namespace
        assertThat(client.secrets().inNamespace(staging).withName("orders-superuser").get()).isNull();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.resources(CloneSource.class).inNamespace(prod)
                .withName("orders").get().getStatus().condition("Ready").orElseThrow().getStatus()).isEqualTo("True"));
    }

    @Test
    void aClusterWithWalStorageIsRefusedWithWhatToDoInstead() {
        cnpg.cluster("orders", 1).walStorage().superuserAccess(true).createWithInstances();
        source("orders", null);
        client.resource(clone("review")).create();

        DatabaseClone refused = CloneObservations.awaitCondition(client, staging, "review", "Ready", "False", "CloudNativePGWalStorageNotShareable");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).contains("spec.walStorage")
                .contains("spec.source.cloudNativePG");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.resources(CloneSource.class).inNamespace(prod)
                .withName("orders").get().getStatus().condition("Ready").orElseThrow().getReason()).isEqualTo("CloudNativePGWalStorageNotShareable"));
        assertThat(client.resources(VolumeSnapshot.class).inAnyNamespace().list().getItems()).isEmpty();
        assertThat(harness.checkpointer().calls()).isEmpty();
    }

    private void source(String cluster, String instance) {
        CloneSource source = new CloneSource();
        source.setMetadata(new ObjectMetaBuilder().withName("orders").withNamespace(prod).build());
        var spec = new dev.pgclone.operator.api.v1alpha1.CloneSourceSpec();
        spec.setCloudNativePG(new CloudNativePGSource(cluster, instance));
        spec.setAllowedNamespaces(List.of(staging));
        source.setSpec(spec);
        client.resource(source).create();
    }

    private DatabaseClone clone(String name) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(staging).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setCloneSource(new CloneSourceRef("orders", prod));
        spec.setSource(source);
        clone.setSpec(spec);
        return clone;
    }
}
