package dev.pgclone.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health checks in examples/argocd/argocd-cm-health.yaml, run as Argo CD runs them
 * (the script with a global {@code obj}, returning a table with status and message) against
 * objects built from the operator's own model and serialized as the API server would return them.
 */
class ArgoCdHealthTest {

    static final Path CONFIG = ExamplesParseTest.EXAMPLES.resolve("argocd").resolve("argocd-cm-health.yaml");
    static final String CLONE_KEY = "resource.customizations.health.pgclone.dev_DatabaseClone";
    static final String SCHEDULE_KEY = "resource.customizations.health.pgclone.dev_RefreshSchedule";

    static String cloneScript;
    static String scheduleScript;

    record Health(String status, String message) {}

    @BeforeAll
    static void load() throws IOException {
        List<JsonNode> docs = ExamplesParseTest.documents(Files.readString(CONFIG));
        assertThat(docs).hasSize(1);
        JsonNode data = docs.get(0).path("data");
        List<String> keys = new ArrayList<>();
        data.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("argocd-cm keys").containsExactlyInAnyOrder(CLONE_KEY, SCHEDULE_KEY);
        cloneScript = data.get(CLONE_KEY).asText();
        scheduleScript = data.get(SCHEDULE_KEY).asText();
    }

    // ------------------------------------------------------------------------------ DatabaseClone

    @Test
    void aCloneWithoutStatusIsProgressing() {
        Health h = run(cloneScript, clone(null));
        assertThat(h.status()).isEqualTo("Progressing");
        assertThat(h.message()).contains("Waiting");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Pending", "Snapshotting", "Restoring", "Starting", "Preparing"})
    void aCloneOnItsWayIsProgressingWithItsPhase(String phase) {
        DatabaseCloneStatus status = cloneStatus(phase);
        status.getConditions().add(condition("Ready", "False", phase, "running post-clone SQL"));
        Health h = run(cloneScript, clone(status));
        assertThat(h.status()).isEqualTo("Progressing");
        assertThat(h.message()).isEqualTo(phase + ": running post-clone SQL");
    }

    @Test
    void aReadyCloneIsHealthyWithItsEndpoint() {
        DatabaseCloneStatus status = cloneStatus("Ready");
        status.getConditions().add(condition("Prepared", "True", "Prepared", "2 steps"));
        status.getConditions().add(condition("Ready", "True", "Ready", "serving"));
        status.setEndpoint(new DatabaseCloneStatus.Endpoint("orders-staging.default.svc", 5432));
        Health h = run(cloneScript, clone(status));
        assertThat(h).isEqualTo(new Health("Healthy", "Ready at orders-staging.default.svc:5432"));
    }

    @Test
    void aFailedCloneIsDegradedWithTheFailingConditionsReasonAndMessage() {
        DatabaseCloneStatus status = cloneStatus("Failed");
        status.getConditions().add(condition("SnapshotReady", "True", "SnapshotReady", "ready"));
        status.getConditions().add(condition("PostgresStarted", "False", "BootstrapFailed",
                "data is PostgreSQL 15, image runs 16: set spec.postgres.image"));
        status.getConditions().add(condition("Ready", "False", "BootstrapFailed", "the clone's postgres did not start"));
        Health h = run(cloneScript, clone(status));
        assertThat(h).isEqualTo(new Health("Degraded", "BootstrapFailed: data is PostgreSQL 15, image runs 16: set spec.postgres.image"));
    }

    @Test
    void aReadyCloneWhoseNewSpecIsNotActedOnYetIsProgressing() {
        DatabaseCloneStatus status = cloneStatus("Ready");
        status.getConditions().add(condition("Ready", "True", "Ready", "serving"));
        status.setObservedGeneration(1L);
        DatabaseClone clone = clone(status);
        clone.getMetadata().setGeneration(2L);
        assertThat(run(cloneScript, clone).status()).isEqualTo("Progressing");
        clone.getMetadata().setGeneration(1L);
        assertThat(run(cloneScript, clone).status()).isEqualTo("Healthy");
    }

    // ------------------------------------------------------------------------------ RefreshSchedule

    @Test
    void aScheduleWithoutStatusIsProgressing() {
        assertThat(run(scheduleScript, schedule(null, false)).status()).isEqualTo("Progressing");
    }

    @Test
    void aScheduleWhoseCloneServesIsHealthy() {
        RefreshScheduleStatus status = scheduleStatus("orders-nightly-202506010100");
        status.getConditions().add(condition("Ready", "True", "CloneServing", "Service orders-nightly selects clone orders-nightly-202506010100"));
        status.getConditions().add(condition("Refreshed", "Unknown", "Refreshing", "clone orders-nightly-202506020100 is Starting"));
        assertThat(run(scheduleScript, schedule(status, false))).isEqualTo(new Health("Healthy", "Serving orders-nightly-202506010100"));
    }

    @Test
    void aScheduleWhoseLatestRunFailedIsDegradedAndSaysWhichCloneStillServes() {
        RefreshScheduleStatus status = scheduleStatus("orders-nightly-202506010100");
        status.getConditions().add(condition("Ready", "True", "CloneServing", "serving"));
        status.getConditions().add(condition("Refreshed", "False", "PostCloneSqlFailed", "clone orders-nightly-202506020100 failed"));
        Health h = run(scheduleScript, schedule(status, false));
        assertThat(h.status()).isEqualTo("Degraded");
        assertThat(h.message()).contains("orders-nightly-202506010100 still serves", "PostCloneSqlFailed: clone orders-nightly-202506020100 failed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"InvalidSchedule", "InvalidTimeZone", "InvalidSpec", "InvalidName"})
    void anInvalidScheduleIsDegraded(String reason) {
        RefreshScheduleStatus status = scheduleStatus(null);
        status.getConditions().add(condition("Ready", "False", reason, "spec.schedule \"0 3 * *\" is not a cron expression"));
        status.getConditions().add(condition("Refreshed", "False", reason, "spec.schedule \"0 3 * *\" is not a cron expression"));
        assertThat(run(scheduleScript, schedule(status, false)))
                .isEqualTo(new Health("Degraded", reason + ": spec.schedule \"0 3 * *\" is not a cron expression"));
    }

    @Test
    void aScheduleWhoseServingCloneIsGoneIsDegraded() {
        RefreshScheduleStatus status = scheduleStatus("orders-nightly-202506010100");
        status.getConditions().add(condition("Ready", "False", "CloneNotReady", "clone orders-nightly-202506010100 no longer exists"));
        assertThat(run(scheduleScript, schedule(status, false)).status()).isEqualTo("Degraded");
    }

    @Test
    void aScheduleMakingItsFirstCloneIsProgressing() {
        RefreshScheduleStatus status = scheduleStatus(null);
        status.getConditions().add(condition("Ready", "False", "Waiting", "waiting for the first clone orders-nightly-202506010100"));
        status.getConditions().add(condition("Refreshed", "Unknown", "Refreshing", "clone orders-nightly-202506010100 is Restoring"));
        assertThat(run(scheduleScript, schedule(status, false)))
                .isEqualTo(new Health("Progressing", "Waiting: waiting for the first clone orders-nightly-202506010100"));
    }

    @Test
    void aScheduleWaitingForItsFirstRunTimeOrSuspendedIsSuspended() {
        RefreshScheduleStatus status = scheduleStatus(null);
        status.getConditions().add(condition("Ready", "False", "NoCloneYet", "no clone yet: the first run is at 2025-06-01T01:00:00Z"));
        status.getConditions().add(condition("Refreshed", "Unknown", "NoRunYet", "no clone yet"));
        assertThat(run(scheduleScript, schedule(status, false)))
                .isEqualTo(new Health("Suspended", "no clone yet: the first run is at 2025-06-01T01:00:00Z"));
        assertThat(run(scheduleScript, schedule(status, true)).status()).isEqualTo("Suspended");
    }

    @Test
    void aFirstCloneThatFailedIsDegraded() {
        RefreshScheduleStatus status = scheduleStatus(null);
        status.getConditions().add(condition("Ready", "False", "BootstrapFailed", "the first clone failed"));
        status.getConditions().add(condition("Refreshed", "False", "BootstrapFailed", "clone orders-nightly-202506010100 failed: wrong uid"));
        assertThat(run(scheduleScript, schedule(status, false)))
                .isEqualTo(new Health("Degraded", "BootstrapFailed: clone orders-nightly-202506010100 failed: wrong uid"));
    }

    // ------------------------------------------------------------------------------ running the Lua

    /** As Argo CD does: the object, converted from its JSON, in the global obj; the chunk returns the health table. */
    static Health run(String script, HasMetadata object) {
        Map<?, ?> json = Serialization.jsonMapper().convertValue(object, Map.class);
        Globals globals = JsePlatform.standardGlobals();
        globals.set("obj", lua(json));
        LuaValue result = globals.load(script, "health.lua").call();
        assertThat(result.istable()).as("the script returns a table").isTrue();
        LuaValue status = result.get("status");
        LuaValue message = result.get("message");
        assertThat(status.isstring()).as("health status is a string").isTrue();
        assertThat(status.tojstring()).isIn("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
        return new Health(status.tojstring(), message.isnil() ? null : message.tojstring());
    }

    static LuaValue lua(Object value) {
        if (value instanceof Map<?, ?> map) {
            LuaTable table = new LuaTable();
            map.forEach((k, v) -> {
                if (v != null) {
                    table.set(String.valueOf(k), lua(v));
                }
            });
            return table;
        }
        if (value instanceof List<?> list) {
            LuaTable table = new LuaTable();
            for (int i = 0; i < list.size(); i++) {
                table.set(i + 1, lua(list.get(i)));
            }
            return table;
        }
        if (value instanceof Boolean b) {
            return LuaValue.valueOf(b);
        }
        if (value instanceof Number n) {
            return LuaValue.valueOf(n.doubleValue());
        }
        return LuaValue.valueOf(String.valueOf(value));
    }

    // ------------------------------------------------------------------------------ sample objects

    static DatabaseClone clone(DatabaseCloneStatus status) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName("orders-staging").withNamespace("default").withGeneration(1L).build());
        clone.setSpec(new DatabaseCloneSpec());
        clone.setStatus(status);
        return clone;
    }

    static DatabaseCloneStatus cloneStatus(String phase) {
        DatabaseCloneStatus status = new DatabaseCloneStatus();
        status.setPhase(phase);
        status.setObservedGeneration(1L);
        return status;
    }

    static RefreshSchedule schedule(RefreshScheduleStatus status, boolean suspend) {
        RefreshSchedule schedule = new RefreshSchedule();
        schedule.setMetadata(new ObjectMetaBuilder().withName("orders-nightly").withNamespace("default").withGeneration(1L).build());
        RefreshScheduleSpec spec = new RefreshScheduleSpec();
        spec.setSchedule("0 3 * * *");
        spec.setSuspend(suspend);
        schedule.setSpec(spec);
        schedule.setStatus(status);
        return schedule;
    }

    static RefreshScheduleStatus scheduleStatus(String active) {
        RefreshScheduleStatus status = new RefreshScheduleStatus();
        status.setActiveClone(active);
        status.setObservedGeneration(1L);
        return status;
    }

    static Condition condition(String type, String status, String reason, String message) {
        return new Condition(type, status, reason, message, 1L, "2025-06-01T01:00:00Z");
    }
}
