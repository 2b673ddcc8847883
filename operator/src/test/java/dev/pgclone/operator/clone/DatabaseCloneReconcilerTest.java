package dev.pgclone.operator.clone;

import dev.pgclone.testkit.cluster.InstantKubelet;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CredentialsSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.postgres.PreparationRequest;
import dev.pgclone.operator.postgres.PreparationResult;
import dev.pgclone.operator.postgres.StepOutcome;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.RecordingPreparer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real DatabaseClone reconciler against the mock API server and the cluster stand-ins. */
@ApiServerTest
class DatabaseCloneReconcilerTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = "team-" + NS.incrementAndGet();
        harness.namespace(ns);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void cloneOfAPvcBecomesReadyWithEveryStatusFieldFilled() {
        sourcePvc("data-orders-0", "10Gi", "fast-ssd");
        DatabaseClone clone = clone("orders-clone", pvcSource("data-orders-0"));
        clone.getSpec().setCredentials(credentials("app"));
        clone.getSpec().setPostClone(postCloneSql("UPDATE users SET email = 'user' || id || '@example.test';"));
        clone.getSpec().setTtl("24h");
        create(clone);

        DatabaseClone ready = awaitReady("orders-clone");
        var st = ready.getStatus();
        assertThat(st.getPhase()).isEqualTo("Ready");
        assertThat(st.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
        assertThat(st.getConditions()).extracting(Condition::getType)
                .containsExactly("SnapshotReady", "VolumeReady", "PostgresStarted", "Prepared", "Ready");
        assertThat(st.getConditions()).allSatisfy(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
            assertThat(c.getLastTransitionTime()).isNotBlank();
            assertThat(c.getReason()).isNotBlank();
        });
        assertThat(st.getSource()).isEqualTo("pvc " + ns + "/data-orders-0");
        assertThat(st.getSnapshot().getName()).isEqualTo("orders-clone");
        assertThat(st.getSnapshot().getNamespace()).isEqualTo(ns);
        assertThat(st.getSnapshot().getRestoreSize()).isEqualTo("10Gi");
        assertThat(st.getSnapshot().getCreatedAt()).isNotBlank();
        assertThat(st.getDataAsOf()).isEqualTo(st.getSnapshot().getCreatedAt());
        assertThat(st.getEndpoint().getHost()).isEqualTo("orders-clone." + ns + ".svc");
        assertThat(st.getEndpoint().getPort()).isEqualTo(5432);
        assertThat(st.getSecrets()).containsExactly("orders-clone-superuser", "orders-clone-app");
        assertThat(st.getPostgresVersion()).isEqualTo("16.4");
        assertThat(st.getReadyAt()).isNotBlank();
        assertThat(Instant.parse(st.getExpiresAt()))
                .isEqualTo(Instant.parse(ready.getMetadata().getCreationTimestamp()).plus(Duration.ofHours(24)));
        assertThat(st.getTimings().getSnapshotSeconds()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(st.getTimings().getStartSeconds()).isNotNull();
        assertThat(st.getTimings().getPrepareSeconds()).isNotNull();
        assertThat(st.getTimings().getTotalSeconds()).isNotNull();
        assertThat(st.getSteps()).extracting("name").containsExactly("postClone.sql", "credentials");

        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(ns).withName("orders-clone").get();
        assertThat(pvc.getSpec().getDataSource().getKind()).isEqualTo("VolumeSnapshot");
        assertThat(pvc.getSpec().getDataSource().getName()).isEqualTo("orders-clone");
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(pvc.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("10Gi"));
        assertThat(pvc.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(ready.getMetadata().getUid()));

        Pod pod = client.pods().inNamespace(ns).withName("orders-clone").get();
        assertThat(pod.getMetadata().getLabels()).containsEntry(Labels.PREPARED, "true").containsEntry(Labels.CLONE, "orders-clone");
        Service svc = client.services().inNamespace(ns).withName("orders-clone").get();
        assertThat(svc.getSpec().getSelector()).containsEntry(Labels.PREPARED, "true").containsEntry(Labels.CLONE, "orders-clone");

        Secret app = client.secrets().inNamespace(ns).withName("orders-clone-app").get();
        assertThat(CloneSecrets.value(app, "username")).isEqualTo("app");
        assertThat(CloneSecrets.value(app, "host")).isEqualTo("orders-clone." + ns + ".svc");
        assertThat(CloneSecrets.value(app, "uri")).startsWith("postgresql://app:");
        PreparationRequest request = harness.preparer().requestsFor(pod.getStatus().getPodIP()).get(0);
        assertThat(request.rolePasswords()).containsEntry("app", CloneSecrets.value(app, "password"));
        assertThat(request.superuserPassword())
                .isEqualTo(CloneSecrets.value(client.secrets().inNamespace(ns).withName("orders-clone-superuser").get(), "password"));
        assertThat(request.scripts()).extracting("name").containsExactly("postClone.sql");

        assertThat(eventReasons("orders-clone")).contains("SnapshotCreated", "Prepared", "Ready");
    }

    @Test
    void cloneFromAnExistingSnapshotTakesNoSnapshotAndNeverDeletesTheGivenOne() {
        readySnapshot("nightly-0601", "5Gi");
        create(clone("from-nightly", snapshotSource("nightly-0601")));

        DatabaseClone ready = awaitReady("from-nightly");
        assertThat(ready.getStatus().getSnapshot().getName()).isEqualTo("nightly-0601");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("from-nightly").get().getSpec().getResources()
                .getRequests().get("storage")).isEqualTo(new Quantity("5Gi"));

        client.resource(ready).delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(ns).list().getItems().isEmpty()
                && client.persistentVolumeClaims().inNamespace(ns).list().getItems().isEmpty());
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("nightly-0601").get()).isNotNull();
    }

    @Test
    void missingSourcePvcIsReportedThenHealsWhenThePvcAppears() {
        create(clone("early", pvcSource("not-there-yet")));

        DatabaseClone failed = awaitCondition("early", "Ready", "False", "SourceNotFound");
        assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(failed.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("PersistentVolumeClaim " + ns + "/not-there-yet does not exist")
                .contains("spec.source.pvcName");
        assertThat(warnings("early")).contains("SourceNotFound");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();

        sourcePvc("not-there-yet", "1Gi", "standard");
        awaitReady("early");
    }

    @Test
    void missingGivenSnapshotFailsWithWhatToChange() {
        create(clone("no-snap", snapshotSource("does-not-exist")));
        DatabaseClone failed = awaitCondition("no-snap", "SnapshotReady", "False", "SnapshotNotFound");
        assertThat(failed.getStatus().condition("Ready").orElseThrow().getMessage()).contains("spec.source.snapshotName");
        assertThat(warnings("no-snap")).contains("SnapshotNotFound");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void snapshotErrorIsReportedWithTheDriversMessage() {
        sourcePvc("broken", "1Gi", "standard");
        harness.cluster().failSnapshotsOf("broken", "rpc error: code = Internal desc = snapshot quota exceeded");
        create(clone("snap-fails", pvcSource("broken")));
        DatabaseClone failed = awaitCondition("snap-fails", "SnapshotReady", "False", "SnapshotFailed");
        assertThat(failed.getStatus().condition("SnapshotReady").orElseThrow().getMessage()).contains("snapshot quota exceeded");
        assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).hasSize(1); // only the source
    }

    @Test
    void invalidSpecIsRefusedBeforeAnythingIsCreated() {
        sourcePvc("data", "1Gi", "standard");
        SourceSpec both = pvcSource("data");
        both.setSnapshotName("nightly");
        DatabaseClone clone = clone("invalid", both);
        clone.getSpec().getPostgres().setParameters(Map.of("primary_conninfo", "host=prod"));
        clone.getSpec().setTtl("tomorrow");
        create(clone);

        DatabaseClone failed = awaitCondition("invalid", "Ready", "False", "InvalidSpec");
        String message = failed.getStatus().condition("Ready").orElseThrow().getMessage();
        assertThat(message).contains("set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup")
                .contains("spec.postgres.parameters.primary_conninfo").contains("spec.ttl");
        assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(warnings("invalid")).contains("InvalidSpec");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.secrets().inNamespace(ns).list().getItems()).isEmpty();
    }

    @Test
    void editingTheSourceOfAnExistingCloneIsRefused() {
        sourcePvc("data-a", "1Gi", "standard");
        sourcePvc("data-b", "1Gi", "standard");
        create(clone("pinned", pvcSource("data-a")));
        DatabaseClone ready = awaitReady("pinned");

        ready.getSpec().getSource().setPvcName("data-b");
        client.resource(ready).update();

        DatabaseClone refused = awaitCondition("pinned", "Ready", "False", "SourceChanged");
        assertThat(refused.getStatus().condition("Ready").orElseThrow().getMessage())
                .contains("pvc " + ns + "/data-a").contains("immutable");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("pinned").get().getSpec().getDataSource().getName())
                .isEqualTo("pinned");
    }

    @Test
    void bootstrapFailureLikeAWrongImageMajorShowsTheTerminationMessage() {
        sourcePvc("pg15-data", "1Gi", "standard");
        String message = "data is PostgreSQL 15, image runs 16: set spec.postgres.image to a postgres 15 image";
        harness.cluster().podFate(p -> new InstantKubelet.Crashes(message));
        create(clone("wrong-major", pvcSource("pg15-data")));

        DatabaseClone failed = awaitCondition("wrong-major", "PostgresStarted", "False", "BootstrapFailed");
        assertThat(failed.getStatus().condition("PostgresStarted").orElseThrow().getMessage()).isEqualTo(message);
        assertThat(failed.getStatus().condition("Ready").orElseThrow().getMessage()).isEqualTo(message);
        assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(warnings("wrong-major")).contains("BootstrapFailed");
        assertThat(harness.preparer().requests()).isEmpty();

        // fixing the image recreates the Pod (the old one no longer matches the spec) and the clone recovers
        harness.cluster().podFate(p -> new InstantKubelet.Runs());
        DatabaseClone fixed = client.resources(DatabaseClone.class).inNamespace(ns).withName("wrong-major").get();
        fixed.getSpec().getPostgres().setImage("postgres:15");
        client.resource(fixed).update();
        awaitReady("wrong-major");
    }

    @Test
    void failingPostCloneSqlLeavesTheCloneFailedWithTheStatement() {
        sourcePvc("data", "1Gi", "standard");
        harness.preparer().answer(r -> PreparationResult.failure(PreparationResult.POST_CLONE_SQL_FAILED,
                "postClone.sql statement 1: SQLSTATE 42P01: relation \"users\" does not exist", "16.4",
                List.of(new StepOutcome("credentials", 0.01, null, null),
                        new StepOutcome("postClone.sql", 0.01, null, "SQLSTATE 42P01: relation \"users\" does not exist (statement 1, line 1)"))));
        DatabaseClone clone = clone("bad-sql", pvcSource("data"));
        clone.getSpec().setPostClone(postCloneSql("UPDATE users SET email = 'x';"));
        create(clone);

        DatabaseClone failed = awaitCondition("bad-sql", "Prepared", "False", "PostCloneSqlFailed");
        assertThat(failed.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(failed.getStatus().getSteps()).extracting("error").last().asString().contains("42P01");
        Pod pod = client.pods().inNamespace(ns).withName("bad-sql").get();
        assertThat(pod.getMetadata().getLabels()).doesNotContainKey(Labels.PREPARED);
        assertThat(harness.preparer().requests()).hasSize(1);
    }

    @Test
    void aFailedPreparationIsDiscardedOnceASpecEditRecreatesThePod() {
        sourcePvc("data", "1Gi", "standard");
        harness.preparer().answer(r -> PreparationResult.failure(PreparationResult.POST_CLONE_SQL_FAILED,
                "postClone.sql statement 1: SQLSTATE 42P01: relation \"users\" does not exist", "16.4",
                List.of(new StepOutcome("postClone.sql", 0.01, null, "SQLSTATE 42P01"))));
        DatabaseClone clone = clone("fixed-later", pvcSource("data"));
        clone.getSpec().setPostClone(postCloneSql("UPDATE users SET email = 'x';"));
        create(clone);
        awaitCondition("fixed-later", "Prepared", "False", "PostCloneSqlFailed");
        String failedCopy = client.persistentVolumeClaims().inNamespace(ns).withName("fixed-later").get().getMetadata().getUid();

        // the fix comes with new resources: the Pod is recreated, and the steps after it wait for it meanwhile
        harness.preparer().answer(RecordingPreparer::succeed);
        client.resources(DatabaseClone.class).inNamespace(ns).withName("fixed-later").edit(c -> {
            c.getSpec().setPostClone(postCloneSql("UPDATE customers SET email = 'x';"));
            c.getSpec().getPostgres().setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                    .withRequests(Map.of("cpu", new Quantity("100m"))).build());
            return c;
        });

        DatabaseClone ready = awaitReady("fixed-later");
        assertThat(ready.getStatus().getPhase()).isEqualTo("Ready");
        assertThat(client.persistentVolumeClaims().inNamespace(ns).withName("fixed-later").get().getMetadata().getUid()).isNotEqualTo(failedCopy);
        assertThat(harness.preparer().requests()).hasSize(2);
        assertThat(events("fixed-later")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("PreparationInterrupted");
            assertThat(e.getMessage()).isEqualTo("the spec changed after preparation failed; restoring a fresh copy from the same snapshot");
        });
    }

    @Test
    void deletingTheCloneRemovesEverythingItOwns() {
        sourcePvc("data", "1Gi", "standard");
        DatabaseClone clone = clone("short-lived", pvcSource("data"));
        clone.getSpec().setCredentials(credentials("app"));
        create(clone);
        DatabaseClone ready = awaitReady("short-lived");

        client.resource(ready).delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.services().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.secrets().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.configMaps().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems())
                    .extracting(p -> p.getMetadata().getName()).containsExactly("data");
        });
    }

    @Test
    void ttlDeletesTheCloneWhenItExpires() {
        sourcePvc("data", "1Gi", "standard");
        DatabaseClone clone = clone("per-pr", pvcSource("data"));
        clone.getSpec().setTtl("4s");
        create(clone);
        DatabaseClone ready = awaitReady("per-pr");
        assertThat(ready.getStatus().getExpiresAt()).isNotNull();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> client.resources(DatabaseClone.class).inNamespace(ns).withName("per-pr").get() == null);
        assertThat(eventReasons("per-pr")).contains("Expired");
    }

    @Test
    void childrenDeletedByHandAreRecreatedWithoutPreparingTheCopyAgain() {
        sourcePvc("data", "1Gi", "standard");
        create(clone("resilient", pvcSource("data")));
        awaitReady("resilient");
        assertThat(harness.preparer().requests()).hasSize(1);
        String oldPodUid = client.pods().inNamespace(ns).withName("resilient").get().getMetadata().getUid();

        client.pods().inNamespace(ns).withName("resilient").delete();
        client.services().inNamespace(ns).withName("resilient").delete();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Pod pod = client.pods().inNamespace(ns).withName("resilient").get();
            assertThat(pod).isNotNull();
            assertThat(pod.getMetadata().getUid()).isNotEqualTo(oldPodUid);
            assertThat(pod.getMetadata().getLabels()).containsEntry(Labels.PREPARED, "true");
            assertThat(client.services().inNamespace(ns).withName("resilient").get()).isNotNull();
        });
        awaitReady("resilient");
        assertThat(harness.preparer().requests()).hasSize(1);
    }

    @Test
    void operatorRestartAfterTheSnapshotExistsCreatesNoDuplicates() {
        sourcePvc("data", "1Gi", "standard");
        harness.cluster().snapshotsBecomeReady(false);
        DatabaseClone clone = clone("restarted", pvcSource("data"));
        clone.getSpec().setCredentials(credentials("app"));
        create(clone);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> client.resources(VolumeSnapshot.class).inNamespace(ns).withName("restarted").get() != null);

        harness.stopOperator();
        harness.cluster().snapshotsBecomeReady(true);
        harness.startOperator();

        awaitReady("restarted");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).hasSize(2); // source + clone
        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(client.secrets().inNamespace(ns).list().getItems()).hasSize(2);
        assertThat(client.services().inNamespace(ns).list().getItems()).hasSize(1);
        assertThat(harness.preparer().requests()).hasSize(1);
    }

    @Test
    void operatorRestartDuringPreparationDiscardsTheHalfPreparedCopy() {
        sourcePvc("data", "1Gi", "standard");
        harness.preparer().hold();
        DatabaseClone clone = clone("migrating", pvcSource("data"));
        clone.getSpec().setPostClone(postCloneSql("ALTER TABLE orders ADD COLUMN note text;"));
        create(clone);
        await().atMost(Duration.ofSeconds(20)).until(() -> harness.preparer().requests().size() == 1);
        String firstCopy = client.persistentVolumeClaims().inNamespace(ns).withName("migrating").get().getMetadata().getUid();

        harness.stopOperator();
        harness.preparer().open();
        harness.startOperator();

        DatabaseClone ready = awaitReady("migrating");
        PersistentVolumeClaim copy = client.persistentVolumeClaims().inNamespace(ns).withName("migrating").get();
        assertThat(copy.getMetadata().getUid()).isNotEqualTo(firstCopy);
        assertThat(copy.getSpec().getDataSource().getName()).isEqualTo("migrating");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).hasSize(1);
        // one request per copy: the interrupted one, then the fresh copy's
        assertThat(harness.preparer().requests()).hasSize(2);
        assertThat(harness.preparer().requests().get(0).host()).isNotEqualTo(harness.preparer().requests().get(1).host());
        assertThat(eventReasons("migrating")).contains("PreparationInterrupted");
        assertThat(ready.getStatus().getSteps()).extracting("name").containsExactly("postClone.sql", "credentials");
    }

    @Test
    void checkpointRunsOnTheSourceBeforeTheSnapshotAndIsTimed() {
        sourcePvc("data-orders-0", "1Gi", "standard");
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("orders-superuser")
                .withNamespace(ns).endMetadata()
                .withStringData(Map.of("uri", "postgresql://postgres:s3cret@orders-rw." + ns + ":5432/postgres")).build()).create();
        DatabaseClone clone = clone("checkpointed", pvcSource("data-orders-0"));
        clone.getSpec().getSource().setCheckpoint(checkpoint("orders-superuser"));
        create(clone);

        DatabaseClone ready = awaitReady("checkpointed");
        assertThat(ready.getStatus().getTimings().getCheckpointSeconds()).isEqualTo(0.25);
        assertThat(harness.checkpointer().calls()).singleElement()
                .satisfies(c -> assertThat(c.host()).isEqualTo("orders-rw." + ns));
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("checkpointed").get()
                .getMetadata().getAnnotations()).containsEntry("pgclone.dev/checkpoint", "done in 0.25s");
        assertThat(ready.getStatus().condition("SnapshotReady").orElseThrow().getMessage()).doesNotContain("recovery may take longer");
    }

    @Test
    void whileTheCheckpointRunsNoSnapshotIsTakenAndSnapshotReadySaysSo() throws Exception {
        sourcePvc("data-orders-0", "1Gi", "standard");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        harness.checkpointer().answer(c -> {
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new dev.pgclone.operator.postgres.CheckpointResult(true, 1.5, "CHECKPOINT done");
        });
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("orders-superuser")
                .withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", "orders-rw", "username", "postgres", "password", "x")).build()).create();
        DatabaseClone clone = clone("slow-checkpoint", pvcSource("data-orders-0"));
        clone.getSpec().getSource().setCheckpoint(checkpoint("orders-superuser"));
        create(clone);

        try {
            DatabaseClone checkpointing = awaitCondition("slow-checkpoint", "SnapshotReady", "False", "Checkpointing");
            assertThat(checkpointing.getStatus().getPhase()).isEqualTo("Snapshotting");
            assertThat(checkpointing.getStatus().condition("Ready").orElseThrow().getMessage())
                    .isEqualTo(checkpointing.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                    .startsWith("running CHECKPOINT on the source");
            assertThat(checkpointing.getStatus().condition("VolumeReady").orElseThrow().getMessage()).isEqualTo("waiting for SnapshotReady");
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("slow-checkpoint").get()).isNull();
        } finally {
            release.countDown();
        }

        DatabaseClone ready = awaitReady("slow-checkpoint");
        assertThat(ready.getStatus().getTimings().getCheckpointSeconds()).isEqualTo(1.5);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).withName("slow-checkpoint").get()
                .getMetadata().getAnnotations()).containsEntry("pgclone.dev/checkpoint", "done in 1.5s");
        assertThat(harness.checkpointer().calls()).hasSize(1);
    }

    @Test
    void aFailedCheckpointWarnsButTheCloneGoesAhead() {
        sourcePvc("data-orders-0", "1Gi", "standard");
        harness.checkpointer().answer(c -> new dev.pgclone.operator.postgres.CheckpointResult(false, 10.0,
                "could not connect to orders-rw:5432 within 10s"));
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("orders-superuser")
                .withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", "orders-rw", "username", "postgres", "password", "x")).build()).create();
        DatabaseClone clone = clone("no-checkpoint", pvcSource("data-orders-0"));
        clone.getSpec().getSource().setCheckpoint(checkpoint("orders-superuser"));
        create(clone);
        DatabaseClone missingSecret = clone("no-secret", pvcSource("data-orders-0"));
        missingSecret.getSpec().getSource().setCheckpoint(checkpoint("not-there"));
        create(missingSecret);

        DatabaseClone ready = awaitReady("no-checkpoint");
        assertThat(ready.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("could not connect to orders-rw:5432").contains("recovery may take longer");
        assertThat(ready.getStatus().getTimings().getCheckpointSeconds()).isNull();
        assertThat(warnings("no-checkpoint")).contains("CheckpointFailed");

        DatabaseClone alsoReady = awaitReady("no-secret");
        assertThat(alsoReady.getStatus().condition("SnapshotReady").orElseThrow().getMessage())
                .contains("Secret " + ns + "/not-there").contains("does not exist");
        assertThat(warnings("no-secret")).contains("CheckpointFailed");
        assertThat(harness.checkpointer().calls()).hasSize(1);
    }

    @Test
    void fiftyClonesCreatedAtOnceAllBecomeReady() {
        sourcePvc("data", "1Gi", "standard");
        IntStream.range(0, 50).parallel().forEach(i -> create(clone("c" + i, pvcSource("data"))));
        // a correctness test (none lost, none twice), not a timing one: the mock API server answers every
        // request in turn, so a slow machine stretches 10 s here to over a minute; polling is kept sparse for the same reason
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            List<DatabaseClone> clones = client.resources(DatabaseClone.class).inNamespace(ns).list().getItems();
            assertThat(clones).hasSize(50);
            // on failure: each clone that is not Ready, with the conditions that say where it stands
            assertThat(clones.stream().filter(c -> c.getStatus() == null || !"Ready".equals(c.getStatus().getPhase()))
                    .map(DatabaseCloneReconcilerTest::whereItStands).toList()).isEmpty();
        });
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).hasSize(50);
        assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(50);
        assertThat(harness.preparer().requests()).hasSize(50);
    }

    // ------------------------------------------------------------------ helpers

    private static String whereItStands(DatabaseClone c) {
        if (c.getStatus() == null) {
            return c.getMetadata().getName() + ": no status";
        }
        return c.getMetadata().getName() + ": " + c.getStatus().getPhase() + " " + c.getStatus().getConditions().stream()
                .map(k -> k.getType() + "=" + k.getStatus() + "/" + k.getReason() + " (" + k.getMessage() + ")").toList();
    }

    private DatabaseClone clone(String name, SourceSpec source) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        spec.setSource(source);
        PostgresSpec pg = new PostgresSpec();
        pg.setImage("postgres:16");
        pg.setRunAsUser(999L);
        spec.setPostgres(pg);
        clone.setSpec(spec);
        return clone;
    }

    private void create(DatabaseClone clone) {
        client.resource(clone).create();
    }

    private static SourceSpec pvcSource(String pvc) {
        SourceSpec s = new SourceSpec();
        s.setPvcName(pvc);
        return s;
    }

    private static SourceSpec snapshotSource(String snapshot) {
        SourceSpec s = new SourceSpec();
        s.setSnapshotName(snapshot);
        return s;
    }

    private static CredentialsSpec credentials(String... roles) {
        CredentialsSpec c = new CredentialsSpec();
        c.setRoles(List.of(roles));
        c.setDatabase("app");
        return c;
    }

    private static dev.pgclone.operator.api.v1alpha1.CheckpointSpec checkpoint(String secret) {
        var c = new dev.pgclone.operator.api.v1alpha1.CheckpointSpec();
        c.setSecretName(secret);
        return c;
    }

    private static PostCloneSpec postCloneSql(String sql) {
        PostCloneSpec p = new PostCloneSpec();
        p.setSql(sql);
        return p;
    }

    private void sourcePvc(String name, String size, String storageClass) {
        harness.sourcePvc(ns, name, size, storageClass);
    }

    /**
     * A snapshot someone else took, as a backup tool leaves one: ready, of a volume that has since
     * been deleted (its PVC is not this clone's source and must not count among the namespace's PVCs).
     */
    private void readySnapshot(String name, String size) {
        String pvc = name + "-volume";
        sourcePvc(pvc, size, "standard");
        client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withNewSource().withPersistentVolumeClaimName(pvc).endSource().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            VolumeSnapshot vs = client.resources(VolumeSnapshot.class).inNamespace(ns).withName(name).get();
            return vs.getStatus() != null && Boolean.TRUE.equals(vs.getStatus().getReadyToUse());
        });
        client.persistentVolumeClaims().inNamespace(ns).withName(pvc).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.persistentVolumeClaims().inNamespace(ns).withName(pvc).get() == null);
    }

    private DatabaseClone awaitReady(String name) {
        return awaitCondition(name, "Ready", "True", "CloneReady");
    }

    private DatabaseClone awaitCondition(String name, String type, String status, String reason) {
        return CloneObservations.awaitCondition(client, ns, name, type, status, reason);
    }

    private List<Event> events(String name) {
        return CloneObservations.events(client, ns, name);
    }

    private List<String> eventReasons(String name) {
        return events(name).stream().map(Event::getReason).toList();
    }

    private List<String> warnings(String name) {
        return CloneObservations.warnings(client, ns, name);
    }
}
