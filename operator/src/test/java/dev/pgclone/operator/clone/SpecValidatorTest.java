package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.resources.TestClones;
import dev.pgclone.operator.spec.Durations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every problem a user can put in a spec, and the message that tells them what to change. The
 * messages end up verbatim in the Ready condition, so they are asserted in full where they matter.
 */
class SpecValidatorTest {

    private static final String CLONE = "orders-staging";

    /** Every field set, all of it valid: the baseline each test breaks in one place. */
    private static DatabaseCloneSpec fullSpec() {
        return TestClones.clone(CLONE, "shop", """
                source:
                  pvcName: data-orders-0
                  volumeSnapshotClassName: csi-snapclass
                  dataDirectory: pgdata
                  checkpoint:
                    secretName: orders-superuser
                postgres:
                  image: postgres:16
                  runAsUser: 26
                  superuser: postgres
                  parameters:
                    work_mem: 64MB
                    shared_buffers: 1GB
                    ssl: "off"
                  resources:
                    limits:
                      memory: 2Gi
                storage:
                  storageClassName: fast-ssd
                credentials:
                  roles: [app, read-only, r2d2]
                  database: orders
                postClone:
                  sql: "UPDATE users SET email = 'user' || id || '@example.test';"
                isolation: strict
                ttl: 1h30m
                service:
                  type: ClusterIP
                """).getSpec();
    }

    private static List<String> problems(DatabaseCloneSpec spec) {
        return SpecValidator.problems(spec, CLONE);
    }

    @Test
    void aCleanSpecHasNoProblems() {
        assertThat(problems(fullSpec())).isEmpty();
        assertThat(problems(TestClones.minimal().getSpec())).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"30m,", "2h,", "90s,", "0s,not a usable duration", "30,not a usable duration",
            "99999d,not a usable duration"})
    void aScriptTimeoutMustBeAPositiveDuration(String timeout, String problem) {
        DatabaseCloneSpec spec = TestClones.minimal().getSpec();
        spec.setPostClone(new dev.pgclone.operator.api.v1alpha1.PostCloneSpec());
        spec.getPostClone().setTimeout(timeout);
        if (problem == null) {
            assertThat(problems(spec)).isEmpty();
            assertThat(Durations.scriptTimeout(spec.getPostClone())).isPositive();
        } else {
            assertThat(problems(spec)).singleElement().asString()
                    .isEqualTo("spec.postClone.timeout \"" + timeout + "\" is " + problem + ": use e.g. 30m, 2h or 90s (more than 0s, at most 3650d)");
        }
    }

    @Test
    void aSnapshotSourceIsClean() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setPvcName(null);
        spec.getSource().setSnapshotName("orders-20240601");
        assertThat(problems(spec)).isEmpty();
    }

    @Test
    void aMissingSpecOrSourceIsOneProblemAndStopsThere() {
        assertThat(problems(null)).containsExactly("spec.source is required: set spec.source.pvcName, snapshotName, cloneSource, cloudNativePG or cloudNativePGBackup");
        DatabaseCloneSpec spec = fullSpec();
        spec.setSource(null);
        // nothing else is checked: the rest of the spec may be fine, the clone cannot start anyway
        spec.setTtl("soon");
        assertThat(problems(spec)).containsExactly("spec.source is required: set spec.source.pvcName, snapshotName, cloneSource, cloudNativePG or cloudNativePGBackup");
    }

    @Test
    void exactlyOneSourceKind() {
        DatabaseCloneSpec both = fullSpec();
        both.getSource().setSnapshotName("orders-20240601");
        assertThat(problems(both)).containsExactly("set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup");

        DatabaseCloneSpec neither = fullSpec();
        neither.getSource().setPvcName(null);
        assertThat(problems(neither)).containsExactly("set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup");

        // blank is unset: a template that rendered an empty value must not count as a source
        DatabaseCloneSpec blank = fullSpec();
        blank.getSource().setPvcName(" ");
        assertThat(problems(blank)).containsExactly("set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup");
    }

    @Test
    void aCloneSourceBringsItsOwnVolumeDetailsAndImageAndForbidsIsolationNone() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setPvcName(null);
        spec.getSource().setCloneSource(new dev.pgclone.operator.api.v1alpha1.CloneSourceRef("orders", "prod"));
        assertThat(problems(spec)).containsExactly("with spec.source.cloneSource, namespace, volumeSnapshotClassName, dataDirectory and checkpoint"
                + " come from the CloneSource: remove them");

        spec.getSource().setVolumeSnapshotClassName(null);
        spec.getSource().setDataDirectory(null);
        spec.getSource().setCheckpoint(null);
        spec.setPostgres(null);
        assertThat(problems(spec)).as("the image may come from the CloneSource").isEmpty();
        assertThat(SpecValidator.effectiveProblems(spec)).containsExactly("spec.postgres.image is required: the source's major version,"
                + " e.g. postgres:16 (the CloneSource does not set spec.postgres.image either)");

        spec.setIsolation("none");
        assertThat(problems(spec)).singleElement().asString().startsWith("spec.isolation none is not allowed for a clone of a CloneSource");

        spec.setIsolation(null);
        spec.getSource().setCloneSource(new dev.pgclone.operator.api.v1alpha1.CloneSourceRef("orders", ""));
        assertThat(problems(spec)).containsExactly("spec.source.cloneSource needs both name and namespace");
    }

    @Test
    void aWalVolumeNeedsADataVolumeBesideItAndAConnectionForTheBackup() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setWalPvcName("orders-1-wal");
        assertThat(problems(spec)).isEmpty();

        spec.getSource().setCheckpoint(null);
        assertThat(problems(spec)).singleElement().asString().startsWith("spec.source.walPvcName needs spec.source.checkpoint.secretName")
                .contains("pg_backup_start");
        spec = fullSpec();
        spec.getSource().setWalPvcName(spec.getSource().getPvcName());
        assertThat(problems(spec)).containsExactly(
                "spec.source.walPvcName names the data volume spec.source.pvcName: name the source's WAL volume, or remove walPvcName");
        spec = fullSpec();
        spec.getSource().setPvcName(null);
        spec.getSource().setSnapshotName("nightly");
        spec.getSource().setWalPvcName("orders-1-wal");
        assertThat(problems(spec)).contains(
                "spec.source.walPvcName is the WAL volume beside spec.source.pvcName: set pvcName too, or remove walPvcName");
        spec = fullSpec();
        spec.getSource().setWalDirectory("pg_wal");
        assertThat(problems(spec)).containsExactly(
                "spec.source.walDirectory is a path inside spec.source.walPvcName: set walPvcName, or remove walDirectory");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../other", "wal/../../etc", "/pg_wal", " "})
    void walDirectoryMustStayInsideTheWalVolume(String dir) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setWalPvcName("orders-1-wal");
        spec.getSource().setWalDirectory(dir);
        assertThat(problems(spec)).containsExactly(
                "spec.source.walDirectory must be a relative path inside the WAL volume without '..' (e.g. pg_wal)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../other", "pgdata/../../etc", "/pgdata", "/"})
    void dataDirectoryMustStayInsideTheVolume(String dir) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setDataDirectory(dir);
        assertThat(problems(spec)).containsExactly(
                "spec.source.dataDirectory must be a relative path inside the volume without '..' (e.g. pgdata)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "pgdata", "data/16/main", "pgdata/"})
    void relativeDataDirectoriesAreFine(String dir) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setDataDirectory(dir);
        assertThat(problems(spec)).isEmpty();
    }

    @Test
    void theImageIsRequired() {
        String message = "spec.postgres.image is required: the source's major version, e.g. postgres:16";
        DatabaseCloneSpec blank = fullSpec();
        blank.getPostgres().setImage("");
        assertThat(problems(blank)).containsExactly(message);

        DatabaseCloneSpec noPostgres = fullSpec();
        noPostgres.setPostgres(null);
        assertThat(problems(noPostgres)).containsExactly(message);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1})
    void runAsUserMustNotBeRoot(long uid) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getPostgres().setRunAsUser(uid);
        assertThat(problems(spec)).containsExactly("spec.postgres.runAsUser must be the non-root uid that owns the data files "
                + "(999 official image, 26 CloudNativePG, 1001 Bitnami)");
    }

    @Test
    void runAsUserMayBeUnsetOrAnyPositiveUid() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getPostgres().setRunAsUser(null);
        assertThat(problems(spec)).isEmpty();
        spec.getPostgres().setRunAsUser(1L);
        assertThat(problems(spec)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"archive_command", "archive_library", "archive_mode", "restore_command", "primary_conninfo",
            "primary_slot_name", "recovery_target", "recovery_target_lsn", "recovery_target_name", "recovery_target_time",
            "recovery_target_xid", "recovery_target_timeline", "recovery_target_action", "hba_file", "ident_file",
            "config_file", "data_directory", "listen_addresses", "port", "unix_socket_directories", "synchronous_standby_names"})
    void settingsThatWouldReachProductionAreRefused(String name) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getPostgres().getParameters().put(name, "x");
        assertThat(problems(spec)).containsExactly("spec.postgres.parameters." + name
                + " is set by the operator to keep the clone isolated from production: remove it");
    }

    /** PostgreSQL folds setting names to lowercase: ARCHIVE_MODE=on would win over the script's archive_mode=off. */
    @ParameterizedTest
    @ValueSource(strings = {"ARCHIVE_MODE", "Archive_Command", " archive_mode", "archive_mode ", "LISTEN_ADDRESSES", "Work_Mem", "work mem", "1x"})
    void settingNamesMustBeLowercaseIdentifiers(String name) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getPostgres().getParameters().put(name, "on");
        assertThat(problems(spec)).containsExactly("spec.postgres.parameters: \"" + name
                + "\" is not a PostgreSQL setting name as the clone expects it: use the lowercase name without spaces, e.g. work_mem");
    }

    @Test
    void everyReservedSettingIsReportedInNameOrder() {
        DatabaseCloneSpec spec = fullSpec();
        Map<String, String> params = new LinkedHashMap<>(spec.getPostgres().getParameters());
        params.put("primary_conninfo", "host=prod");
        params.put("archive_mode", "on");
        params.put("port", "5433");
        spec.getPostgres().setParameters(params);

        // a stable order, so the condition message does not change between reconciles
        assertThat(problems(spec)).containsExactly(
                "spec.postgres.parameters.archive_mode is set by the operator to keep the clone isolated from production: remove it",
                "spec.postgres.parameters.port is set by the operator to keep the clone isolated from production: remove it",
                "spec.postgres.parameters.primary_conninfo is set by the operator to keep the clone isolated from production: remove it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssl", "shared_preload_libraries", "max_connections", "log_statement", "archive_timeout",
            "pg_stat_statements.track"})
    void ordinarySettingsAreTheUsers(String name) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getPostgres().getParameters().put(name, "x");
        assertThat(problems(spec)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"24h", "90m", "7d", "45s", "1h30m", "1d12h", "0s"})
    void validTtls(String ttl) {
        DatabaseCloneSpec spec = fullSpec();
        spec.setTtl(ttl);
        assertThat(problems(spec)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "24", "h", "1.5h", "1H", "1w", "-1h", "1h 30m", " 24h", "PT24H", "24hours",
            "3651d", "999999999999d", "999999999999999999999d", "99999999999999999h"})
    void invalidTtlsSayWhatAValidOneLooksLike(String ttl) {
        DatabaseCloneSpec spec = fullSpec();
        spec.setTtl(ttl);
        assertThat(problems(spec)).containsExactly(
                "spec.ttl \"" + ttl + "\" is not a usable duration: use e.g. 24h, 90m, 7d or 1h30m, at most 3650d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"App", "app_rw", "-app", "app-", "app.ro", "", "a b"})
    void rolesMustNameASecret(String role) {
        DatabaseCloneSpec spec = fullSpec();
        spec.getCredentials().setRoles(List.of(role));
        assertThat(problems(spec)).containsExactly("spec.credentials.roles: \"" + role
                + "\" cannot name a Secret <clone>-<role>: use lowercase letters, digits and '-'");
    }

    @Test
    void aNullRoleIsAProblemNotACrash() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getCredentials().setRoles(Arrays.asList("app", null));
        assertThat(problems(spec)).containsExactly(
                "spec.credentials.roles: \"null\" cannot name a Secret <clone>-<role>: use lowercase letters, digits and '-'");
    }

    @Test
    void theSecretNameOfARoleMustFitIn253Characters() {
        DatabaseCloneSpec spec = fullSpec();
        String fits = "a".repeat(253 - CLONE.length() - 1);
        spec.getCredentials().setRoles(List.of(fits));
        assertThat(problems(spec)).isEmpty();

        spec.getCredentials().setRoles(List.of(fits + "a"));
        assertThat(problems(spec)).singleElement().asString().contains("cannot name a Secret <clone>-<role>");
    }

    @Test
    void aRoleNamedSuperuserWouldOverwriteTheSuperusersSecret() {
        DatabaseCloneSpec spec = fullSpec();
        spec.getCredentials().setRoles(List.of("app", "superuser"));
        assertThat(problems(spec)).containsExactly("spec.credentials.roles: \"superuser\" would clash with Secret "
                + "<clone>-superuser: the superuser's Secret is always published");
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "Strict", "NONE", ""})
    void isolationIsStrictOrNone(String isolation) {
        DatabaseCloneSpec spec = fullSpec();
        spec.setIsolation(isolation);
        assertThat(problems(spec)).containsExactly("spec.isolation must be strict or none");
    }

    @Test
    void isolationNoneIsAllowed() {
        DatabaseCloneSpec spec = fullSpec();
        spec.setIsolation("none");
        assertThat(problems(spec)).isEmpty();
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        // a user fixing a spec should not discover the problems one reconcile at a time
        DatabaseCloneSpec spec = fullSpec();
        spec.getSource().setSnapshotName("orders-20240601");
        spec.getSource().setDataDirectory("/pgdata");
        spec.getPostgres().setRunAsUser(0L);
        Map<String, String> params = new LinkedHashMap<>(spec.getPostgres().getParameters());
        params.put("archive_command", "cp %p /archive/%f");
        spec.getPostgres().setParameters(params);
        spec.setTtl("tomorrow");
        spec.getCredentials().setRoles(new ArrayList<>(List.of("Admin", "superuser")));
        spec.setIsolation("loose");

        assertThat(problems(spec)).hasSize(8).satisfiesExactly(
                p -> assertThat(p).startsWith("set exactly one of spec.source"),
                p -> assertThat(p).startsWith("spec.source.dataDirectory"),
                p -> assertThat(p).startsWith("spec.postgres.runAsUser"),
                p -> assertThat(p).startsWith("spec.postgres.parameters.archive_command"),
                p -> assertThat(p).startsWith("spec.ttl"),
                p -> assertThat(p).startsWith("spec.credentials.roles: \"Admin\""),
                p -> assertThat(p).startsWith("spec.credentials.roles: \"superuser\""),
                p -> assertThat(p).startsWith("spec.isolation"));
    }
}
