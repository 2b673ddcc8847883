package dev.pgclone.operator.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.api.v1alpha1.PiiCheckSpec;
import dev.pgclone.operator.postgres.MaskingResult;
import dev.pgclone.operator.postgres.PreparationResult;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.postgres.masking.PiiDetectors;
import dev.pgclone.operator.postgres.masking.PiiFinding;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.CloneObservations;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.ShiftableClock;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CloneSource masking mode Snapshot with the real reconcilers on the mock API server: a build in the
 * source namespace runs the masking once and publishes a masked snapshot; clones in other
 * namespaces restore from it and run no mandatory SQL; nothing is published by a failing build or
 * a refusing PII check, clones wait while no masked snapshot exists, and a look-alike build is an
 * ordinary clone. What a build does to the data files is MaskedSnapshotBuildTest's (real PostgreSQL).
 */
@ApiServerTest
class MaskedSnapshotsTest {

    private static final AtomicInteger RUN = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final ShiftableClock clock = new ShiftableClock();
    private OperatorHarness harness;
    private KubernetesClient client;
    private SourceFixture fixture;
    private String prod;
    private String staging;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start(Clock.systemUTC(), clock);
        client = harness.client();
        int n = RUN.incrementAndGet();
        prod = harness.namespace("mprod-" + n);
        staging = harness.namespace("mstaging-" + n);
        harness.sourcePvc(prod, "data-orders-0", "20Gi", "fast-ssd");
        fixture = new SourceFixture(client, prod);
        fixture.masking("orders-masking", Map.of("10-users.sql", "UPDATE users SET email = 'user' || id || '@example.com';"));
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private CloneSource snapshotModeSource(PiiCheckSpec pii) {
        return fixture.source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setPostClone(SourceFixture.postClone(null, "orders-masking"));
            MaskingSpec masking = new MaskingSpec();
            masking.setMode(MaskingSpec.SNAPSHOT);
            masking.setPiiCheck(pii);
            s.setMasking(masking);
        });
    }

    @Test
    void aBuildMasksOnceAndClonesRestoreFromTheMaskedSnapshotWithoutRunningTheMasking() {
        snapshotModeSource(null);
        CloneSource published = awaitSource(s -> {
            assertThat(s.getStatus().condition("MaskedSnapshotReady").orElseThrow().getStatus()).isEqualTo("True");
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published");
        });
        VolumeSnapshot masked = only(masked());
        assertThat(masked.getMetadata().getName()).startsWith("orders-masked-");
        assertThat(masked.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("CloneSource");
            assertThat(o.getUid()).isEqualTo(published.getMetadata().getUid());
        });
        assertThat(published.getStatus().getMaskedSnapshots()).singleElement().satisfies(m -> {
            assertThat(m.getName()).isEqualTo(masked.getMetadata().getName());
            assertThat(m.getDataAsOf()).isNotNull();
            assertThat(m.getReadyToUse()).isTrue();
            assertThat(m.getBuildSeconds()).isNotNull();
        });
        // the build ran the masking once, as the superuser, then was finished and stopped
        String buildName = published.getStatus().getBuild().getName();
        assertThat(harness.preparer().requests()).singleElement().satisfies(r -> {
            assertThat(r.scripts()).extracting(SqlScript::name).containsExactly("cloneSource " + prod + "/orders: orders-masking/10-users.sql");
            // a build publishes no credential: only the operator can log in, up to the clean stop
            assertThat(r.superuserPassword()).isEqualTo(r.operatorPassword());
            assertThat(r.rolePasswords()).isEmpty();
        });
        assertThat(harness.preparer().maskingRequests()).singleElement().satisfies(r -> {
            assertThat(r.rewriteAll()).as("every table is rewritten by default").isTrue();
            assertThat(r.piiRules()).as("the PII check runs by default").isNotNull();
            assertThat(r.failOnFindings()).isFalse();
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(client.resources(DatabaseClone.class).inNamespace(prod).withName(buildName).get())
                .as("the build is deleted once published").isNull());

        client.resource(fixture.clone(staging, "orders-staging", "orders")).create();
        DatabaseClone ready = CloneObservations.awaitCondition(client, staging, "orders-staging", "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getSnapshot().getName()).isEqualTo(masked.getMetadata().getName());
        assertThat(ready.getStatus().getDataAsOf()).isEqualTo(published.getStatus().getMaskedSnapshots().get(0).getDataAsOf());
        assertThat(harness.preparer().requests()).as("the clone runs no masking of its own").hasSize(2)
                .last().satisfies(r -> assertThat(r.scripts()).isEmpty());
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(prod).withName(masked.getMetadata().getName()).get()
                .getMetadata().getFinalizers()).containsExactly(SourceSnapshots.USER_FINALIZER_PREFIX + ready.getMetadata().getUid());
        Pod pod = client.pods().inNamespace(staging).withName("orders-staging").get();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(pod.getSpec().getContainers().get(0).getEnv()).noneMatch(e -> "PGCLONE_BUILD".equals(e.getName()));
    }

    @Test
    void clonesWaitWhileNoMaskedSnapshotExistsAndAFailingBuildPublishesNothing() {
        harness.preparer().answer(r -> PreparationResult.failure("PostCloneFailed",
                "post-clone script orders-masking/10-users.sql failed: column \"email\" does not exist", null, List.of()));
        snapshotModeSource(null);
        client.resource(fixture.clone(staging, "orders-staging", "orders")).create();

        CloneSource failed = awaitSource(s -> {
            assertThat(s.getStatus().getBuild()).isNotNull();
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Failed");
        });
        assertThat(failed.getStatus().condition("MaskedSnapshotReady").orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getReason()).isEqualTo("PostCloneFailed");
            assertThat(c.getMessage()).contains("column \"email\" does not exist").contains("pgclone.dev/rebuild-masked-snapshot");
        });
        DatabaseClone waiting = CloneObservations.awaitCondition(client, staging, "orders-staging", "SnapshotReady", "False", "MaskedSnapshotNotReady");
        assertThat(waiting.getStatus().getPhase()).isNotEqualTo("Ready");
        assertThat(masked()).isEmpty();
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(staging).list().getItems()).as("fail closed: nothing bound").isEmpty();
        assertThat(harness.preparer().maskingRequests()).isEmpty();
        await().atMost(WAIT).untilAsserted(() -> assertThat(client.v1().events().inNamespace(prod).list().getItems())
                .anyMatch(e -> "Warning".equals(e.getType()) && "CloneSource".equals(e.getInvolvedObject().getKind())
                        && e.getMessage().contains("nothing was published")));
    }

    @Test
    void aPiiFindingWithFailOnFindingsKeepsTheLastMaskedSnapshotServing() {
        PiiCheckSpec pii = new PiiCheckSpec();
        pii.setFailOnFindings(true);
        pii.setAllowedEmailDomains(List.of("example.com"));
        snapshotModeSource(pii);
        CloneSource first = awaitSource(s -> assertThat(s.getStatus().condition("MaskedSnapshotReady").orElseThrow().getStatus()).isEqualTo("True"));
        String good = first.getStatus().getMaskedSnapshots().get(0).getName();
        assertThat(harness.preparer().maskingRequests().get(0).piiRules().allowedEmailDomains()).containsExactly("example.com");

        PiiFinding finding = new PiiFinding("app", "public", "customers", "email", PiiDetectors.Kind.Email, 412, 1000);
        harness.preparer().answerMasking(r -> MaskingResult.failed("PiiFound", "1 column(s) of the masked copy still look like personal data",
                List.of("app.public.customers"), List.of(finding)));
        clock.shift(Duration.ofMinutes(2));
        // a merge patch, as kubectl annotate sends: no conflict with the controller's status writes
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"" + CloneSource.REBUILD_MASKED_SNAPSHOT + "\":\"second\"}}}");

        CloneSource refused = awaitSource(s -> {
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Failed");
            assertThat(s.getStatus().getBuild().getPiiFindings()).singleElement().satisfies(f -> {
                assertThat(f.getColumn()).isEqualTo("app.public.customers.email");
                assertThat(f.getKind()).isEqualTo("Email");
                assertThat(f.getMatches()).isEqualTo(412);
            });
        });
        assertThat(refused.getStatus().getLastRebuildRequest()).isEqualTo("second");
        assertThat(refused.getStatus().condition("MaskedSnapshotReady").orElseThrow()).satisfies(c -> {
            assertThat(c.getStatus()).as("the last good masked snapshot keeps serving").isEqualTo("True");
            assertThat(c.getMessage()).contains(good).contains("PiiFound");
        });
        assertThat(masked()).extracting(s -> s.getMetadata().getName()).containsExactly(good);

        client.resource(fixture.clone(staging, "after", "orders")).create();
        DatabaseClone ready = CloneObservations.awaitCondition(client, staging, "after", "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getSnapshot().getName()).isEqualTo(good);
    }

    @Test
    void aMaskedSnapshotOlderThanMaxAgeIsRebuiltAndTheOldOneGoesOnceNoCloneUsesIt() {
        snapshotModeSource(null);
        CloneSource first = awaitSource(s -> assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published"));
        String old = first.getStatus().getMaskedSnapshots().get(0).getName();
        client.resource(fixture.clone(staging, "keeps-old", "orders")).create();
        CloneObservations.awaitCondition(client, staging, "keeps-old", "Ready", "True", "CloneReady");

        // a day later (the default maxAge is 24h), any event brings the CloneSource to build again
        clock.shift(Duration.ofHours(25));
        touch();
        CloneSource renewed = awaitSource(s -> {
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published");
            assertThat(s.getStatus().getMaskedSnapshots()).hasSize(2);
        });
        String fresh = renewed.getStatus().getMaskedSnapshots().get(0).getName();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(renewed.getStatus().getMaskedSnapshots().get(1)).satisfies(m -> {
            assertThat(m.getName()).as("the old one stays while a clone uses it").isEqualTo(old);
            assertThat(m.getUsers()).isEqualTo(1);
        });

        client.resources(DatabaseClone.class).inNamespace(staging).withName("keeps-old").delete();
        awaitSource(s -> assertThat(s.getStatus().getMaskedSnapshots()).extracting(m -> m.getName()).containsExactly(fresh));
        assertThat(masked()).extracting(s -> s.getMetadata().getName()).containsExactly(fresh);
    }

    @Test
    void withAScheduleAndNoMaxAgeOnlyTheScheduleBuildsAgain() {
        fixture.source("orders", s -> {
            s.setAllowedNamespaces(List.of(staging));
            s.setPostClone(SourceFixture.postClone(null, "orders-masking"));
            MaskingSpec masking = new MaskingSpec();
            masking.setMode(MaskingSpec.SNAPSHOT);
            masking.setSchedule("0 3 * * *");
            masking.setTimeZone("Europe/Berlin");
            s.setMasking(masking);
        });
        CloneSource first = awaitSource(s -> assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published"));
        String firstBuild = first.getStatus().getBuild().getName();

        // two days on: past a 03:00 in Berlin, and far past the 24h a maxAge would default to without a schedule
        clock.shift(Duration.ofHours(48));
        touch();
        CloneSource second = awaitSource(s -> {
            assertThat(s.getStatus().getBuild().getName()).isNotEqualTo(firstBuild);
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published");
        });
        // right after a build nothing is due until the next 03:00: another event starts nothing
        int builds = harness.preparer().maskingRequests().size();
        touch();
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(harness.preparer().maskingRequests()).hasSize(builds);
            assertThat(client.resources(CloneSource.class).inNamespace(prod).withName("orders").get().getStatus().getBuild().getName())
                    .isEqualTo(second.getStatus().getBuild().getName());
        });
    }

    private void touch() {
        client.resources(CloneSource.class).inNamespace(prod).withName("orders").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"touched\":\"" + System.nanoTime() + "\"}}}");
    }

    @Test
    void aMaskedSnapshotRecreatedUnderItsOldNameWithItsMarkIsNeverServed() {
        snapshotModeSource(null);
        CloneSource first = awaitSource(s -> assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published"));
        VolumeSnapshot genuine = only(masked());
        String name = genuine.getMetadata().getName();

        // someone who may delete and create snapshots in production's namespace replays the genuine one's
        // labels, mark, owner reference and seal on a snapshot of production's own, unmasked volume
        // builds are named to the minute: on the operator's clock the replacement build gets a name of its own at once,
        // where in real time it would wait for the next minute
        clock.shift(Duration.ofMinutes(1));
        client.resource(genuine).withGracePeriod(0).delete();
        await().atMost(WAIT).until(() -> client.resources(VolumeSnapshot.class).inNamespace(prod).withName(name).get() == null);
        VolumeSnapshot replay = new io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder()
                .withNewMetadata().withName(name).withNamespace(prod).withLabels(genuine.getMetadata().getLabels())
                .withAnnotations(genuine.getMetadata().getAnnotations()).withOwnerReferences(genuine.getMetadata().getOwnerReferences())
                .endMetadata()
                .withNewSpec().withNewSource().withPersistentVolumeClaimName("data-orders-0").endSource().endSpec().build();
        client.resource(replay).create();
        awaitSource(s -> {
            assertThat(s.getStatus().getMaskedSnapshots() == null ? List.<String>of()
                    : s.getStatus().getMaskedSnapshots().stream().map(m -> m.getName()).toList()).as("never listed as masked").doesNotContain(name);
            assertThat(s.getStatus().getBuild().getName()).as("a new build replaces the deleted snapshot")
                    .isNotEqualTo(first.getStatus().getBuild().getName());
            assertThat(s.getStatus().getBuild().getState()).isEqualTo("Published");
        });

        client.resource(fixture.clone(staging, "after-replay", "orders")).create();
        DatabaseClone ready = CloneObservations.awaitCondition(client, staging, "after-replay", "Ready", "True", "CloneReady");
        assertThat(ready.getStatus().getSnapshot().getName()).isNotEqualTo(name).startsWith("orders-masked-");
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(prod).withName(name).get().getMetadata().getFinalizers())
                .as("nobody claims the replay").noneMatch(f -> f.startsWith(SourceSnapshots.USER_FINALIZER_PREFIX));
    }

    @Test
    void aLookAlikeBuildIsAnOrdinaryCloneAndPublishesNothing() {
        CloneSource source = snapshotModeSource(null);
        awaitSource(s -> assertThat(s.getStatus().condition("MaskedSnapshotReady").orElseThrow().getStatus()).isEqualTo("True"));
        int requests = harness.preparer().maskingRequests().size();

        // someone who may create clones in production's namespace dresses one up as a build, to publish unmasked data
        DatabaseClone fake = fixture.clone(prod, "orders-mask-209901010000", "orders");
        fake.getMetadata().setLabels(Map.of(Labels.MASKING_BUILD, "orders", Ownership.MARK, "forged"));
        fake.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("pgclone.dev/v1alpha1").withKind("CloneSource")
                .withName("orders").withUid(source.getMetadata().getUid()).withController(true).build()));
        client.resource(fake).create();

        DatabaseClone ordinary = CloneObservations.awaitCondition(client, prod, "orders-mask-209901010000", "Ready", "True", "CloneReady");
        assertThat(ordinary.getStatus().getSnapshot().getName()).as("restored from the masked snapshot, like any clone").startsWith("orders-masked-");
        Pod pod = client.pods().inNamespace(prod).withName("orders-mask-209901010000").get();
        assertThat(pod.getSpec().getContainers().get(0).getEnv()).noneMatch(e -> "PGCLONE_BUILD".equals(e.getName()));
        assertThat(harness.preparer().maskingRequests()).hasSize(requests);
        assertThat(masked()).hasSize(1);
        CloneSource after = client.resources(CloneSource.class).inNamespace(prod).withName("orders").get();
        assertThat(after.getStatus().getBuild().getName()).isNotEqualTo("orders-mask-209901010000");
    }

    private List<VolumeSnapshot> masked() {
        return client.resources(VolumeSnapshot.class).inNamespace(prod).withLabel(Labels.MASKED, "true").list().getItems();
    }

    private CloneSource awaitSource(java.util.function.Consumer<CloneSource> check) {
        java.util.concurrent.atomic.AtomicReference<CloneSource> seen = new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(WAIT).untilAsserted(() -> {
            CloneSource s = client.resources(CloneSource.class).inNamespace(prod).withName("orders").get();
            assertThat(s.getStatus()).isNotNull();
            try {
                check.accept(s);
            } catch (NullPointerException notYet) {
                // a status field the check reads is not written yet
                throw new AssertionError("status not complete yet: " + notYet.getMessage(), notYet);
            }
            seen.set(s);
        });
        return seen.get();
    }

    private static <T> T only(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }
}
