package dev.pgclone.operator.refresh;

import dev.pgclone.testkit.cluster.InstantKubelet;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.postgres.PreparationRequest;
import dev.pgclone.operator.postgres.PreparationResult;
import dev.pgclone.operator.postgres.StepOutcome;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.RecordingPreparer;
import dev.pgclone.operator.testing.ShiftableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real RefreshSchedule and DatabaseClone reconcilers against the mock API server and the
 * cluster stand-ins. The schedule reconciler reads a {@link ShiftableClock} that starts on a fixed
 * day far from the daily 06:00 run, so only refresh-now starts runs unless a test moves the clock:
 * each refresh moves it a minute on (a run's clone is named after its minute), a restart test moves
 * it days on, and the timer test puts it seconds before a run time.
 */
@ApiServerTest
class RefreshScheduleReconcilerTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ShiftableClock clock = new ShiftableClock();
    private OperatorHarness harness;
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        clock.set(Instant.parse("2030-01-07T10:00:05Z"));
        harness = OperatorHarness.start(clock);
        client = harness.client();
        ns = "sched-" + NS.incrementAndGet();
        harness.namespace(ns);
        sourcePvc("data");
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void refreshesServeBehindOneServiceWithOnePasswordAndPruneBeyondTheHistoryLimit() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        RefreshSchedule waiting = awaitCondition("orders", "Ready", "False", "NoCloneYet");
        assertThat(waiting.getStatus().getNextScheduleTime()).isEqualTo("2030-01-08T06:00:00Z");
        // the stable credentials exist before any clone, so applications can be configured first
        Secret app = await().atMost(WAIT).until(() -> secret("orders-app"), s -> s != null);
        String password = CloneSecrets.value(app, "password");
        assertThat(CloneSecrets.value(secret("orders-passwords"), "app")).isEqualTo(password);
        assertThat(CloneSecrets.value(app, "host")).isEqualTo("orders." + ns + ".svc");
        assertThat(clones()).isEmpty();

        refreshNow("orders", "1");
        RefreshSchedule first = awaitCondition("orders", "Refreshed", "True", "Refreshed");
        String firstClone = "orders-203001071001";
        assertThat(first.getStatus().getActiveClone()).isEqualTo(firstClone);
        assertThat(first.getStatus().condition("Ready").orElseThrow().getReason()).isEqualTo("CloneServing");
        assertThat(first.getStatus().getLastRefreshRequest()).isEqualTo("1");
        assertThat(first.getStatus().getLastSuccessfulTime()).isNotNull();
        assertThat(first.getStatus().getLastScheduleTime()).isEqualTo("2030-01-07T10:01:00Z");
        assertThat(first.getStatus().getObservedGeneration()).isEqualTo(first.getMetadata().getGeneration());
        assertThat(service("orders").getSpec().getSelector())
                .containsExactlyInAnyOrderEntriesOf(Map.of(Labels.CLONE, firstClone, Labels.PREPARED, "true"));
        DatabaseClone child = clone(firstClone);
        assertThat(child.getSpec().getCredentials().getSecretName()).isEqualTo("orders-passwords");
        assertThat(child.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(first.getMetadata().getUid()));
        assertThat(preparationOf(firstClone).rolePasswords()).containsEntry("app", password);

        // a template edit applies to the next run, not to the clone that exists
        editSchedule("orders", s -> s.getSpec().getTemplate().getSpec().setPostClone(postCloneSql("UPDATE users SET email = 'x';")));
        refreshNow("orders", "2");
        String secondClone = "orders-203001071002";
        awaitActive("orders", secondClone);
        assertThat(service("orders").getSpec().getSelector()).containsEntry(Labels.CLONE, secondClone);
        assertThat(CloneSecrets.value(secret("orders-app"), "password")).isEqualTo(password);
        assertThat(preparationOf(secondClone).rolePasswords()).containsEntry("app", password);
        assertThat(preparationOf(secondClone).scripts()).extracting("name").containsExactly("postClone.sql");
        assertThat(clone(firstClone).getSpec().getPostClone()).isNull();
        // historyLimit 1: the superseded clone stays
        assertThat(cloneNames()).containsExactly(firstClone, secondClone);

        refreshNow("orders", "3");
        String thirdClone = "orders-203001071003";
        awaitActive("orders", thirdClone);
        await().atMost(WAIT).untilAsserted(() -> assertThat(cloneNames()).containsExactly(secondClone, thirdClone));
        assertThat(preparationOf(thirdClone).rolePasswords()).containsEntry("app", password);
        assertThat(eventReasons("orders")).containsSubsequence("RefreshStarted", "Refreshed", "RefreshStarted", "Refreshed",
                "RefreshStarted", "Refreshed").contains("ClonePruned");
        assertThat(refreshes("success")).isEqualTo(3.0);
        assertThat(refreshes("failure")).isEqualTo(0.0);
    }

    @Test
    void historyLimitZeroDeletesTheSupersededCloneAsSoonAsTheNewOneServes() {
        RefreshSchedule schedule = Schedules.schedule("nightly", ns, "0 6 * * *", "data");
        schedule.getSpec().setHistoryLimit(0);
        create(schedule);
        refreshNow("nightly", "a");
        awaitActive("nightly", "nightly-203001071001");
        refreshNow("nightly", "b");
        awaitActive("nightly", "nightly-203001071002");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(cloneNames()).containsExactly("nightly-203001071002");
            // and with it what the clone owned
            assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
                    .containsExactly("nightly-203001071002");
        });
    }

    @Test
    void aFailedRefreshLeavesThePreviousCloneServingAndTheNextRunTriesAgain() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        refreshNow("orders", "1");
        String good = "orders-203001071001";
        awaitActive("orders", good);
        String goodIp = pod(good).getStatus().getPodIP();

        harness.preparer().answer(r -> r.host().equals(goodIp) ? RecordingPreparer.succeed(r)
                : PreparationResult.failure(PreparationResult.POST_CLONE_SQL_FAILED,
                        "postClone.sql statement 1: SQLSTATE 42P01: relation \"users\" does not exist", "16.4",
                        List.of(new StepOutcome("postClone.sql", 0.01, null, "SQLSTATE 42P01"))));
        refreshNow("orders", "2");
        String bad = "orders-203001071002";
        RefreshSchedule failed = awaitCondition("orders", "Refreshed", "False", "PostCloneSqlFailed");
        assertThat(failed.getStatus().condition("Refreshed").orElseThrow().getMessage())
                .contains("clone " + bad + " failed").contains("relation \"users\" does not exist")
                .contains("clone " + good + " keeps serving");
        assertThat(failed.getStatus().getActiveClone()).isEqualTo(good);
        assertThat(failed.getStatus().getFailedClone()).isEqualTo(bad);
        assertThat(failed.getStatus().condition("Ready").orElseThrow().isTrue()).isTrue();
        assertThat(service("orders").getSpec().getSelector()).containsEntry(Labels.CLONE, good);
        assertThat(warnings("orders")).containsExactly("RefreshFailed");
        assertThat(refreshes("failure")).isEqualTo(1.0);

        // a later reconcile (here: for an edit) does not report the same failure again
        editSchedule("orders", s -> s.getSpec().setHistoryLimit(2));
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("orders").getStatus().getObservedGeneration())
                .isEqualTo(get("orders").getMetadata().getGeneration()));
        assertThat(warnings("orders")).containsExactly("RefreshFailed");
        assertThat(refreshes("failure")).isEqualTo(1.0);

        harness.preparer().answer(RecordingPreparer::succeed);
        refreshNow("orders", "3");
        String fixed = "orders-203001071003";
        RefreshSchedule recovered = awaitActive("orders", fixed);
        assertThat(recovered.getStatus().getFailedClone()).isNull();
        // the failed clone was kept for inspection until now; the good one stays as history (limit 2)
        await().atMost(WAIT).untilAsserted(() -> assertThat(cloneNames()).containsExactly(good, fixed));
        assertThat(refreshes("failure")).isEqualTo(1.0);
        assertThat(refreshes("success")).isEqualTo(2.0);
    }

    @Test
    void aCloneThatCannotStartFailsTheRunAndShowsThePodsMessage() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        harness.cluster().podFate(p -> new InstantKubelet.Crashes("data is PostgreSQL 15, image runs 16: set spec.postgres.image"));
        refreshNow("orders", "1");
        RefreshSchedule failed = awaitCondition("orders", "Refreshed", "False", "BootstrapFailed");
        assertThat(failed.getStatus().condition("Ready").orElseThrow())
                .satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/BootstrapFailed"))
                .satisfies(c -> assertThat(c.getMessage()).contains("the first clone orders-203001071001 failed").contains("image runs 16"));
        assertThat(failed.getStatus().getActiveClone()).isNull();
        assertThat(client.services().inNamespace(ns).withName("orders").get()).isNull();
    }

    @Test
    void noNewCloneStartsWhileOneIsInProgress() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        harness.cluster().podFate(p -> new InstantKubelet.Stays());
        refreshNow("orders", "1");
        awaitCondition("orders", "Refreshed", "Unknown", "Refreshing");

        refreshNow("orders", "2");
        await().atMost(WAIT).until(() -> eventReasons("orders").contains("RunSkipped"));
        // the event is recorded during the reconcile, the status written at its end: wait for that write too
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("orders").getStatus().getLastRefreshRequest()).isEqualTo("2"));
        RefreshSchedule skipped = get("orders");
        assertThat(cloneNames()).containsExactly("orders-203001071001");
        assertThat(events("orders")).filteredOn(e -> "RunSkipped".equals(e.getReason())).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("orders-203001071001 is still"));
        assertThat(skipped.getStatus().condition("Ready").orElseThrow().getReason()).isEqualTo("Waiting");
    }

    @Test
    void theScheduledRunStartsAtItsTimeWithoutPolling() {
        // four seconds before a minute: the next run of an every-minute schedule is 4 s away
        Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(56);
        clock.set(base);
        create(Schedules.schedule("minutely", ns, "* * * * *", "data"));
        Instant runTime = base.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        String expected = "minutely-" + minute(runTime);

        RefreshSchedule armed = await().atMost(WAIT).until(() -> get("minutely"),
                s -> s.getStatus() != null && s.getStatus().getNextScheduleTime() != null);
        assertThat(armed.getStatus().getNextScheduleTime()).isEqualTo(runTime.toString());
        assertThat(cloneNames()).isEmpty();

        RefreshSchedule ran = awaitActive("minutely", expected);
        assertThat(ran.getStatus().getLastScheduleTime()).isEqualTo(runTime.toString());
        assertThat(events("minutely")).filteredOn(e -> "RefreshStarted".equals(e.getReason())).first()
                .satisfies(e -> assertThat(e.getMessage()).contains("run scheduled for"));
    }

    @Test
    void aSuspendedScheduleRunsOnlyOnRequest() {
        Instant base = Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(58);
        clock.set(base);
        RefreshSchedule schedule = Schedules.schedule("paused", ns, "* * * * *", "data");
        schedule.getSpec().setSuspend(true);
        create(schedule);
        RefreshSchedule waiting = awaitCondition("paused", "Ready", "False", "NoCloneYet");
        assertThat(waiting.getStatus().getNextScheduleTime()).isNull();
        assertThat(waiting.getStatus().condition("Ready").orElseThrow().getMessage()).contains("suspended").contains("refresh-now");
        // a run time passes: nothing starts
        await().pollDelay(Duration.ofSeconds(4)).atMost(WAIT).until(() -> true);
        assertThat(cloneNames()).isEmpty();

        refreshNow("paused", "now");
        awaitCondition("paused", "Ready", "True", "CloneServing");
        assertThat(cloneNames()).hasSize(1);
    }

    @Test
    void invalidSchedulesZonesAndTemplatesAreReportedAndCreateNothing() {
        create(Schedules.schedule("bad-cron", ns, "0 6 * *", "data"));
        RefreshSchedule badZone = Schedules.schedule("bad-zone", ns, "0 6 * * *", "data");
        badZone.getSpec().setTimeZone("Europe/Berln");
        create(badZone);
        RefreshSchedule badTemplate = Schedules.schedule("bad-template", ns, "0 6 * * *", "data");
        badTemplate.getSpec().getTemplate().getSpec().getSource().setSnapshotName("nightly");
        badTemplate.getSpec().getTemplate().getSpec().setTtl("24h");
        create(badTemplate);
        refreshNow("bad-cron", "1");

        RefreshSchedule cron = awaitCondition("bad-cron", "Refreshed", "False", "InvalidSchedule");
        assertThat(cron.getStatus().condition("Refreshed").orElseThrow().getMessage()).contains("spec.schedule \"0 6 * *\"").contains("5-field");
        assertThat(cron.getStatus().condition("Ready").orElseThrow().getReason()).isEqualTo("InvalidSchedule");
        assertThat(cron.getStatus().getNextScheduleTime()).isNull();
        RefreshSchedule zone = awaitCondition("bad-zone", "Refreshed", "False", "InvalidTimeZone");
        assertThat(zone.getStatus().condition("Refreshed").orElseThrow().getMessage()).contains("Europe/Berln");
        RefreshSchedule template = awaitCondition("bad-template", "Refreshed", "False", "InvalidSpec");
        assertThat(template.getStatus().condition("Refreshed").orElseThrow().getMessage())
                .contains("spec.template.spec.source.pvcName").contains("spec.template.spec.ttl");
        assertThat(warnings("bad-cron")).containsExactly("InvalidSchedule");
        assertThat(warnings("bad-zone")).containsExactly("InvalidTimeZone");
        assertThat(warnings("bad-template")).containsExactly("InvalidSpec");
        assertThat(cloneNames()).isEmpty();
        // no credentials for a template that cannot be used
        assertThat(secret("bad-template-app")).isNull();

        // fixed, the schedule starts; the refresh requested while it was invalid was kept and now runs
        editSchedule("bad-cron", s -> s.getSpec().setSchedule("0 6 * * *"));
        RefreshSchedule repaired = awaitActive("bad-cron", "bad-cron-" + minute(clock.instant()));
        assertThat(repaired.getStatus().getNextScheduleTime()).isEqualTo("2030-01-08T06:00:00Z");
        assertThat(repaired.getStatus().getLastRefreshRequest()).isEqualTo("1");
    }

    @Test
    void aMissingSourceBlocksTheRunWithBackoffUntilItExists() {
        create(Schedules.schedule("later", ns, "0 6 * * *", "data-later"));
        refreshNow("later", "1");
        RefreshSchedule blocked = awaitCondition("later", "Refreshed", "False", "SourceNotFound");
        assertThat(blocked.getStatus().condition("Refreshed").orElseThrow().getMessage())
                .contains("PersistentVolumeClaim " + ns + "/data-later").contains("spec.template.spec.source.pvcName");
        assertThat(blocked.getStatus().getLastRefreshRequest()).isNull();
        assertThat(warnings("later")).containsExactly("SourceNotFound");
        assertThat(cloneNames()).isEmpty();

        sourcePvc("data-later");
        // retried by the backoff timer (the PVC is not watched): OperatorHarness.BACKOFF after the first attempt
        awaitCondition("later", "Ready", "True", "CloneServing");
        assertThat(get("later").getStatus().getLastRefreshRequest()).isEqualTo("1");
        assertThat(cloneNames()).hasSize(1);
    }

    @Test
    void aSourceThatDisappearsBlocksTheNextRunWhileThePreviousCloneServes() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        refreshNow("orders", "1");
        awaitActive("orders", "orders-203001071001");

        client.persistentVolumeClaims().inNamespace(ns).withName("data").delete();
        refreshNow("orders", "2");
        RefreshSchedule blocked = awaitCondition("orders", "Refreshed", "False", "SourceNotFound");
        assertThat(blocked.getStatus().condition("Refreshed").orElseThrow().getMessage())
                .contains("clone orders-203001071001 keeps serving meanwhile");
        assertThat(blocked.getStatus().condition("Ready").orElseThrow().isTrue()).isTrue();
        assertThat(service("orders").getSpec().getSelector()).containsEntry(Labels.CLONE, "orders-203001071001");
        assertThat(cloneNames()).containsExactly("orders-203001071001");
    }

    @Test
    void deletingTheScheduleDeletesItsClonesServiceAndSecrets() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        refreshNow("orders", "1");
        awaitActive("orders", "orders-203001071001");
        assertThat(client.secrets().inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
                .contains("orders-passwords", "orders-app", "orders-203001071001-app", "orders-203001071001-superuser");

        client.resource(get("orders")).delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(clones()).isEmpty();
            assertThat(client.services().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.secrets().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.pods().inNamespace(ns).list().getItems()).isEmpty();
            assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
                    .containsExactly("data");
        });
    }

    @Test
    void aRestartCreatesNoDuplicateAndRunsMissedRunsOnce() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        refreshNow("orders", "1");
        awaitActive("orders", "orders-203001071001");

        harness.stopOperator();
        harness.startOperator();
        // the restarted operator sees the same request and the same run: nothing new
        await().pollDelay(Duration.ofSeconds(2)).atMost(WAIT).until(() -> true);
        assertThat(cloneNames()).containsExactly("orders-203001071001");

        harness.stopOperator();
        // three days and four minutes pass: the 06:00 runs of the 8th, 9th and 10th are missed
        clock.shift(Duration.ofDays(3).plusMinutes(4));
        harness.startOperator();
        RefreshSchedule caughtUp = awaitActive("orders", "orders-203001100600");
        assertThat(cloneNames()).containsExactly("orders-203001071001", "orders-203001100600");
        assertThat(caughtUp.getStatus().getLastScheduleTime()).isEqualTo("2030-01-10T06:00:00Z");
        assertThat(caughtUp.getStatus().getNextScheduleTime()).isEqualTo("2030-01-11T06:00:00Z");
        assertThat(events("orders")).filteredOn(e -> "RefreshStarted".equals(e.getReason())).hasSize(2);
    }

    @Test
    void deletedStableObjectsAreRecreatedWithTheSamePassword() {
        create(Schedules.schedule("orders", ns, "0 6 * * *", "data"));
        refreshNow("orders", "1");
        awaitActive("orders", "orders-203001071001");
        String password = CloneSecrets.value(secret("orders-app"), "password");

        // everything stable at once: the serving clone still knows the password
        client.secrets().inNamespace(ns).withName("orders-passwords").delete();
        client.secrets().inNamespace(ns).withName("orders-app").delete();
        client.services().inNamespace(ns).withName("orders").delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(service("orders")).isNotNull();
            assertThat(service("orders").getSpec().getSelector()).containsEntry(Labels.CLONE, "orders-203001071001");
            assertThat(secret("orders-app")).isNotNull();
            assertThat(secret("orders-passwords")).isNotNull();
        });
        assertThat(CloneSecrets.value(secret("orders-app"), "password")).isEqualTo(password);
        assertThat(CloneSecrets.value(secret("orders-passwords"), "app")).isEqualTo(password);

        // the next clone gets it too
        refreshNow("orders", "2");
        awaitActive("orders", "orders-203001071002");
        assertThat(preparationOf("orders-203001071002").rolePasswords()).containsEntry("app", password);
    }

    // ------------------------------------------------------------------ helpers

    private void create(RefreshSchedule schedule) {
        client.resource(schedule).create();
    }

    private RefreshSchedule get(String name) {
        return client.resources(RefreshSchedule.class).inNamespace(ns).withName(name).get();
    }

    /** Like kubectl edit: read, change, write; a conflict with the operator's status write is retried. */
    private void editSchedule(String name, Consumer<RefreshSchedule> change) {
        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k && k.getCode() == 409).until(() -> {
            RefreshSchedule s = get(name);
            change.accept(s);
            client.resource(s).update();
            return true;
        });
    }

    /** A minute later (a run's clone is named after its minute), annotate refresh-now, as kubectl annotate does (a merge patch). */
    private void refreshNow(String name, String value) {
        clock.shift(Duration.ofMinutes(1));
        client.resources(RefreshSchedule.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"" + RefreshSchedule.REFRESH_NOW + "\":\"" + value + "\"}}}");
    }

    private RefreshSchedule awaitActive(String name, String clone) {
        await().atMost(WAIT).untilAsserted(() -> {
            RefreshSchedule s = get(name);
            assertThat(s.getStatus()).as("status of %s", name).isNotNull();
            assertThat(s.getStatus().getActiveClone()).isEqualTo(clone);
        });
        return awaitCondition(name, "Ready", "True", "CloneServing");
    }

    private RefreshSchedule awaitCondition(String name, String type, String status, String reason) {
        RefreshSchedule[] found = new RefreshSchedule[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            RefreshSchedule s = get(name);
            assertThat(s).isNotNull();
            assertThat(s.getStatus()).as("status of %s", name).isNotNull();
            Condition c = s.getStatus().condition(type).orElse(null);
            assertThat(c).as("%s of %s; status %s", type, name, s.getStatus().getConditions()).isNotNull();
            assertThat(c.getStatus() + "/" + c.getReason()).as("%s of %s: %s", type, name, c.getMessage()).isEqualTo(status + "/" + reason);
            found[0] = s;
        });
        return found[0];
    }

    private List<DatabaseClone> clones() {
        return client.resources(DatabaseClone.class).inNamespace(ns).list().getItems();
    }

    private List<String> cloneNames() {
        return clones().stream().map(c -> c.getMetadata().getName()).sorted().toList();
    }

    private DatabaseClone clone(String name) {
        return client.resources(DatabaseClone.class).inNamespace(ns).withName(name).get();
    }

    private Pod pod(String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace(ns).withName(name).get();
    }

    private Service service(String name) {
        return client.services().inNamespace(ns).withName(name).get();
    }

    /** The preparation the operator asked for the clone's Pod: what the clone's roles got as passwords. */
    private PreparationRequest preparationOf(String clone) {
        String ip = pod(clone).getStatus().getPodIP();
        return harness.preparer().requestsFor(ip).get(0);
    }

    private double refreshes(String result) {
        return harness.scheduleMetrics().get("pgclone.refresh").tag("result", result).counter().count();
    }

    private void sourcePvc(String name) {
        harness.sourcePvc(ns, name, "1Gi", "standard");
    }

    private static PostCloneSpec postCloneSql(String sql) {
        PostCloneSpec p = new PostCloneSpec();
        p.setSql(sql);
        return p;
    }

    private List<Event> events(String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "RefreshSchedule".equals(e.getInvolvedObject().getKind()))
                .sorted(Comparator.comparing(e -> Instant.parse(e.getLastTimestamp())))
                .toList();
    }

    private List<String> eventReasons(String name) {
        return events(name).stream().map(Event::getReason).toList();
    }

    private List<String> warnings(String name) {
        return events(name).stream().filter(e -> "Warning".equals(e.getType())).map(Event::getReason).toList();
    }

    /** The clone name suffix of a run time, as the operator writes it: UTC, to the minute. */
    private static String minute(Instant t) {
        return DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC).format(t);
    }
}
