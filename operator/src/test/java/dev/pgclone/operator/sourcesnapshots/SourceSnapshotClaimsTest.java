package dev.pgclone.operator.sourcesnapshots;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.TestOperatorKey;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContentBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Claims on a CloneSource's snapshots against an API server that keeps objects and refuses stale
 * updates (the fabric8 mock in CRUD mode): what each controller's use of them relies on.
 */
@EnableKubernetesMockClient(crud = true)
@ApiServerTest
class SourceSnapshotClaimsTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    private static final String PROD = "prod";
    private static final String STAGING = "staging";

    private Ownership ownership;
    private SourceSnapshotClaims claims;
    private CloneSource source;

    @BeforeEach
    void setUp() {
        // the API server keeps an object with finalizers, being deleted: take them off first
        for (VolumeSnapshot s : client.resources(VolumeSnapshot.class).inAnyNamespace().list().getItems()) {
            s.getMetadata().setFinalizers(List.of());
            client.resource(s).update();
        }
        client.resources(VolumeSnapshot.class).inAnyNamespace().delete();
        client.resources(VolumeSnapshotContent.class).delete();
        client.resources(DatabaseClone.class).inAnyNamespace().delete();
        ownership = new Ownership(client, TestOperatorKey.KEY);
        claims = new SourceSnapshotClaims(client, ownership);
        source = new CloneSource();
        source.setMetadata(new ObjectMetaBuilder().withName("orders").withNamespace(PROD).withUid("source-uid").build());
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        source.setSpec(spec);
    }

    @Test
    void twoClonesClaimingOneSnapshotAtOnceBothEndUpWithAClaimAfterALookAgain() {
        DatabaseClone a = clone("a", "uid-a");
        DatabaseClone b = clone("b", "uid-b");
        VolumeSnapshot taken = sourceSnapshot("orders-1", a);
        VolumeSnapshot readByB = read(taken);

        assertThat(claims.claim(read(taken), a)).as("already its own").isPresent();
        VolumeSnapshot afterC = claims.claim(read(taken), clone("c", "uid-c")).orElseThrow();
        assertThat(claims.claim(readByB, b)).as("stale: somebody claimed meanwhile").isEmpty();
        VolumeSnapshot afterB = claims.claim(read(taken), b).orElseThrow();

        assertThat(SourceSnapshots.claims(read(taken))).containsOnlyKeys("uid-a", "uid-b", "uid-c")
                .containsEntry("uid-b", STAGING + "/b");
        assertThat(SourceSnapshots.users(afterB)).isEqualTo(3);
        assertThat(SourceSnapshots.users(afterC)).isEqualTo(2);
    }

    @Test
    void aSnapshotBeingDeletedIsNotClaimed() {
        VolumeSnapshot going = read(sourceSnapshot("orders-1", clone("a", "uid-a")));
        going.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");

        assertThat(claims.claim(going, clone("b", "uid-b"))).isEmpty();
        assertThat(SourceSnapshots.claims(read(going))).containsOnlyKeys("uid-a");
    }

    @Test
    void unclaimingFromAStaleCopyRemovesThisClonesClaimAndKeepsTheOneAddedMeanwhile() {
        DatabaseClone a = clone("a", "uid-a");
        DatabaseClone b = clone("b", "uid-b");
        VolumeSnapshot taken = sourceSnapshot("orders-1", a);
        VolumeSnapshot readByA = read(taken);
        claims.claim(read(taken), b).orElseThrow();

        claims.unclaim(readByA, a);

        assertThat(SourceSnapshots.claims(read(taken))).containsOnlyKeys("uid-b");
        claims.unclaim(read(taken), a);
        assertThat(SourceSnapshots.claims(read(taken))).as("nothing left to remove: unchanged").containsOnlyKeys("uid-b");
    }

    @Test
    void releaseDropsTheBindingAndTheClaimButNothingThatIsNotTheClones() {
        DatabaseClone a = clone("a", "uid-a");
        DatabaseClone b = clone("b", "uid-b");
        VolumeSnapshot taken = sourceSnapshot("orders-1", a);
        claims.claim(read(taken), b).orElseThrow();
        boundSnapshot(a, "uid-a");
        boundSnapshot(b, "someone-else");
        ownership.createMarked(content(Names.boundContent(a)));
        client.resource(content(Names.boundContent(b))).create();

        assertThat(claims.release(a)).isTrue();
        assertThat(claims.release(b)).as("its claim was still held").isTrue();

        assertThat(client.resources(VolumeSnapshot.class).inNamespace(STAGING).withName(Names.snapshot(a)).get()).isNull();
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(STAGING).withName(Names.snapshot(b)).get())
                .as("not controlled by b").isNotNull();
        assertThat(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent(a)).get()).isNull();
        assertThat(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent(b)).get())
                .as("not the operator's").isNotNull();
        assertThat(SourceSnapshots.claims(read(taken))).isEmpty();
        assertThat(read(taken)).as("the snapshot itself is the CloneSource controller's to delete").isNotNull();
        assertThat(claims.release(a)).as("nothing held any more").isFalse();
    }

    @Test
    void claimsOfClonesThatNoLongerExistAreDroppedWithTheirContent() {
        DatabaseClone alive = client.resource(clone("alive", null)).create();
        DatabaseClone recreated = client.resource(clone("recreated", null)).create();
        DatabaseClone gone = clone("gone", "uid-gone");
        DatabaseClone formerRecreated = clone("recreated", "uid-of-the-first-one");
        VolumeSnapshot taken = sourceSnapshot("orders-1", alive);
        claims.claim(read(taken), gone).orElseThrow();
        claims.claim(read(taken), formerRecreated).orElseThrow();
        claims.claim(read(taken), recreated).orElseThrow();
        ownership.createMarked(content(Names.boundContent("uid-gone")));

        VolumeSnapshot kept = claims.withoutOrphanedClaims(read(taken));

        assertThat(SourceSnapshots.claims(kept)).containsOnlyKeys(alive.getMetadata().getUid(), recreated.getMetadata().getUid());
        assertThat(SourceSnapshots.claims(read(taken))).isEqualTo(SourceSnapshots.claims(kept));
        assertThat(client.resources(VolumeSnapshotContent.class).withName(Names.boundContent("uid-gone")).get()).isNull();
    }

    @Test
    void anUnusedSnapshotIsDeletedButStaysWhenTheServerFindsItChangedSinceItWasRead() {
        DatabaseClone a = clone("a", "uid-a");
        VolumeSnapshot taken = sourceSnapshot("orders-1", a);
        claims.unclaim(read(taken), a);
        // what the API server answers when the resourceVersion sent with the delete is no longer the object's
        server.expect().delete().withPath("/apis/snapshot.storage.k8s.io/v1/namespaces/" + PROD + "/volumesnapshots/orders-1")
                .andReturn(409, new StatusBuilder().withCode(409).withReason("Conflict").build()).once();

        assertThat(claims.deleteUnclaimed(read(taken))).as("changed since it was read: kept").isFalse();
        assertThat(read(taken)).isNotNull();

        assertThat(claims.deleteUnclaimed(read(taken))).isTrue();
        assertThat(read(taken)).isNull();
        VolumeSnapshot going = sourceSnapshot("orders-2", a);
        going.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(claims.deleteUnclaimed(going)).as("already going").isTrue();
        assertThat(read(going)).as("not deleted by this call").isNotNull();
    }

    @Test
    void theSnapshotsOfASourceAreTheMarkedOnesWithItsLabel() {
        sourceSnapshot("orders-1", clone("a", "uid-a"));
        VolumeSnapshot planted = SourceSnapshots.source(source, "orders-planted", clone("b", "uid-b"), null);
        client.resource(planted).create();
        CloneSource other = new CloneSource();
        other.setMetadata(new ObjectMetaBuilder().withName("billing").withNamespace(PROD).build());
        other.setSpec(source.getSpec());
        ownership.createMarked(SourceSnapshots.source(other, "billing-1", clone("c", "uid-c"), null));

        assertThat(claims.of(source)).extracting(s -> s.getMetadata().getName()).containsExactly("orders-1");
    }

    private static VolumeSnapshot read(VolumeSnapshot s) {
        return client.resources(VolumeSnapshot.class).inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName()).get();
    }

    private VolumeSnapshot sourceSnapshot(String name, DatabaseClone firstUser) {
        return ownership.createMarked(SourceSnapshots.source(source, name, firstUser, null));
    }

    private void boundSnapshot(DatabaseClone clone, String controllerUid) {
        client.resource(new VolumeSnapshotBuilder()
                .withNewMetadata().withName(Names.snapshot(clone)).withNamespace(STAGING)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("pgclone.dev/v1alpha1").withKind("DatabaseClone")
                            .withName(clone.getMetadata().getName()).withUid(controllerUid).withController(true).build())
                .endMetadata()
                .withNewSpec().withNewSource().withVolumeSnapshotContentName(Names.boundContent(clone)).endSource().endSpec()
                .build()).create();
    }

    private static VolumeSnapshotContent content(String name) {
        return new VolumeSnapshotContentBuilder()
                .withNewMetadata().withName(name).withLabels(Map.of(Labels.CLONE_SOURCE, "orders")).endMetadata()
                .withNewSpec().withDeletionPolicy("Retain").withDriver("hostpath.csi.k8s.io")
                    .withNewSource().withSnapshotHandle("handle-1").endSource()
                    .withNewVolumeSnapshotRef().withNamespace(STAGING).withName("x").endVolumeSnapshotRef()
                .endSpec()
                .build();
    }

    private static DatabaseClone clone(String name, String uid) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(STAGING).withUid(uid).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec sourceSpec = new SourceSpec();
        sourceSpec.setCloneSource(new CloneSourceRef("orders", PROD));
        spec.setSource(sourceSpec);
        clone.setSpec(spec);
        return clone;
    }
}
