package dev.pgclone.operator.clone;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.RefusedServiceNames;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Clone names against what a real API server accepts for what is named after them. The mock API
 * server checks no names, so a name it would let through is refused by the operator itself
 * before anything exists (RealApiServerIT shows the same on the real one).
 */
@ApiServerTest
class CloneNamesTest {

    private static final String NS = "team";
    private OperatorHarness harness;
    private KubernetesClient client;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
        }
    }

    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of("63 characters", "c".repeat(63), null),
                Arguments.of("a leading digit (a Service name only from Kubernetes 1.36 on)", "1-orders", "start with a letter"),
                Arguments.of("64 characters", "d".repeat(64), "has 64 characters: a DatabaseClone's name may have at most 63"),
                Arguments.of("253 characters, the API server's own limit", "e".repeat(253), "has 253 characters"),
                Arguments.of("a dot", "orders.staging", "cannot name a DatabaseClone's Service: use only lowercase letters, digits and '-' (no '.')"),
                Arguments.of("a trailing '-'", "orders-", "end with a letter or digit"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void namesAreCheckedAgainstTheServiceAndLabelRules(String what, String name, String problem) {
        if (problem == null) {
            assertThat(Names.cloneNameProblem(name)).as(what).isEmpty();
        } else {
            assertThat(Names.cloneNameProblem(name)).as(what).hasValueSatisfying(p -> assertThat(p).contains(problem, "recreate it"));
        }
    }

    @Test
    void aNameTooLongForALabelValueIsRefusedBeforeAnythingIsCreated() {
        start(OperatorHarness.start());
        String name = "d".repeat(64);
        create(name);

        DatabaseClone refused = CloneObservations.awaitCondition(client, NS, name, "Ready", "False", "InvalidName");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("has 64 characters", "at most 63", "recreate it with a shorter name", "nothing was created");
        assertThat(CloneObservations.warnings(client, NS, name)).containsExactly("InvalidName");
        assertNothingCreated();
    }

    @Test
    void aDottedNameIsRefusedBeforeAnythingIsCreated() {
        start(OperatorHarness.start());
        create("orders.staging");

        DatabaseClone refused = CloneObservations.awaitCondition(client, NS, "orders.staging", "Ready", "False", "InvalidName");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).contains("no '.'");
        assertNothingCreated();
    }

    @Test
    void aNameOf63CharactersServes() {
        start(OperatorHarness.start());
        String name = "c".repeat(63);
        create(name);

        DatabaseClone ready = CloneObservations.awaitCondition(client, NS, name, "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getEndpoint().getHost()).isEqualTo(name + "." + NS + ".svc");
        assertThat(client.services().inNamespace(NS).withName(name).get()).isNotNull();
    }

    /**
     * Before the fix the 422 escaped the reconcile: the status kept saying what the last successful
     * reconcile wrote (waiting for the snapshot), JOSDK retried the same create, and no condition or
     * Event told the user why.
     */
    @Test
    void aServiceTheApiServerRefusesFailsTheCloneWithTheServersMessage() {
        RefusedServiceNames rules = new RefusedServiceNames("legacy-");
        start(OperatorHarness.start(rules));
        create("legacy-orders");

        DatabaseClone refused = CloneObservations.awaitCondition(client, NS, "legacy-orders", "Ready", "False", "RejectedByApiServer");
        String message = refused.getStatus().condition("Ready").orElseThrow().getMessage();
        assertThat(message).contains("step service", "ValidatingAdmissionPolicy 'service-names'", "may not start with legacy-", "another name");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(refused.getStatus().getObservedGeneration()).isEqualTo(refused.getMetadata().getGeneration());
        assertThat(CloneObservations.warnings(client, NS, "legacy-orders")).contains("RejectedByApiServer");
        assertThat(rules.refused()).isPositive();
    }

    private void start(OperatorHarness h) {
        harness = h;
        client = h.client();
        h.namespace(NS);
        h.sourcePvc(NS, "data", "1Gi", "standard");
    }

    private void create(String name) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        source.setPvcName("data");
        spec.setSource(source);
        PostgresSpec pg = new PostgresSpec();
        pg.setImage("postgres:16");
        spec.setPostgres(pg);
        clone.setSpec(spec);
        client.resource(clone).create();
    }

    private void assertNothingCreated() {
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.persistentVolumeClaims().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName())
                .containsExactly("data");
        assertThat(client.secrets().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.services().inNamespace(NS).list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }
}
