package dev.pgclone.operator.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a rehearsal spec must hold before anything is created, and the defaults the plan gets. */
class RehearsalValidatorTest {

    static MigrationRehearsal rehearsal(String name, String spec) {
        return Serialization.unmarshal("""
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata: {name: %s, namespace: app, uid: 0f0e0d0c-0000-4000-8000-000000000001}
                spec: %s
                """.formatted(name, spec), MigrationRehearsal.class);
    }

    static final String CLONE = "clone: {spec: {source: {pvcName: data}, postgres: {image: \"postgres:16\"}, credentials: {database: orders}}}";

    @Test
    void aMinimalSqlRehearsalGetsEveryDefault() {
        var result = RehearsalValidator.validate(rehearsal("r", "{" + CLONE + ", migration: {sql: {inline: \"ALTER TABLE t ADD c int\"}}}"));
        assertThat(result.problems()).isEmpty();
        RehearsalPlan plan = result.plan();
        assertThat(plan.database()).as("the clone's credentials.database").isEqualTo("orders");
        assertThat(plan.migrationTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(plan.jobPath()).isFalse();
        assertThat(plan.hasWorkload()).isFalse();
        assertThat(plan.baseline()).isZero();
        assertThat(plan.limits()).isEqualTo(Limits.NONE);
        assertThat(plan.keepClone()).isNull();
    }

    @Test
    void limitsWorkloadAndChecksAreParsed() {
        var result = RehearsalValidator.validate(rehearsal("r", "{" + CLONE + ", database: app, migration: {sql: {configMapName: m}, lockTimeout: 3s, timeout: 5m},"
                + " workload: {baseline: 1500ms, lockTimeout: 2s, queries: [{name: q, sql: \"SELECT 1\", rate: 5, concurrency: 2}],"
                + " pgbench: {script: \"SELECT 1;\", clients: 3}},"
                + " checks: {validations: [{name: v, sql: \"SELECT 0\", value: \"0\", comparison: \"<=\"}], explain: [{name: e, sql: \"SELECT 1\"}]},"
                + " limits: {maxAccessExclusiveLock: 1s, maxWriteBlockingLock: 500ms, maxWorkloadLockWait: 2s, maxDuration: 10m,"
                + " maxRewriteSize: 100Mi, maxPlanSlowdown: 2.5, maxWorkloadErrors: 3}, keepClone: {ttl: 2h}}"));
        assertThat(result.problems()).isEmpty();
        RehearsalPlan plan = result.plan();
        assertThat(plan.database()).isEqualTo("app");
        assertThat(plan.lockTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(plan.migrationTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(plan.baseline()).isEqualTo(Duration.ofMillis(1500));
        assertThat(plan.workloadLockTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(plan.workload()).singleElement().satisfies(q -> {
            assertThat(q.ratePerSecond()).isEqualTo(5);
            assertThat(q.concurrency()).isEqualTo(2);
        });
        assertThat(plan.pgbenchClients()).isEqualTo(3);
        assertThat(plan.pgbenchRate()).isEqualTo(RehearsalValidator.DEFAULT_RATE);
        assertThat(plan.validations()).singleElement().satisfies(v -> assertThat(v.comparison()).isEqualTo("<="));
        assertThat(plan.explain()).containsEntry("e", "SELECT 1");
        assertThat(plan.limits()).isEqualTo(new Limits(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMinutes(10),
                100L * 1024 * 1024, 2.5, 3L));
        assertThat(plan.keepClone()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void everyProblemIsReportedAtOnceNamingItsField() {
        var result = RehearsalValidator.validate(rehearsal("r", "{clone: {spec: {source: {pvcName: data}, postgres: {image: \"postgres:16\"}, ttl: 1h}},"
                + " migration: {sql: {inline: \"SELECT 1\"}, job: {image: flyway}, timeout: soon},"
                + " workload: {queries: [{name: q, sql: \"SELECT 1\", concurrency: 16}, {name: q, sql: \"SELECT 2\", concurrency: 16},"
                + " {name: " + "x".repeat(37) + ", sql: \"SELECT 3\"}]},"
                + " checks: {validations: [{name: v, sql: \"SELECT 1\"}]}, limits: {maxRewriteSize: lots, maxPlanSlowdown: 0.5}}"));
        assertThat(result.valid()).isFalse();
        assertThat(String.join("\n", result.problems()))
                .contains("spec.clone.spec.ttl is not allowed")
                .contains("spec.migration needs exactly one of sql")
                .contains("spec.workload.queries[1].name \"q\" is used twice")
                .contains("at most 36")
                .contains("opens 33 sessions")
                .contains("expects either rows or value")
                .contains("spec.limits.maxRewriteSize \"lots\" is not a size")
                .contains("spec.limits.maxPlanSlowdown must be 1 or more");
    }

    @Test
    void theJobPathMayNotOverrideTheConnectionOrSetTheSqlLockTimeout() {
        var result = RehearsalValidator.validate(rehearsal("r", "{" + CLONE + ", migration: {lockTimeout: 1s,"
                + " job: {image: \"flyway/flyway:10\", env: [{name: PGHOST, value: evil.example}, {name: FLYWAY_LOCATIONS, value: x}]}}}"));
        assertThat(String.join("\n", result.problems()))
                .contains("spec.migration.job.env: PGHOST is set by the rehearsal")
                .contains("lockTimeout applies to the sql path only")
                .doesNotContain("FLYWAY_LOCATIONS");
    }

    @Test
    void aNameTooLongForItsCloneIsRefused() {
        var result = RehearsalValidator.validate(rehearsal("r" + "e".repeat(57), "{" + CLONE + ", migration: {sql: {inline: \"SELECT 1\"}}}"));
        assertThat(String.join("\n", result.problems())).contains("at most 57").contains("<rehearsal>-clone");
    }

    @Test
    void millisecondDurationsParse() {
        var result = RehearsalValidator.validate(rehearsal("r", "{" + CLONE + ", migration: {sql: {inline: \"SELECT 1\"}},"
                + " limits: {maxAccessExclusiveLock: 1s250ms, maxWorkloadLockWait: 1 second}}"));
        assertThat(result.problems()).singleElement().asString().contains("spec.limits.maxWorkloadLockWait \"1 second\" is not a duration");
    }
}
