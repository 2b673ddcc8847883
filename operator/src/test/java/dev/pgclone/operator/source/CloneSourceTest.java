package dev.pgclone.operator.source;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CheckpointSpec;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.ShiftableClock;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cloning production from another namespace through a CloneSource, with the real reconcilers on
 * the mock API server: the grant is checked on every reconcile, nothing is snapshotted for a
 * refused clone, mandatory SQL runs first, snapshots are shared within snapshotMaxAge, and every
 * object made outside the clone's namespace goes with the last clone that used it.
 */
@ApiServerTest
class CloneSourceTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private final ShiftableClock clock = new ShiftableClock();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String prod;
    private String staging;
    private String qa;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start(Clock.systemUTC(), clock);
        client = harness.client();
        int n = RUN.incrementAndGet();
        prod = "prod-" + n;
        staging = "staging-" + n;
        qa = "qa-" + n;
        for (String ns : List.of(prod, staging, qa)) {
            harness.namespace(ns);
        }
        harness.sourcePvc(prod, "data-orders-0", "20Gi", "fast-ssd");
        client.resource(new SecretBuilder().withNewMetadata().withName("orders-superuser").withNamespace(prod).endMetadata()
                .withStringData(Map.of("uri", "postgresql://postgres:s3cret@orders-rw." + prod + ":5432/postgres")).build()).create();
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void aCloneInAnAllowedNamespaceIsReadyAndRunsTheMandatoryMaskingFirst() {
        masking("orders-masking", Map.of("10-users.sql", "UPDATE users SET email = 'masked';", "20-cards.sql", "DELETE FROM cards;"));
        CloneSource source = source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setPostClone(postClone(null, "orders-masking"));
            s.getPostClone().setTimeout("5m");
            s.setCheckpoint(checkpoint("orders-superuser"));
            SourcePostgresDefaults pg = new SourcePostgresDefaults();
            pg.setImage("postgres:16");
            pg.setRunAsUser(26L);
            s.setPostgres(pg);
            s.setDataDirectory("pgdata");
        });
        DatabaseClone clone = clone(staging, "orders-staging", "orders");
        clone.getSpec().setPostgres(null); // image, uid and superuser all from the CloneSource
        clone.getSpec().setPostClone(postClone("UPDATE settings SET env = 'staging';", null));
        // the clone's own limit applies to its own script only, never to the mandatory ones
        clone.getSpec().getPostClone().setTimeout("3h");
        client.resource(clone).create();

        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");
        VolumeSnapshot sourceSnapshot = only(sourceSnapshots());
        assertThat(ready.getStatus().getSnapshot().getNamespace()).isEqualTo(prod);
        assertThat(ready.getStatus().getSnapshot().getName()).isEqualTo(sourceSnapshot.getMetadata().getName());
        assertThat(ready.getStatus().getSource()).isEqualTo("cloneSource " + prod + "/orders");
        assertThat(ready.getStatus().getDataAsOf()).isEqualTo(sourceSnapshot.getStatus().getCreationTime());
        assertThat(sourceSnapshot.getMetadata().getFinalizers()).containsExactly(SourceSnapshots.USER_FINALIZER_PREFIX + ready.getMetadata().getUid());

        // the clone restores from its own snapshot, bound through a Retain content to the same storage snapshot
        VolumeSnapshotContent sourceContent = client.resources(VolumeSnapshotContent.class)
                .withName(sourceSnapshot.getStatus().getBoundVolumeSnapshotContentName()).get();
        VolumeSnapshotContent bound = client.resources(VolumeSnapshotContent.class).withName("pgclone-" + ready.getMetadata().getUid()).get();
        assertThat(bound.getSpec().getDeletionPolicy()).isEqualTo("Retain");
        assertThat(bound.getSpec().getSource().getSnapshotHandle()).isEqualTo(sourceContent.getStatus().getSnapshotHandle());
        assertThat(bound.getSpec().getVolumeSnapshotRef().getNamespace()).isEqualTo(staging);
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(staging).withName("orders-staging").get();
        assertThat(pvc.getSpec().getDataSource().getName()).isEqualTo("orders-staging");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(staging).withName("orders-staging").get()
                .getSpec().getSource().getVolumeSnapshotContentName()).isEqualTo(bound.getMetadata().getName());
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast-ssd");

        // the CloneSource's defaults and mandatory scripts, before the clone's own
        assertThat(client.pods().inNamespace(staging).withName("orders-staging").get().getSpec().getSecurityContext().getRunAsUser())
                .isEqualTo(26L);
        assertThat(harness.preparer().requests()).singleElement().satisfies(r -> assertThat(r.scripts()).extracting(SqlScript::name)
                .containsExactly("cloneSource " + prod + "/orders: orders-masking/10-users.sql",
                        "cloneSource " + prod + "/orders: orders-masking/20-cards.sql", "postClone.sql"));
        assertThat(harness.preparer().requests().get(0).scripts()).extracting(SqlScript::timeout)
                .containsExactly(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofHours(3));
        assertThat(harness.checkpointer().calls()).as("CHECKPOINT on the source before its snapshot").hasSize(1);
        // the checkpoint Secret never leaves production: no Secret in staging carries its name or password
        assertThat(client.secrets().inNamespace(staging).list().getItems()).allSatisfy(s -> {
            assertThat(s.getMetadata().getName()).doesNotContain("orders-superuser");
            assertThat(String.valueOf(s.getData()) + s.getStringData()).doesNotContain("czNjcmV0").doesNotContain("s3cret");
        });
        awaitSourceStatus(s -> assertThat(s.getStatus().getClones()).isEqualTo(1));
    }

    @Test
    void aNamespaceThatIsNotAllowedIsRefusedAndNothingIsSnapshottedUntilItIs() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            SourcePostgresDefaults pg = new SourcePostgresDefaults();
            pg.setImage("postgres:16");
            s.setPostgres(pg);
        });
        DatabaseClone withoutImage = clone(qa, "orders-qa", "orders");
        withoutImage.getSpec().setPostgres(null); // what only a granted CloneSource fills in must not mask the refusal
        client.resource(withoutImage).create();

        DatabaseClone refused = awaitCondition(qa, "orders-qa", "SnapshotReady", "False", "NamespaceNotAllowed");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("does not allow clones in namespace " + qa).contains("add " + qa + " to spec.allowedNamespaces");
        assertThat(warnings(qa, "orders-qa")).contains("NamespaceNotAllowed");
        assertNothingSnapshotted();

        // a namespace selected by its labels is allowed
        client.namespaces().withName(qa).edit(n -> { n.getMetadata().setLabels(Map.of("pgclone.dev/may-clone", "orders")); return n; });
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").edit(s -> {
            s.getSpec().setAllowedNamespaceSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("pgclone.dev/may-clone", "orders")).build());
            return s;
        });
        awaitCondition(qa, "orders-qa", "Ready", "True", "CloneReady");
    }

    @Test
    void withdrawingTheGrantTakesTheCloneDownAndReleasesEverythingItHeld() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        client.resource(clone(staging, "orders-staging", "orders")).create();
        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");

        client.resources(CloneSource.class).inNamespace(prod).withName("orders").edit(s -> { s.getSpec().setAllowedNamespaces(List.of(qa)); return s; });

        DatabaseClone refused = awaitCondition(staging, "orders-staging", "SnapshotReady", "False", "NamespaceNotAllowed");
        assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(staging).withName("orders-staging").get()).isNull();
            assertThat(client.persistentVolumeClaims().inNamespace(staging).withName("orders-staging").get()).isNull();
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(staging).list().getItems()).isEmpty();
            assertThat(client.resources(VolumeSnapshotContent.class).withName("pgclone-" + ready.getMetadata().getUid()).get()).isNull();
            // no snapshotMaxAge: the snapshot was this clone's alone and goes once released
            assertThat(sourceSnapshots()).isEmpty();
        });
        assertThat(warnings(staging, "orders-staging")).contains("AccessRevoked");
        assertThat(client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").get().getStatus().getSnapshot()).isNull();
    }

    @Test
    void aMissingCloneSourceOrMaskingConfigMapIsRefusedWithoutASnapshot() {
        client.resource(clone(staging, "no-source", "orders")).create();
        DatabaseClone missing = awaitCondition(staging, "no-source", "SnapshotReady", "False", "CloneSourceNotFound");
        assertThat(missing.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("CloneSource " + prod + "/orders named by spec.source.cloneSource does not exist");

        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setPostClone(postClone(null, "orders-masking"));
        });
        DatabaseClone noMasking = awaitCondition(staging, "no-source", "SnapshotReady", "False", "SourcePostCloneNotFound");
        assertThat(noMasking.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("ConfigMap " + prod + "/orders-masking").contains("mandatory post-clone SQL");
        assertThat(warnings(staging, "no-source")).contains("CloneSourceNotFound", "SourcePostCloneNotFound");
        assertNothingSnapshotted();

        masking("orders-masking", Map.of("mask.sql", "UPDATE users SET email = 'masked';"));
        // the ConfigMap is not watched: the refusal's backoff brings the clone back
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(client.resources(DatabaseClone.class).inNamespace(staging)
                .withName("no-source").get().getStatus().getPhase()).isEqualTo("Ready"));
    }

    @Test
    void clonesWithinSnapshotMaxAgeShareOneSnapshotWhichOutlivesThemUntilItIsTooOld() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging, qa));
            s.setSnapshotMaxAge("1h");
        });
        client.resource(clone(staging, "first", "orders")).create();
        DatabaseClone first = awaitCondition(staging, "first", "Ready", "True", "CloneReady");
        client.resource(clone(qa, "second", "orders")).create();
        DatabaseClone second = awaitCondition(qa, "second", "Ready", "True", "CloneReady");

        VolumeSnapshot shared = only(sourceSnapshots());
        assertThat(second.getStatus().getSnapshot().getName()).isEqualTo(first.getStatus().getSnapshot().getName())
                .isEqualTo(shared.getMetadata().getName());
        assertThat(shared.getMetadata().getFinalizers()).containsExactlyInAnyOrder(
                SourceSnapshots.USER_FINALIZER_PREFIX + first.getMetadata().getUid(), SourceSnapshots.USER_FINALIZER_PREFIX + second.getMetadata().getUid());
        awaitSourceStatus(s -> {
            assertThat(s.getStatus().getClones()).isEqualTo(2);
            assertThat(s.getStatus().getSnapshots()).singleElement().satisfies(x -> assertThat(x.getUsers()).isEqualTo(2));
        });

        // both clones gone: the snapshot stays for clones to come while it is younger than snapshotMaxAge
        client.resources(DatabaseClone.class).inNamespace(staging).withName("first").delete();
        client.resources(DatabaseClone.class).inNamespace(qa).withName("second").delete();
        awaitSourceStatus(s -> assertThat(s.getStatus().getSnapshots()).singleElement().satisfies(x -> assertThat(x.getUsers()).isZero()));
        assertThat(sourceSnapshots()).hasSize(1);
        assertNoBoundObjects(first, second);

        // once older than snapshotMaxAge, a new clone takes a fresh snapshot and the unused old one goes
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").edit(s -> { s.getSpec().setSnapshotMaxAge("1m"); return s; });
        clock.shift(Duration.ofMinutes(5));
        client.resource(clone(staging, "third", "orders")).create();
        DatabaseClone third = awaitCondition(staging, "third", "Ready", "True", "CloneReady");
        assertThat(third.getStatus().getSnapshot().getName()).isNotEqualTo(shared.getMetadata().getName());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sourceSnapshots()).extracting(s -> s.getMetadata().getName())
                .containsExactly(third.getStatus().getSnapshot().getName()));
    }

    @Test
    void deletingTheLastCloneRemovesEveryCrossNamespaceObject() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        client.resource(clone(staging, "orders-staging", "orders")).create();
        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");

        client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").delete();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.resources(DatabaseClone.class).inNamespace(staging).list().getItems()).isEmpty();
            assertThat(sourceSnapshots()).isEmpty();
            assertNoBoundObjects(ready);
            assertThat(client.resources(VolumeSnapshotContent.class).list().getItems()).as("no content left at all").isEmpty();
        });
    }

    @Test
    void anOperatorRestartWhileTheSourceSnapshotIsBeingTakenLeaksNothing() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setSnapshotMaxAge("1h");
        });
        harness.cluster().snapshotsBecomeReady(false);
        client.resource(clone(staging, "orders-staging", "orders")).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sourceSnapshots()).hasSize(1));
        harness.stopOperator();

        // the snapshot becomes ready while no operator runs; the new one binds it, takes no second one
        harness.cluster().snapshotsBecomeReady(true);
        harness.startOperator();
        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");
        assertThat(sourceSnapshots()).hasSize(1);

        // deleted while the operator is down: the finalizer holds the clone until the next one releases it
        harness.stopOperator();
        client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").delete();
        assertThat(client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").get()).isNotNull();
        harness.startOperator();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.resources(DatabaseClone.class).inNamespace(staging).list().getItems()).isEmpty();
            assertNoBoundObjects(ready);
            assertThat(only(sourceSnapshots()).getMetadata().getFinalizers()).isEmpty();
        });
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").delete();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.resources(CloneSource.class).inNamespace(prod).list().getItems()).isEmpty();
            assertThat(sourceSnapshots()).isEmpty();
        });
    }

    @Test
    void deletingTheCloneSourceRefusesItsClonesAndWaitsForThemToLetGo() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        client.resource(clone(staging, "orders-staging", "orders")).create();
        awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");

        client.resources(CloneSource.class).inNamespace(prod).withName("orders").delete();

        awaitCondition(staging, "orders-staging", "SnapshotReady", "False", "CloneSourceNotFound");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.resources(CloneSource.class).inNamespace(prod).list().getItems()).isEmpty();
            assertThat(sourceSnapshots()).isEmpty();
            assertThat(client.persistentVolumeClaims().inNamespace(staging).list().getItems()).isEmpty();
        });
    }

    @Test
    void aDeletedCloneSourceStaysUntilNoClaimIsLeftOnItsSnapshots() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setSnapshotMaxAge("1h");
        });
        client.resource(clone(staging, "orders-staging", "orders")).create();
        awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");
        // a claim whose clone is still letting go (stands for one mid-release), added as a clone adds its own
        String lingering = SourceSnapshots.USER_FINALIZER_PREFIX + "00000000-0000-0000-0000-00000000beef";
        VolumeSnapshot shared = only(sourceSnapshots());
        shared.getMetadata().getFinalizers().add(lingering);
        client.resource(shared).update();

        client.resources(CloneSource.class).inNamespace(prod).withName("orders").delete();
        awaitCondition(staging, "orders-staging", "SnapshotReady", "False", "CloneSourceNotFound");
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            CloneSource waiting = client.resources(CloneSource.class).inNamespace(prod).withName("orders").get();
            assertThat(waiting).as("the CloneSource waits for the claim").isNotNull();
            assertThat(waiting.getMetadata().getDeletionTimestamp()).isNotNull();
            assertThat(only(sourceSnapshots()).getMetadata().getFinalizers()).containsExactly(lingering);
        });

        VolumeSnapshot held = only(sourceSnapshots());
        held.getMetadata().getFinalizers().remove(lingering);
        client.resource(held).update();
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            assertThat(client.resources(CloneSource.class).inNamespace(prod).list().getItems()).isEmpty();
            assertThat(sourceSnapshots()).isEmpty();
        });
    }

    @Test
    void theClaimOfACloneWhoseFinalizerWasForcedOffIsDroppedWithItsContent() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        client.resource(clone(staging, "orders-staging", "orders")).create();
        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");
        assertThat(only(sourceSnapshots()).getMetadata().getAnnotations())
                .containsEntry(SourceSnapshots.CLAIM_ANNOTATION_PREFIX + ready.getMetadata().getUid(), staging + "/orders-staging");

        // with the operator down, someone removes the clone's finalizer by hand and deletes it: nothing released its claim
        harness.stopOperator();
        // (a status write of the stopping operator may still land: try again on a conflict)
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> client.resources(DatabaseClone.class)
                .inNamespace(staging).withName("orders-staging").edit(c -> { c.getMetadata().setFinalizers(List.of()); return c; }));
        client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.resources(DatabaseClone.class).inNamespace(staging).withName("orders-staging").get() == null);
        assertThat(only(sourceSnapshots()).getMetadata().getFinalizers()).hasSize(1);

        harness.startOperator();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(sourceSnapshots()).as("no snapshotMaxAge: unclaimed, it goes").isEmpty();
            assertThat(client.resources(VolumeSnapshotContent.class).withName("pgclone-" + ready.getMetadata().getUid()).get()).isNull();
        });
    }

    @Test
    void aSameNamespacePvcCloneNeedsNoGrantAndACrossNamespacePvcIsStillRefused() {
        DatabaseClone local = clone(prod, "local", null);
        local.getSpec().getSource().setPvcName("data-orders-0");
        client.resource(local).create();
        awaitCondition(prod, "local", "Ready", "True", "CloneReady");

        DatabaseClone sneaky = clone(staging, "sneaky", null);
        sneaky.getSpec().getSource().setPvcName("data-orders-0");
        sneaky.getSpec().getSource().setNamespace(prod);
        client.resource(sneaky).create();
        DatabaseClone refused = awaitCondition(staging, "sneaky", "SnapshotReady", "False", "CrossNamespaceNotAllowed");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).contains("spec.source.cloneSource");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(staging).list().getItems()).isEmpty();
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(prod).list().getItems()).as("only the same-namespace clone's")
                .extracting(s -> s.getMetadata().getName()).containsExactly("local");
    }

    @Test
    void aRefreshScheduleKeepsACloneOfACloneSourceFresh() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        client.load(new java.io.ByteArrayInputStream("""
                apiVersion: pgclone.dev/v1alpha1
                kind: RefreshSchedule
                metadata:
                  name: orders-nightly
                  namespace: %s
                  annotations:
                    pgclone.dev/refresh-now: "first"
                spec:
                  schedule: "0 3 * * *"
                  template:
                    spec:
                      source:
                        cloneSource: {name: orders, namespace: %s}
                      postgres:
                        image: postgres:16
                """.formatted(staging, prod).getBytes(java.nio.charset.StandardCharsets.UTF_8))).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var schedule = client.resources(dev.pgclone.operator.api.v1alpha1.RefreshSchedule.class).inNamespace(staging)
                    .withName("orders-nightly").get();
            assertThat(schedule.getStatus()).isNotNull();
            assertThat(schedule.getStatus().getActiveClone()).isNotNull();
            DatabaseClone child = client.resources(DatabaseClone.class).inNamespace(staging).withName(schedule.getStatus().getActiveClone()).get();
            assertThat(child.getStatus().getPhase()).isEqualTo("Ready");
            assertThat(child.getStatus().getSnapshot().getNamespace()).isEqualTo(prod);
        });
        assertThat(sourceSnapshots()).hasSize(1);
    }

    @Test
    void aCloneInTheSourcesOwnNamespaceNeedsNoListingButStillRunsTheMandatorySql() {
        masking("orders-masking", Map.of("mask.sql", "UPDATE users SET email = 'masked';"));
        source("orders", s -> s.setPostClone(postClone(null, "orders-masking")));
        client.resource(clone(prod, "in-prod", "orders")).create();

        awaitCondition(prod, "in-prod", "Ready", "True", "CloneReady");
        assertThat(harness.preparer().requests()).singleElement().satisfies(r -> assertThat(r.scripts()).extracting(SqlScript::name)
                .containsExactly("cloneSource " + prod + "/orders: orders-masking/mask.sql"));
    }

    @Test
    void aRefusedCloneNeverTouchesAPodOrVolumeThatOnlySharesItsName() {
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("app-data").withNamespace(staging).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().withRequests(Map.of("storage", new Quantity("1Gi")))
                .endResources().endSpec().build()).create();
        client.resource(clone(staging, "app-data", "orders")).create();

        awaitCondition(staging, "app-data", "SnapshotReady", "False", "CloneSourceNotFound");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            PersistentVolumeClaim theirs = client.persistentVolumeClaims().inNamespace(staging).withName("app-data").get();
            assertThat(theirs).as("a PVC the clone does not own").isNotNull();
            assertThat(theirs.getMetadata().getDeletionTimestamp()).isNull();
        });
        assertThat(warnings(staging, "app-data")).doesNotContain("AccessRevoked");
    }

    @Test
    void aCloneMayNotChangeTheImageOrSuperuserTheCloneSourceSets() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            SourcePostgresDefaults pg = new SourcePostgresDefaults();
            pg.setImage("postgres:16");
            pg.setSuperuser("postgres");
            s.setPostgres(pg);
        });
        DatabaseClone own = clone(staging, "own-image", "orders");
        own.getSpec().getPostgres().setImage("registry.example/postgres-with-a-twist:16");
        own.getSpec().getPostgres().setSuperuser("someone");
        client.resource(own).create();

        DatabaseClone refused = awaitCondition(staging, "own-image", "SnapshotReady", "False", "InvalidSpec");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("spec.postgres.image: CloneSource " + prod + "/orders sets postgres:16")
                .contains("spec.postgres.superuser: CloneSource " + prod + "/orders sets postgres");
        assertNothingSnapshotted();

        // repeating the CloneSource's values is fine
        client.resource(clone(staging, "same-image", "orders")).create();
        awaitCondition(staging, "same-image", "Ready", "True", "CloneReady");
    }

    @Test
    void twoClonesCreatedAtOnceClaimOneSharedSnapshot() {
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging, qa));
            s.setSnapshotMaxAge("1h");
        });
        client.resource(clone(staging, "left", "orders")).create();
        client.resource(clone(qa, "right", "orders")).create();

        DatabaseClone left = awaitCondition(staging, "left", "Ready", "True", "CloneReady");
        DatabaseClone right = awaitCondition(qa, "right", "Ready", "True", "CloneReady");
        VolumeSnapshot shared = only(sourceSnapshots());
        assertThat(shared.getMetadata().getFinalizers()).containsExactlyInAnyOrder(
                SourceSnapshots.USER_FINALIZER_PREFIX + left.getMetadata().getUid(), SourceSnapshots.USER_FINALIZER_PREFIX + right.getMetadata().getUid());
    }

    @Test
    void aFailedSourceSnapshotIsLetGoAndAFreshOneTakenOnceSnapshotsWork() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        harness.cluster().failSnapshotsOf("data-orders-0", "no VolumeSnapshotClass for driver standin");
        client.resource(clone(staging, "orders-staging", "orders")).create();
        DatabaseClone failing = awaitCondition(staging, "orders-staging", "SnapshotReady", "False", "SnapshotFailed");
        assertThat(failing.getStatus().condition("Ready").orElseThrow().getMessage()).contains("no VolumeSnapshotClass");

        harness.cluster().snapshotsOfSucceed("data-orders-0");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(client.resources(DatabaseClone.class).inNamespace(staging)
                .withName("orders-staging").get().getStatus().getPhase()).isEqualTo("Ready"));
        assertThat(only(sourceSnapshots()).getStatus().getReadyToUse()).as("the failed snapshot is gone, the new one ready").isTrue();
    }

    @Test
    void theDataOfACloneOfACloneSourceCannotBeClonedAgainByPvcOrSnapshotWhateverCopyItPassesThrough() {
        masking("orders-masking", Map.of("10-users.sql", "UPDATE users SET email = 'masked';"));
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setPostClone(postClone(null, "orders-masking"));
        });
        client.resource(clone(staging, "masked", "orders")).create();
        awaitCondition(staging, "masked", "Ready", "True", "CloneReady");
        PersistentVolumeClaim maskedPvc = client.persistentVolumeClaims().inNamespace(staging).withName("masked").get();

        // its volume by name, its bound snapshot by name, and the same with isolation none
        client.resource(derived("by-pvc", s -> s.setPvcName("masked"))).create();
        client.resource(derived("by-snapshot", s -> s.setSnapshotName("masked"))).create();
        DatabaseClone unisolated = derived("unisolated", s -> s.setPvcName("masked"));
        unisolated.getSpec().setIsolation("none");
        client.resource(unisolated).create();
        // an attacker strips the owner reference from the volume and copies it twice over by hand
        client.persistentVolumeClaims().inNamespace(staging).withName("masked").edit(p -> {
            p.getMetadata().setOwnerReferences(List.of());
            p.getMetadata().setLabels(Map.of());
            return p;
        });
        client.resource(new io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder().withNewMetadata().withName("by-hand")
                .withNamespace(staging).endMetadata().withNewSpec().withNewSource().withPersistentVolumeClaimName("masked").endSource()
                .endSpec().build()).create();
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("copy").withNamespace(staging).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewDataSource().withKind("PersistentVolumeClaim").withName("masked")
                .endDataSource().withNewResources().withRequests(Map.of("storage", new Quantity("20Gi"))).endResources().endSpec()
                .build()).create();
        client.resource(derived("stripped", s -> s.setPvcName("masked"))).create();
        client.resource(derived("snapshot-by-hand", s -> s.setSnapshotName("by-hand"))).create();
        client.resource(derived("copy-of-copy", s -> s.setPvcName("copy"))).create();
        // named as the WAL volume beside a volume of the namespace's own
        harness.sourcePvc(staging, "innocent", "1Gi", "standard");
        client.resource(derived("as-wal", s -> {
            s.setPvcName("innocent");
            s.setWalPvcName("masked");
            var checkpoint = new dev.pgclone.operator.api.v1alpha1.CheckpointSpec();
            checkpoint.setSecretName("any");
            s.setCheckpoint(checkpoint);
        })).create();

        for (String name : List.of("by-pvc", "by-snapshot", "unisolated", "stripped", "snapshot-by-hand", "copy-of-copy", "as-wal")) {
            DatabaseClone refused = awaitCondition(staging, name, "SnapshotReady", "False", "DerivedFromCloneSource");
            assertThat(refused.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage()).contains("set spec.source.cloneSource")
                    .containsAnyOf("a clone of CloneSource " + prod + "/orders", "pgclone-" + maskedPvc.getMetadata().getOwnerReferences().get(0).getUid());
            assertThat(warnings(staging, name)).anyMatch(w -> w.startsWith("DerivedFromCloneSource"));
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(staging).withName(name).get()).as("no snapshot for %s", name).isNull();
            assertThat(client.pods().inNamespace(staging).withName(name).get()).isNull();
        }
        assertThat(harness.preparer().requests()).as("only the CloneSource clone was ever prepared").hasSize(1);
    }

    @Test
    void aVolumeWhoseOriginIsGoneIsRefusedOnlyWhereACloneSourceMayHaveLeftItsData() {
        source("orders", s -> s.setAllowedNamespaces(List.of(staging)));
        for (String ns : List.of(staging, qa)) {
            // restored from a snapshot of a volume, then snapshot and volume deleted: only the copy is left
            client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("original").withNamespace(ns).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce")
                    .withNewResources().withRequests(Map.of("storage", new Quantity("5Gi"))).endResources().endSpec().build()).create();
            client.resource(new io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder().withNewMetadata().withName("deleted-long-ago")
                    .withNamespace(ns).endMetadata().withNewSpec().withNewSource().withPersistentVolumeClaimName("original").endSource()
                    .endSpec().build()).create();
            client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("restored").withNamespace(ns).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce").withNewDataSource().withApiGroup("snapshot.storage.k8s.io")
                    .withKind("VolumeSnapshot").withName("deleted-long-ago").endDataSource()
                    .withNewResources().withRequests(Map.of("storage", new Quantity("5Gi"))).endResources().endSpec().build()).create();
            await().atMost(Duration.ofSeconds(30)).until(() -> "Bound".equals(phase(ns, "restored")));
            client.resources(VolumeSnapshot.class).inNamespace(ns).withName("deleted-long-ago").delete();
            client.persistentVolumeClaims().inNamespace(ns).withName("original").delete();
            DatabaseClone c = clone(ns, "of-restored", null);
            c.getSpec().getSource().setPvcName("restored");
            client.resource(c).create();
        }
        DatabaseClone refused = awaitCondition(staging, "of-restored", "SnapshotReady", "False", "SourceProvenanceUnknown");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("VolumeSnapshot " + staging + "/deleted-long-ago, which no longer exists").contains("CloneSource " + prod + "/orders");
        awaitCondition(qa, "of-restored", "Ready", "True", "CloneReady");
    }

    @Test
    void aFailedCheckpointShowsProductionsHostAndUserOnlyToTheCloneSourcesOwners() {
        harness.checkpointer().answer(c -> new dev.pgclone.operator.postgres.CheckpointResult(false, 10.0,
                "could not log in to orders-rw." + prod + ":5432 as prod_admin: password authentication failed"));
        source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setCheckpoint(checkpoint("orders-superuser"));
        });
        client.resource(clone(staging, "orders-staging", "orders")).create();

        DatabaseClone ready = awaitCondition(staging, "orders-staging", "Ready", "True", "CloneReady");
        String seenInStaging = ready.getStatus().getConditions().toString()
                + CloneObservations.events(client, staging, "orders-staging").stream().map(e -> e.getMessage()).toList()
                + client.resources(VolumeSnapshot.class).inNamespace(staging).list().getItems().stream()
                        .map(v -> String.valueOf(v.getMetadata().getAnnotations())).toList();
        assertThat(seenInStaging).contains("CHECKPOINT").doesNotContain("orders-rw").doesNotContain("prod_admin");
        assertThat(warnings(staging, "orders-staging")).contains("CheckpointFailed");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(prod).list().getItems())
                .anyMatch(e -> "CloneSource".equals(e.getInvolvedObject().getKind()) && e.getMessage().contains("prod_admin")
                        && e.getMessage().contains(staging + "/orders-staging")));
    }

    // ------------------------------------------------------------------ helpers

    private CloneSource source(String name, java.util.function.Consumer<CloneSourceSpec> customize) {
        return new SourceFixture(client, prod).source(name, customize);
    }

    private DatabaseClone clone(String ns, String name, String sourceName) {
        return new SourceFixture(client, prod).clone(ns, name, sourceName);
    }

    /** A clone in staging that names a PVC or snapshot of its own namespace. */
    private DatabaseClone derived(String name, java.util.function.Consumer<SourceSpec> source) {
        DatabaseClone clone = clone(staging, name, null);
        source.accept(clone.getSpec().getSource());
        return clone;
    }

    private void masking(String name, Map<String, String> scripts) {
        new SourceFixture(client, prod).masking(name, scripts);
    }

    private static PostCloneSpec postClone(String sql, String configMap) {
        return SourceFixture.postClone(sql, configMap);
    }

    private static CheckpointSpec checkpoint(String secret) {
        CheckpointSpec c = new CheckpointSpec();
        c.setSecretName(secret);
        return c;
    }

    private String phase(String ns, String pvcName) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(ns).withName(pvcName).get();
        return pvc == null || pvc.getStatus() == null ? null : pvc.getStatus().getPhase();
    }

    private List<VolumeSnapshot> sourceSnapshots() {
        return client.resources(VolumeSnapshot.class).inNamespace(prod).withLabel(Labels.CLONE_SOURCE, "orders").list().getItems();
    }

    private static <T> T only(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private void assertNothingSnapshotted() {
        assertThat(client.resources(VolumeSnapshot.class).inAnyNamespace().list().getItems()).isEmpty();
        assertThat(client.resources(VolumeSnapshotContent.class).list().getItems()).isEmpty();
        assertThat(client.persistentVolumeClaims().inAnyNamespace().list().getItems())
                .extracting(p -> p.getMetadata().getName()).containsExactly("data-orders-0");
    }

    private void assertNoBoundObjects(DatabaseClone... clones) {
        for (DatabaseClone c : clones) {
            assertThat(client.resources(VolumeSnapshotContent.class).withName("pgclone-" + c.getMetadata().getUid()).get()).isNull();
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(c.getMetadata().getNamespace()).list().getItems()).isEmpty();
        }
    }

    private void awaitSourceStatus(java.util.function.Consumer<CloneSource> check) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            CloneSource s = client.resources(CloneSource.class).inNamespace(prod).withName("orders").get();
            assertThat(s.getStatus()).isNotNull();
            check.accept(s);
        });
    }

    private DatabaseClone awaitCondition(String ns, String name, String type, String status, String reason) {
        return CloneObservations.awaitCondition(client, ns, name, type, status, reason);
    }

    private List<String> warnings(String ns, String name) {
        return CloneObservations.warnings(client, ns, name);
    }
}
