package dev.pgclone.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.ScramVerifier;
import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.testkit.postgres.LocalPostgres;
import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import dev.pgclone.operator.testing.PostgresTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each .sql file of the bootstrap run alone, as the script runs it (psql -f, ON_ERROR_STOP, the
 * superuser in the psql variable {@code su}), against a real PostgreSQL holding what the file is
 * there to neutralise. The files are those the operator ships in the ConfigMap. The whole script on
 * a crash-consistent copy is {@link BootstrapScriptTest} and {@link BootstrapIsolationTest}.
 */
@PostgresTest
class BootstrapSqlTest {

    static LocalPostgres pg;
    static Path files;
    /** Statements (database, SQL) that undo what a test made, run last first, so every test starts from the fresh cluster. */
    final Deque<String[]> cleanup = new ArrayDeque<>();

    @BeforeAll
    static void startPostgres() throws IOException {
        files = LocalPostgres.newTempDir("pgclone-bootstrap-sql-");
        CloneRun.chmod(files, "rwxr-xr-x");
        for (Map.Entry<String, String> file : CloneBootstrap.files().entrySet()) {
            Path path = files.resolve(file.getKey());
            Files.writeString(path, file.getValue());
            CloneRun.chmod(path, "r--r--r--");
        }
        pg = LocalPostgres.create("bootstrap-sql");
        try {
            pg.appendConfig("max_prepared_transactions = 5");
            // subscriptions are made enabled; no apply worker may try to reach their publisher
            pg.appendConfig("max_logical_replication_workers = 0");
            pg.start();
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    @AfterAll
    static void stopPostgres() {
        try {
            if (pg != null) {
                pg.close();
            }
        } finally {
            LocalPostgres.deleteTree(files);
        }
    }

    @AfterEach
    void dropWhatTheTestMade() {
        while (!cleanup.isEmpty()) {
            String[] step = cleanup.pop();
            pg.psql(step[0], step[1]);
        }
    }

    private void undo(String sql) {
        undo("postgres", sql);
    }

    private void undo(String db, String sql) {
        cleanup.push(new String[] {db, sql});
    }

    @Test
    void isSuperuserSaysWhetherTheConnectingRoleIsOne() {
        pg.psql("CREATE ROLE sql_plain LOGIN");
        undo("DROP ROLE sql_plain");

        assertThat(runFile("postgres", "is-superuser", Map.of())).isEqualTo("t");
        assertThat(runFileAs("sql_plain", "postgres", "is-superuser", Map.of())).isEqualTo("f");
    }

    @Test
    void listDatabasesNamesThoseThatAcceptConnections() {
        pg.psql("CREATE DATABASE sql_open");
        pg.psql("CREATE DATABASE sql_closed WITH ALLOW_CONNECTIONS false");
        undo("DROP DATABASE sql_open");
        undo("DROP DATABASE sql_closed");

        assertThat(runFile("postgres", "list-databases", Map.of()).lines())
                .containsExactly("postgres", "sql_open", "template1");
    }

    @Test
    void rollbackPreparedTransactionsEndsThoseOfItsDatabaseOnly() {
        pg.psql("CREATE DATABASE sql_other");
        undo("DROP DATABASE sql_other");
        pg.psql("BEGIN; CREATE TABLE sql_locked (id int); PREPARE TRANSACTION 'held-by-production'");
        pg.psql("sql_other", "BEGIN; CREATE TABLE t (id int); PREPARE TRANSACTION 'in-the-other-database'");
        undo("sql_other", "ROLLBACK PREPARED 'in-the-other-database'");

        assertThat(runFile("postgres", "rollback-prepared-transactions", Map.of()))
                .isEqualTo("prepared transactions rolled back: 1");

        assertThat(pg.psql("SELECT string_agg(gid, ',') FROM pg_prepared_xacts")).isEqualTo("in-the-other-database");
        assertThat(pg.psql("SELECT to_regclass('sql_locked') IS NULL")).isEqualTo("t");
    }

    @Test
    void detachSubscriptionsDisablesThemDropsTheSlotNameAndThePublishersPassword() {
        pg.psql("CREATE SUBSCRIPTION sql_sub CONNECTION 'host=production.example password=publisher-secret'"
                + " PUBLICATION p WITH (connect = false, slot_name = 'production_slot')");
        undo("DROP SUBSCRIPTION sql_sub");
        undo("ALTER SUBSCRIPTION sql_sub SET (slot_name = NONE)");
        undo("ALTER SUBSCRIPTION sql_sub DISABLE");
        pg.psql("ALTER SUBSCRIPTION sql_sub ENABLE");

        assertThat(runFile("postgres", "detach-subscriptions", Map.of()))
                .isEqualTo("subscriptions disabled and detached: 1");

        assertThat(pg.psql("SELECT subenabled, subslotname IS NULL, subconninfo FROM pg_subscription WHERE subname = 'sql_sub'"))
                .isEqualTo("f|t|host=detached-by-pgclone.invalid password=none");
    }

    @Test
    void deactivateCronJobsKeepsTheJobsInactive() {
        // the shape of pg_cron's table: what the file reads of it (the real extension: BootstrapIsolationTest)
        pg.psql("CREATE SCHEMA cron; CREATE TABLE cron.job (jobid int, command text, active boolean)");
        undo("DROP SCHEMA cron CASCADE");
        pg.psql("INSERT INTO cron.job VALUES (1, 'CALL nightly()', true), (2, 'VACUUM', false)");

        assertThat(runFile("postgres", "deactivate-cron-jobs", Map.of())).isEqualTo("pg_cron jobs deactivated in this database");

        assertThat(pg.psql("SELECT count(*) || '|' || count(*) FILTER (WHERE active) FROM cron.job")).isEqualTo("2|0");
    }

    @Test
    void deactivateCronJobsDeletesThemWherePgCronHasNoActiveColumn() {
        pg.psql("CREATE SCHEMA cron; CREATE TABLE cron.job (jobid int, command text)");
        undo("DROP SCHEMA cron CASCADE");
        pg.psql("INSERT INTO cron.job VALUES (1, 'CALL nightly()')");

        runFile("postgres", "deactivate-cron-jobs", Map.of());

        assertThat(pg.psql("SELECT count(*) FROM cron.job")).isEqualTo("0");
    }

    @Test
    void deactivateCronJobsDoesNothingWithoutPgCron() {
        assertThat(runFile("postgres", "deactivate-cron-jobs", Map.of())).isEmpty();
    }

    @Test
    void dropUserMappingsDropsEveryMappingAndKeepsTheServers() {
        pg.psql("CREATE ROLE \"sql app\" LOGIN");
        pg.psql("CREATE FOREIGN DATA WRAPPER sql_fdw");
        pg.psql("CREATE SERVER sql_neighbour FOREIGN DATA WRAPPER sql_fdw");
        pg.psql("CREATE USER MAPPING FOR \"sql app\" SERVER sql_neighbour OPTIONS (password 'neighbour-secret')");
        pg.psql("CREATE USER MAPPING FOR PUBLIC SERVER sql_neighbour OPTIONS (password 'public-secret')");
        undo("DROP ROLE \"sql app\"");
        undo("DROP FOREIGN DATA WRAPPER sql_fdw CASCADE");

        assertThat(runFile("postgres", "drop-user-mappings", Map.of())).isEqualTo("user mappings dropped: 2");

        assertThat(pg.psql("SELECT count(*) FROM pg_user_mapping")).isEqualTo("0");
        assertThat(pg.psql("SELECT srvname FROM pg_foreign_server")).isEqualTo("sql_neighbour");
    }

    @Test
    void setSuperuserVerifierStoresTheVerifierAsGiven() {
        String verifier = ScramVerifier.of("the operator's password", new byte[ScramVerifier.SALT_BYTES]);
        String before = pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'");
        undo("ALTER ROLE postgres PASSWORD " + (before.isEmpty() ? "NULL" : "'" + before + "'"));

        assertThat(runFile("postgres", "set-superuser-verifier", Map.of("PGCLONE_SUPERUSER_VERIFIER", verifier))).isEqualTo("t");

        assertThat(pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")).isEqualTo(verifier);
    }

    /** The check after ALTER ROLE: anything but a verifier is hashed as a password, and the file says so. */
    @Test
    void setSuperuserVerifierReportsTextThatIsNoVerifier() {
        undo("ALTER ROLE postgres PASSWORD NULL");

        assertThat(runFile("postgres", "set-superuser-verifier", Map.of("PGCLONE_SUPERUSER_VERIFIER", "plain text"))).isEqualTo("f");
    }

    @Test
    void scrubPasswordsGivesLoginRolesUnknownPasswordsAndLeavesTheSuperuser() {
        pg.psql("CREATE ROLE sql_app LOGIN PASSWORD 'production-secret'");
        pg.psql("CREATE ROLE sql_group NOLOGIN PASSWORD 'old-secret'");
        pg.psql("CREATE ROLE sql_other LOGIN PASSWORD 'production-secret'");
        undo("DROP ROLE sql_app, sql_group, sql_other");
        String superuserBefore = pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'");
        String appBefore = pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'sql_app'");
        long loginRoles = Long.parseLong(pg.psql("SELECT count(*) FROM pg_authid WHERE rolcanlogin AND rolname <> 'postgres'"));

        assertThat(runFile("postgres", "scrub-passwords", Map.of("PGCLONE_SCRUB_KEY", "ab".repeat(32))))
                .isEqualTo("login roles given an unknown password: " + loginRoles);

        assertThat(pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'sql_app'"))
                .startsWith("SCRAM-SHA-256$").isNotEqualTo(appBefore);
        // the same production password no longer gives two roles the same secret: the oid goes into each
        assertThat(pg.psql("SELECT count(DISTINCT rolpassword) FROM pg_authid WHERE rolname IN ('sql_app', 'sql_other')")).isEqualTo("2");
        assertThat(pg.psql("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'sql_group'")).isEqualTo("t");
        assertThat(pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")).isEqualTo(superuserBefore);
    }

    @Test
    void dropReplicationSlotsDropsEverySlot() {
        pg.psql("SELECT pg_create_physical_replication_slot('sql_standby', true)");
        pg.psql("SELECT pg_create_physical_replication_slot('sql_backup')");

        assertThat(runFile("postgres", "drop-replication-slots", Map.of())).isEqualTo("replication slots dropped: 2");

        assertThat(pg.psql("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
    }

    @Test
    void resetCredentialSettingsRemovesProductionsConnectionStringsFromAutoConf() throws IOException {
        pg.psql("ALTER SYSTEM SET primary_conninfo = 'host=production.example password=replication-secret'");
        pg.psql("ALTER SYSTEM SET archive_command = 'aws s3 cp %p s3://prod/%f --key archive-secret'");
        pg.psql("ALTER SYSTEM SET work_mem = '8MB'");
        undo("ALTER SYSTEM RESET ALL");
        Path autoConf = pg.dataDir().resolve("postgresql.auto.conf");
        assertThat(Files.readString(autoConf)).contains("replication-secret", "archive-secret");

        // what it prints is the bootstrap's log line
        assertThat(runFile("postgres", "reset-credential-settings", Map.of())).startsWith("postgresql.auto.conf: primary_conninfo, ");

        assertThat(Files.readString(autoConf)).doesNotContain("replication-secret", "archive-secret", "production.example")
                .contains("work_mem = '8MB'");
    }

    /** VACUUM FULL writes the catalogs into new files: the old ones, with old row versions, go. */
    @Test
    void rewriteFilesGiveTheCredentialCatalogsNewFiles() {
        String sharedBefore = pg.psql("SELECT pg_relation_filenode('pg_authid') || ',' || pg_relation_filenode('pg_subscription')");
        String mappingsBefore = pg.psql("SELECT pg_relation_filenode('pg_user_mapping')");

        assertThat(runFile("postgres", "rewrite-shared-catalogs", Map.of()))
                .isEqualTo("pg_authid and pg_subscription rewritten without old row versions");
        assertThat(runFile("postgres", "rewrite-user-mappings", Map.of())).isEqualTo("pg_user_mapping rewritten without old row versions");

        String sharedAfter = pg.psql("SELECT pg_relation_filenode('pg_authid') || ',' || pg_relation_filenode('pg_subscription')");
        assertThat(sharedAfter.split(",")).doesNotContainAnyElementsOf(List.of(sharedBefore.split(",")));
        assertThat(pg.psql("SELECT pg_relation_filenode('pg_user_mapping')")).isNotEqualTo(mappingsBefore);
    }

    private String runFile(String db, String name, Map<String, String> env) {
        return runFileAs(LocalPostgres.SUPERUSER, db, name, env);
    }

    private String runFileAs(String user, String db, String name, Map<String, String> env) {
        return psqlFile(user, db, name, env, List.of()).requireSuccess().trim();
    }

    /** psql as the script runs it: no psqlrc, quiet, unaligned tuples, stop at the first error, su set. */
    private static LocalPostgres.Result psqlFile(String user, String db, String name, Map<String, String> env, List<String> extra) {
        List<String> command = new ArrayList<>(List.of(LocalPostgres.bin("psql"), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-v", "su=" + LocalPostgres.SUPERUSER,
                "-h", pg.socketDir().toString(), "-p", Integer.toString(pg.port()), "-U", user, "-d", db));
        command.addAll(extra);
        command.addAll(List.of("-f", files.resolve(name + ".sql").toString()));
        return Os.exec(Duration.ofSeconds(60), Os.asPostgres(command), env);
    }
}
