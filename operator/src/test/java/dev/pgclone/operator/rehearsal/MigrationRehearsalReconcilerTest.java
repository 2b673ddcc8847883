package dev.pgclone.operator.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.testing.ApiServerTest;
import dev.pgclone.operator.testing.OperatorHarness;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MigrationRehearsal reconciler with the real DatabaseClone reconciler on the mock API server
 * and the stand-ins: the clone it makes, what it hands the runner, the verdict, report and events
 * it writes, and every way it ends without a run. The runner is scripted here; the JDBC runner is
 * tested against PostgreSQL (JdbcRehearsalRunnerTest) and the whole on the local cluster.
 */
@ApiServerTest
class MigrationRehearsalReconcilerTest {

    private static final AtomicInteger NS = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private OperatorHarness harness;
    private KubernetesClient client;
    private String ns;

    @BeforeEach
    void setUp() {
        harness = OperatorHarness.start();
        client = harness.client();
        ns = "rehearse-" + NS.incrementAndGet();
        harness.namespace(ns);
        harness.sourcePvc(ns, "data", "1Gi", "standard");
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private MigrationRehearsal create(String name, String extra) {
        MigrationRehearsal r = Serialization.unmarshal("""
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata: {name: %s, namespace: %s}
                spec:
                  clone: {spec: {source: {pvcName: data}, postgres: {image: "postgres:16"}, credentials: {database: orders}}}
                  migration: {sql: {inline: "ALTER TABLE orders ADD COLUMN processed_at timestamptz;", configMapName: more-sql}}
                %s""".formatted(name, ns, extra), MigrationRehearsal.class);
        return client.resource(r).create();
    }

    private void migrationScripts() {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("more-sql").withNamespace(ns).endMetadata()
                .withData(Map.of("V2__backfill.sql", "UPDATE orders SET processed_at = created_at;", "V1__index.sql", "CREATE INDEX i ON orders (id);"))
                .build()).create();
    }

    /** A rehearsal of the Job path: the tool's image, run with "migrate". */
    private void createJobRehearsal(String name, String image) {
        client.resource(Serialization.unmarshal("""
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata: {name: %s, namespace: %s}
                spec:
                  clone: {spec: {source: {pvcName: data}, postgres: {image: "postgres:16"}}}
                  migration: {job: {image: "%s", args: [migrate]}}
                """.formatted(name, ns, image), MigrationRehearsal.class)).create();
    }

    private MigrationRehearsal awaitComplete(String name) {
        return await().atMost(WAIT).until(() -> client.resources(MigrationRehearsal.class).inNamespace(ns).withName(name).get(),
                r -> r.getStatus() != null && r.getStatus().condition("Complete").map(c -> Condition.TRUE.equals(c.getStatus())).orElse(false));
    }

    private DatabaseClone clone(String name) {
        return client.resources(DatabaseClone.class).inNamespace(ns).withName(name).get();
    }

    private List<String> eventReasons(String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "MigrationRehearsal".equals(e.getInvolvedObject().getKind()))
                .sorted(java.util.Comparator.comparing(Event::getLastTimestamp, java.util.Comparator.nullsFirst(String::compareTo)))
                .map(Event::getReason).toList();
    }

    @Test
    void aRiskyMigrationFailsWithItsReportAndTheCloneGoes() {
        migrationScripts();
        java.util.concurrent.atomic.AtomicReference<String> publishedPassword = new java.util.concurrent.atomic.AtomicReference<>();
        harness.rehearsalRunner().answer(request -> {
            // read while the run is on: the clone and its Secrets go when the rehearsal ends
            publishedPassword.set(CloneSecrets.value(client.secrets().inNamespace(ns).withName("risky-clone-superuser").get(), "password"));
            return Rehearsals.risky().build();
        });
        MigrationRehearsal created = create("risky", """
                  limits: {maxAccessExclusiveLock: 1s, maxWorkloadLockWait: 5s}
                """);
        MigrationRehearsal done = awaitComplete("risky");

        RehearsalRunner.Request request = harness.rehearsalRunner().requests().get(0);
        assertThat(request.cloneName()).isEqualTo("risky-clone");
        assertThat(request.scripts().keySet()).as("inline first, then the ConfigMap's keys in order")
                .containsExactly("inline", "V1__index.sql", "V2__backfill.sql");
        assertThat(request.target().database()).isEqualTo("orders");
        assertThat(request.target().user()).isEqualTo("postgres");
        assertThat(publishedPassword.get()).isNotBlank();
        assertThat(request.target().password()).as("the clone's published superuser password").isEqualTo(publishedPassword.get());
        assertThat(request.target().host()).as("the clone Pod's IP").startsWith("10.0.0.");

        var status = done.getStatus();
        assertThat(status.getVerdict()).isEqualTo("Failed");
        assertThat(status.getPhase()).isEqualTo("Failed");
        assertThat(status.getReasons()).anySatisfy(r -> assertThat(r).contains("AccessExclusiveLock").contains("public.orders"));
        assertThat(status.condition("Failed").orElseThrow().getReason()).isEqualTo("AccessExclusiveLockTooLong");
        assertThat(status.condition("Passed").orElseThrow().getStatus()).isEqualTo("False");
        assertThat(status.condition("Migrated").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(status.condition("CloneReady").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(status.getSummary().getLongestAccessExclusiveLock()).contains("public.orders").contains("AccessExclusiveLock");
        assertThat(status.getReport()).isEqualTo("risky-report");
        assertThat(status.getObservedGeneration()).isEqualTo(done.getMetadata().getGeneration());

        ConfigMap report = client.configMaps().inNamespace(ns).withName("risky-report").get();
        assertThat(report.getData()).containsOnlyKeys("report.md", "report.json", "junit.xml");
        assertThat(report.getData().get("report.md")).contains("public.orders");
        assertThat(report.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        assertThat(report.getMetadata().getLabels()).containsEntry(Labels.REHEARSAL, "risky");

        await().atMost(WAIT).until(() -> clone("risky-clone") == null);
        assertThat(eventReasons("risky")).contains("Cloning", "MeasuringBaseline", "RehearsalFailed", "CloneDeleted");
    }

    @Test
    void aSafeMigrationPassesAndAKeptCloneStaysForItsTtl() {
        migrationScripts();
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        create("safe", """
                  keepClone: {ttl: 1h}
                  limits: {maxAccessExclusiveLock: 1s, maxWorkloadLockWait: 5s}
                """);
        MigrationRehearsal done = awaitComplete("safe");
        assertThat(done.getStatus().getVerdict()).as("reasons %s", done.getStatus().getReasons()).isEqualTo("Passed");
        assertThat(done.getStatus().getReasons()).isNull();
        assertThat(done.getStatus().condition("Passed").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getStatus()).isEqualTo("False");
        Instant deletion = Instant.parse(done.getStatus().getCloneDeletionTime());
        assertThat(deletion).isBetween(Instant.now().plus(Duration.ofMinutes(55)), Instant.now().plus(Duration.ofMinutes(61)));
        assertThat(clone("safe-clone")).as("kept for inspection").isNotNull();
        assertThat(eventReasons("safe")).contains("RehearsalPassed").doesNotContain("CloneDeleted");
    }

    @Test
    void anInvalidSpecEndsFailedAndCreatesNothing() {
        create("invalid", """
                  limits: {maxPlanSlowdown: 0.5}
                """);
        MigrationRehearsal done = awaitComplete("invalid");
        assertThat(done.getStatus().getVerdict()).isEqualTo("Failed");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("InvalidSpec");
        assertThat(done.getStatus().getReasons()).singleElement().asString().contains("spec.limits.maxPlanSlowdown must be 1 or more");
        assertThat(clone("invalid-clone")).isNull();
        assertThat(harness.rehearsalRunner().requests()).isEmpty();
        assertThat(eventReasons("invalid")).containsExactly("InvalidSpec");
    }

    @Test
    void aMigrationImageTheAdministratorsDidNotAllowEndsFailedAndCreatesNothing() {
        harness.restartWith(MigrationImages.of("flyway/flyway:*,liquibase/liquibase:*"));
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        createJobRehearsal("evil", "evil/tool:1");
        createJobRehearsal("flyway", "flyway/flyway:10");
        MigrationRehearsal refused = awaitComplete("evil");
        assertThat(refused.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("ImageNotAllowed");
        assertThat(refused.getStatus().getReasons()).singleElement().asString().contains("spec.migration.job.image evil/tool:1")
                .contains("flyway/flyway:*, liquibase/liquibase:*").contains("rehearsal.allowedMigrationImages");
        assertThat(eventReasons("evil")).containsExactly("ImageNotAllowed");
        assertThat(clone("evil-clone")).as("refused before anything is created").isNull();
        assertThat(client.batch().v1().jobs().inNamespace(ns).withName("evil-migration").get()).isNull();
        assertThat(client.secrets().inNamespace(ns).withName("evil-migration").get()).isNull();
        // an allowed image is not refused: it runs (its clone comes and goes with it) and passes
        MigrationRehearsal allowed = awaitComplete("flyway");
        assertThat(allowed.getStatus().getVerdict()).as("reasons %s", allowed.getStatus().getReasons()).isEqualTo("Passed");
        assertThat(harness.rehearsalRunner().requests()).as("only the allowed one ran").singleElement()
                .satisfies(request -> assertThat(request.cloneName()).isEqualTo("flyway-clone"));
    }

    @Test
    void theJobPathWakesWhenItsJobCompletesAndSeesItGoWhenItIsDeleted() {
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        harness.rehearsalRunner().awaitJobs(Duration.ofSeconds(60));
        createJobRehearsal("done", "flyway/flyway:10");
        await().atMost(WAIT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName("done-migration").get() != null);
        long completed = System.nanoTime();
        client.batch().v1().jobs().inNamespace(ns).withName("done-migration").editStatus(j -> {
            j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().addNewCondition().withType("Complete")
                    .withStatus("True").endCondition().build());
            return j;
        });
        await().atMost(WAIT).until(() -> harness.rehearsalRunner().jobOutcomes().size() == 1);
        assertThat(harness.rehearsalRunner().jobOutcomes()).containsExactly("");
        assertThat(Duration.ofNanos(System.nanoTime() - completed)).as("woken by the watch, not by the end of the 60 s wait")
                .isLessThan(Duration.ofSeconds(30));

        createJobRehearsal("deleted", "flyway/flyway:10");
        await().atMost(WAIT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName("deleted-migration").get() != null);
        client.batch().v1().jobs().inNamespace(ns).withName("deleted-migration").delete();
        await().atMost(WAIT).until(() -> harness.rehearsalRunner().jobOutcomes().size() == 2);
        assertThat(harness.rehearsalRunner().jobOutcomes().get(1)).isEqualTo("Job deleted-migration is gone");
    }

    @Test
    void someoneElsesReportConfigMapEndsTheRehearsalBeforeItRunsAndIsLeftAlone() {
        migrationScripts();
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("taken-report").withNamespace(ns).endMetadata()
                .withData(Map.of("mine", "keep me")).build()).create();
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        create("taken", "");
        MigrationRehearsal done = awaitComplete("taken");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("NameConflict");
        assertThat(done.getStatus().getReasons()).singleElement().asString().contains("ConfigMap taken-report")
                .contains("was not created by pgclone-operator");
        assertThat(harness.rehearsalRunner().requests()).as("nothing ran").isEmpty();
        assertThat(client.configMaps().inNamespace(ns).withName("taken-report").get().getData()).containsExactly(Map.entry("mine", "keep me"));
        await().atMost(WAIT).until(() -> clone("taken-clone") == null);
    }

    @Test
    void someoneElsesSecretUnderTheMigrationJobsNameEndsTheRehearsalBeforeItRuns() {
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("tool-migration").withNamespace(ns)
                .endMetadata().withStringData(Map.of("token", "theirs")).build()).create();
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        createJobRehearsal("tool", "flyway/flyway:10");
        MigrationRehearsal done = awaitComplete("tool");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("NameConflict");
        assertThat(done.getStatus().getReasons()).singleElement().asString().contains("Secret tool-migration");
        assertThat(harness.rehearsalRunner().requests()).as("nothing ran").isEmpty();
        assertThat(client.batch().v1().jobs().inNamespace(ns).withName("tool-migration").get()).isNull();
        assertThat(client.secrets().inNamespace(ns).withName("tool-migration").get().getStringData()).containsEntry("token", "theirs");
    }

    @Test
    void someoneElsesCloneUnderTheCloneNameIsNeverUsed() {
        DatabaseClone theirs = Serialization.unmarshal("""
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: squat-clone, namespace: %s}
                spec: {source: {pvcName: data}, postgres: {image: "postgres:16"}}
                """.formatted(ns), DatabaseClone.class);
        client.resource(theirs).create();
        create("squat", "");
        MigrationRehearsal done = awaitComplete("squat");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("NameConflict");
        assertThat(harness.rehearsalRunner().requests()).isEmpty();
        assertThat(clone("squat-clone")).as("their clone is left alone").isNotNull();
        assertThat(clone("squat-clone").getMetadata().getOwnerReferences()).isNullOrEmpty();
    }

    @Test
    void aMissingMigrationConfigMapIsWaitedForAndSaysSo() {
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        create("waits", "");
        MigrationRehearsal waiting = await().atMost(WAIT).until(() -> client.resources(MigrationRehearsal.class).inNamespace(ns).withName("waits").get(),
                r -> r.getStatus() != null && r.getStatus().condition("Complete").map(c -> "MigrationConfigMapNotFound".equals(c.getReason())).orElse(false));
        assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(waiting.getStatus().condition("Complete").orElseThrow().getMessage()).contains("ConfigMap more-sql");
        migrationScripts();
        assertThat(awaitComplete("waits").getStatus().getVerdict()).isEqualTo("Passed");
    }

    @Test
    void aRunCutShortByAnOperatorRestartEndsInterrupted() {
        migrationScripts();
        harness.rehearsalRunner().holdRuns();
        harness.rehearsalRunner().answer(request -> Rehearsals.safe().build());
        create("restart", "");
        await().atMost(WAIT).until(() -> client.resources(MigrationRehearsal.class).inNamespace(ns).withName("restart").get(),
                r -> r.getStatus() != null && "Migrating".equals(r.getStatus().getPhase()));
        harness.stopOperator();
        harness.rehearsalRunner().release();
        harness.startOperator();
        MigrationRehearsal done = awaitComplete("restart");
        assertThat(done.getStatus().condition("Failed").orElseThrow().getReason()).isEqualTo("RehearsalInterrupted");
        assertThat(done.getStatus().getReasons()).singleElement().asString().contains("the operator restarted");
    }
}
