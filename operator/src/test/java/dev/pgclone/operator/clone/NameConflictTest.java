package dev.pgclone.operator.clone;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleTemplate;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Own before use, against the mock API server with the real reconcilers: an object under a name the
 * operator needs that it did not create for this very resource is a NameConflict, and is never
 * modified, mounted, read or deleted.
 */
@ApiServerTest
class NameConflictTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = "conflict-" + NS.incrementAndGet();
        harness.namespace(ns);
        harness.sourcePvc(ns, "data-orders-0", "10Gi", "fast-ssd");
        // the stand-in binder binds it once; from then on nothing may change it
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var pvc = client.persistentVolumeClaims().inNamespace(ns).withName("data-orders-0").get();
            return pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase());
        });
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void aForeignSecretUnderTheSuperuserSecretNameIsNeverAdoptedAndTheCloneGoesOnOnceItIsGone() {
        Secret production = client.resource(new SecretBuilder().withNewMetadata().withName("orders-superuser").withNamespace(ns).endMetadata()
                .withStringData(Map.of("username", "postgres", "password", "production-password")).build()).create();
        client.resource(clone("orders", "data-orders-0")).create();

        DatabaseClone refused = awaitConflict("orders");
        assertThat(ready(refused).getMessage()).contains("Secret orders-superuser").contains("another name")
                .doesNotContain("production-password");
        assertConsistent(refused);
        assertUntouched(production);
        assertThat(client.pods().inNamespace(ns).withName("orders").get()).as("no Pod ever starts with a foreign credential").isNull();
        assertThat(harness.preparer().requests()).isEmpty();
        assertThat(CloneObservations.warnings(client, ns, "orders")).anyMatch(w -> w.startsWith("NameConflict"));

        client.resource(production).delete();
        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "orders", "Ready", "True", "CloneReady");
        Secret own = client.secrets().inNamespace(ns).withName("orders-superuser").get();
        assertThat(Ownership.controlledBy(own, ready.getMetadata().getUid())).isTrue();
        assertThat(harness.preparer().requests()).singleElement()
                .satisfies(r -> assertThat(r.superuserPassword()).isNotEqualTo("production-password"));
    }

    @Test
    void aCloneNamedLikeItsSourcePvcNeverMountsThatVolume() {
        PersistentVolumeClaim production = client.persistentVolumeClaims().inNamespace(ns).withName("data-orders-0").get();
        client.resource(clone("data-orders-0", "data-orders-0")).create();

        DatabaseClone refused = awaitConflict("data-orders-0");
        assertThat(ready(refused).getMessage()).contains("PersistentVolumeClaim data-orders-0");
        assertThat(refused.getStatus().condition("VolumeReady")).get().extracting(Condition::getReason).isEqualTo("NameConflict");
        assertConsistent(refused);
        assertUntouched(production);
        assertThat(client.pods().inNamespace(ns).list().getItems()).as("production's volume is mounted by no clone Pod").isEmpty();
    }

    @Test
    void aPlantedBootstrapConfigMapIsNeverMountedAndStaysAsItIs() {
        ConfigMap planted = client.resource(new ConfigMapBuilder().withNewMetadata().withName("orders-bootstrap").withNamespace(ns).endMetadata()
                .withData(Map.of("clone-bootstrap.sh", "cat /pgclone/volume/* > /tmp/exfiltrated")).build()).create();
        client.resource(clone("orders", "data-orders-0")).create();

        DatabaseClone refused = awaitConflict("orders");
        assertThat(ready(refused).getMessage()).contains("ConfigMap orders-bootstrap");
        assertConsistent(refused);
        assertUntouched(planted);
        assertThat(client.pods().inNamespace(ns).withName("orders").get()).isNull();
    }

    @Test
    void aBootstrapScriptEditedInPlaceStopsThePodAndIsLeftAlone() {
        client.resource(clone("orders", "data-orders-0")).create();
        DatabaseClone ready = CloneObservations.awaitCondition(client, ns, "orders", "Ready", "True", "CloneReady");
        ConfigMap own = client.configMaps().inNamespace(ns).withName("orders-bootstrap").get();
        // an attacker edits the script in place: labels (mark included) and owner reference stay as they were
        own.setData(Map.of("clone-bootstrap.sh", "cat /pgclone/volume/* > /tmp/exfiltrated", "parameters.conf", ""));
        ConfigMap planted = client.resource(own).update();

        DatabaseClone refused = awaitConflict("orders");
        assertThat(refused.getMetadata().getUid()).isEqualTo(ready.getMetadata().getUid());
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.pods().inNamespace(ns).withName("orders").get())
                .as("no container restart may run the planted script").isNull());
        assertUntouched(planted);
    }

    @Test
    void aForeignServiceUnderTheClonesNameKeepsItsSelector() {
        Service foreign = client.resource(new ServiceBuilder().withNewMetadata().withName("orders").withNamespace(ns).endMetadata()
                .withNewSpec().withSelector(Map.of("app", "orders-api")).addNewPort().withPort(80).endPort().endSpec().build()).create();
        client.resource(clone("orders", "data-orders-0")).create();

        DatabaseClone refused = awaitConflict("orders");
        assertThat(ready(refused).getMessage()).contains("Service orders");
        assertConsistent(refused);
        assertUntouched(foreign);
        assertThat(client.services().inNamespace(ns).withName("orders").get().getSpec().getSelector()).isEqualTo(Map.of("app", "orders-api"));
    }

    @Test
    void aRefreshScheduleNamedLikeAForeignServiceNeitherRewritesItNorStartsARun() {
        Service foreign = client.resource(new ServiceBuilder().withNewMetadata().withName("nightly").withNamespace(ns).endMetadata()
                .withNewSpec().withSelector(Map.of("app", "billing")).addNewPort().withPort(5432).endPort().endSpec().build()).create();
        DatabaseClone child = clone("unused", "data-orders-0");
        RefreshSchedule schedule = new RefreshSchedule();
        schedule.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace(ns)
                .withAnnotations(Map.of(RefreshSchedule.REFRESH_NOW, "1")).build());
        RefreshScheduleSpec spec = new RefreshScheduleSpec();
        spec.setSchedule("0 6 * * *");
        RefreshScheduleTemplate template = new RefreshScheduleTemplate();
        template.setSpec(child.getSpec());
        spec.setTemplate(template);
        schedule.setSpec(spec);
        client.resource(schedule).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            RefreshSchedule s = client.resources(RefreshSchedule.class).inNamespace(ns).withName("nightly").get();
            assertThat(s.getStatus()).isNotNull();
            assertThat(s.getStatus().condition("Ready")).get().satisfies(c -> {
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("NameConflict");
                assertThat(c.getMessage()).contains("Service nightly");
            });
        });
        assertUntouched(foreign);
        assertThat(client.resources(DatabaseClone.class).inNamespace(ns).list().getItems()).as("no run starts").isEmpty();
    }

    @Test
    void plantedObjectsWithTheOperatorsLabelsAndAForgedMarkAreIgnored() {
        DatabaseClone created = client.resource(clone("orders", "data-orders-0")).create();
        Map<String, String> labels = new LinkedHashMap<>(Labels.forClone(created, "bootstrap"));
        labels.put(Ownership.MARK, "0123456789abcdef0123456789abcdef01234567");
        var owner = new OwnerReferenceBuilder().withApiVersion(created.getApiVersion()).withKind("DatabaseClone")
                .withName("orders").withUid(created.getMetadata().getUid()).withController(true).build();
        List<ConfigMap> planted = IntStream.range(0, 50).mapToObj(i -> client.resource(new ConfigMapBuilder().withNewMetadata()
                .withName("planted-" + i).withNamespace(ns).withLabels(labels).withOwnerReferences(owner).endMetadata()
                .withData(Map.of("x", "y")).build()).create()).toList();

        CloneObservations.awaitCondition(client, ns, "orders", "Ready", "True", "CloneReady");
        planted.forEach(this::assertUntouched);
    }

    @Test
    void preparationProgressWrittenByHandIsNotBelievedAndTheCopyIsPreparedAfresh() {
        harness.preparer().hold();
        client.resource(clone("orders", "data-orders-0")).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> harness.preparer().requests().size() == 1);
        harness.stopOperator();
        // with the operator down, someone who may edit PVCs marks the unprepared copy as prepared
        PersistentVolumeClaim copy = client.persistentVolumeClaims().inNamespace(ns).withName("orders").edit(p -> {
            p.getMetadata().getAnnotations().put("pgclone.dev/preparation", "done");
            return p;
        });
        harness.preparer().open();
        harness.startOperator();

        CloneObservations.awaitCondition(client, ns, "orders", "Ready", "True", "CloneReady");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("orders").get().getMetadata().getUid())
                .as("the copy marked by hand was discarded").isNotEqualTo(copy.getMetadata().getUid());
        assertThat(harness.preparer().requests()).as("the fresh copy was prepared").hasSize(2);
        assertThat(CloneObservations.events(client, ns, "orders")).anyMatch(e -> e.getMessage().contains("was not written by the operator"));
    }

    // ------------------------------------------------------------------ helpers

    private DatabaseClone clone(String name, String pvc) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setPvcName(pvc);
        spec.setSource(source);
        PostgresSpec pg = new PostgresSpec();
        pg.setImage("postgres:16");
        spec.setPostgres(pg);
        clone.setSpec(spec);
        return clone;
    }

    private DatabaseClone awaitConflict(String name) {
        return CloneObservations.awaitCondition(client, ns, name, "Ready", "False", "NameConflict");
    }

    private static Condition ready(DatabaseClone clone) {
        return clone.getStatus().condition("Ready").orElseThrow();
    }

    /** The status never contradicts itself: nothing waits for a condition that holds, and the phase says Failed. */
    private static void assertConsistent(DatabaseClone clone) {
        var status = clone.getStatus();
        assertThat(status.getPhase()).isEqualTo("Failed");
        for (Condition c : status.getConditions()) {
            if (c.getMessage() != null && c.getMessage().startsWith("waiting for ")) {
                String awaited = c.getMessage().substring("waiting for ".length());
                assertThat(status.condition(awaited).map(Condition::isTrue).orElse(false))
                        .as("%s says '%s' while %s is True", c.getType(), c.getMessage(), awaited).isFalse();
            }
        }
    }

    private void assertUntouched(HasMetadata before) {
        HasMetadata now = client.resource(before).get();
        assertThat(now).as("%s still exists", before.getMetadata().getName()).isNotNull();
        assertThat(now.getMetadata().getResourceVersion()).as("%s unchanged", before.getMetadata().getName())
                .isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(now.getMetadata().getDeletionTimestamp()).isNull();
    }
}
