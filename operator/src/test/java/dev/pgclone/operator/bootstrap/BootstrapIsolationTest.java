package dev.pgclone.operator.bootstrap;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.operator.testing.PostgresTest;
import static dev.pgclone.operator.bootstrap.BootstrapScriptTest.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The isolation half of the bootstrap (docs/security.md, "How a copied data directory is made safe"; the isolation steps): a production instance that
 * subscribes to a second instance (the publisher, which keeps running as production's neighbour
 * would), has replication slots, a prepared transaction, pg_cron jobs, foreign servers with user
 * mappings and login roles with known passwords. A crash-consistent copy of it, taken while it
 * runs, is started by the script; nothing in it may reach the publisher, run a job or accept a
 * production password.
 */
@PostgresTest
class BootstrapIsolationTest {

    static final String PUBLISHER_PASSWORD = "publisher-secret";
    /** In production's postgresql.auto.conf, as a former standby (or a restored one) carries it. */
    static final String UPSTREAM_PASSWORD = "upstream-replication-secret";
    /** role -> its production password; every one must stop working in the clone. */
    static final Map<String, String> PRODUCTION_LOGINS = new LinkedHashMap<>();

    static {
        PRODUCTION_LOGINS.put("postgres", "prod-superuser-secret");
        PRODUCTION_LOGINS.put("app", "prod-app-secret");
        PRODUCTION_LOGINS.put("reporting", "prod-reporting-secret");
        PRODUCTION_LOGINS.put("admin2", "prod-admin2-secret");
    }

    static Path root;
    static Path snapshot;
    static LocalPostgres publisher;
    /** restart_lsn and confirmed_flush_lsn of production's slot on the publisher, once production was gone. */
    static String publisherSlotBefore;
    /** rolname -> rolpassword (scram hash) in production. */
    static Map<String, String> productionHashes = new LinkedHashMap<>();

    @BeforeAll
    static void snapshotAProductionWithOutsideConnections() throws Exception {
        root = LocalPostgres.newTempDir("pgclone-isolation-");
        CloneRun.chmod(root, "rwxr-xr-x");
        CloneRun.chown(root, LocalPostgres.OS_USER);
        snapshot = root.resolve("data");

        publisher = LocalPostgres.create("publisher");
        publisher.appendConfig("wal_level = logical");
        publisher.start();
        publisher.psql("ALTER ROLE postgres PASSWORD '" + PUBLISHER_PASSWORD + "'");
        publisher.psql("CREATE TABLE items (id int PRIMARY KEY, v text)");
        publisher.psql("INSERT INTO items SELECT g, 'initial' FROM generate_series(1, 100) g");
        publisher.psql("CREATE PUBLICATION pub FOR TABLE items");
        String publisherConn = "host=127.0.0.1 port=" + publisher.port() + " dbname=postgres user=postgres password="
                + PUBLISHER_PASSWORD;

        try (LocalPostgres production = LocalPostgres.create("production")) {
            production.appendConfig("wal_level = logical");
            production.appendConfig("max_prepared_transactions = 4");
            production.appendConfig("shared_preload_libraries = 'pg_cron'");
            production.appendConfig("cron.database_name = 'appdb'");
            // jobs run as background workers: they need no TCP, so a launcher running in phase 1 would run them
            production.appendConfig("cron.use_background_workers = on");
            production.appendConfig("max_worker_processes = 16");
            production.start();
            production.psql("CREATE DATABASE appdb");

            production.psql("ALTER ROLE postgres PASSWORD '" + PRODUCTION_LOGINS.get("postgres") + "'");
            production.psql("CREATE ROLE app LOGIN PASSWORD '" + PRODUCTION_LOGINS.get("app") + "'");
            production.psql("CREATE ROLE reporting LOGIN PASSWORD '" + PRODUCTION_LOGINS.get("reporting") + "'");
            production.psql("CREATE ROLE admin2 SUPERUSER LOGIN PASSWORD '" + PRODUCTION_LOGINS.get("admin2") + "'");
            production.psql("CREATE ROLE readers NOLOGIN PASSWORD 'prod-group-secret'");
            production.psql("ALTER SYSTEM SET primary_conninfo = 'host=upstream.invalid user=replicator password="
                    + UPSTREAM_PASSWORD + "'");
            // production audits everything its superuser does, and slow statements of every session
            production.psql("ALTER ROLE postgres SET log_statement = 'all'");
            production.psql("ALTER DATABASE postgres SET log_min_duration_statement = 0");
            production.psql("ALTER DATABASE appdb SET log_min_duration_statement = 0");

            // logical replication from the publisher into appdb
            production.psql("appdb", "CREATE TABLE items (id int PRIMARY KEY, v text)");
            production.psql("appdb", "CREATE SUBSCRIPTION sub CONNECTION '" + publisherConn + "' PUBLICATION pub");
            awaitTrue(() -> production.psql("appdb", "SELECT count(*) FROM items").equals("100")
                    && production.psql("appdb", "SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'")
                            .equals("0"), Duration.ofSeconds(30));
            publisher.psql("INSERT INTO items VALUES (101, 'streamed')");
            awaitTrue(() -> production.psql("appdb", "SELECT count(*) FROM items WHERE id = 101").equals("1"),
                    Duration.ofSeconds(30));

            // production's own slots: a CDC consumer's logical slot and a standby's physical one
            production.psql("appdb", "SELECT pg_create_logical_replication_slot('prod_cdc', 'test_decoding')");
            production.psql("SELECT pg_create_physical_replication_slot('standby_slot', true)");

            // a prepared transaction of an outside coordinator, holding a row of ledger
            production.psql("appdb", "CREATE TABLE ledger (id int PRIMARY KEY)");
            production.psql("appdb", "BEGIN; INSERT INTO ledger VALUES (1); PREPARE TRANSACTION 'prod-2pc-1'");

            // pg_cron: a @reboot job runs the moment a launcher starts with it active; the other every minute
            production.psql("appdb", "CREATE EXTENSION pg_cron");
            production.psql("appdb", "CREATE TABLE cron_runs (port int, at timestamptz DEFAULT now())");
            String job = "INSERT INTO cron_runs (port) VALUES (current_setting(''port'')::int)";
            production.psql("appdb", "SELECT cron.schedule('reboot-canary', '@reboot', '" + job + "')");
            production.psql("appdb", "SELECT cron.schedule('every-minute', '* * * * *', '" + job + "')");

            // foreign servers with credentials for the publisher: postgres_fdw in appdb, dblink in postgres
            production.psql("appdb", "CREATE EXTENSION postgres_fdw");
            production.psql("appdb", "CREATE SERVER pubsrv FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1',"
                    + " port '" + publisher.port() + "', dbname 'postgres')");
            production.psql("appdb", "CREATE USER MAPPING FOR app SERVER pubsrv OPTIONS (user 'postgres', password '"
                    + PUBLISHER_PASSWORD + "')");
            production.psql("appdb", "CREATE USER MAPPING FOR PUBLIC SERVER pubsrv OPTIONS (user 'postgres', password '"
                    + PUBLISHER_PASSWORD + "')");
            production.psql("CREATE EXTENSION dblink");
            production.psql("CREATE SERVER publink FOREIGN DATA WRAPPER dblink_fdw OPTIONS (host '127.0.0.1', port '"
                    + publisher.port() + "', dbname 'postgres')");
            production.psql("CREATE USER MAPPING FOR postgres SERVER publink OPTIONS (user 'postgres', password '"
                    + PUBLISHER_PASSWORD + "')");

            for (String line : production.psql(
                    "SELECT rolname || '|' || rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL").split("\n")) {
                String[] parts = line.split("\\|", 2);
                productionHashes.put(parts[0], parts[1]);
            }
            assertThat(productionHashes).containsKeys("postgres", "app", "reporting", "admin2", "readers");

            // uncheckpointed writes for crash recovery, then the snapshot of the running instance
            production.psql("appdb", "CREATE TABLE filler AS SELECT g, repeat('z', 300) AS pad FROM generate_series(1, 20000) g");
            CrashConsistentCopy.take(production, snapshot);
        }
        // Production is gone, so its walsender on the publisher goes too; from here on only a
        // clone could move the slot. The publisher gets changes such a clone would be sent.
        awaitTrue(() -> publisher.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'sub'").equals("f"),
                Duration.ofSeconds(30));
        publisher.psql("INSERT INTO items SELECT g, 'after the snapshot' FROM generate_series(200, 299) g");
        publisherSlotBefore = publisherSlot();
    }

    @AfterAll
    static void cleanUp() {
        try {
            if (publisher != null) {
                publisher.close();
            }
        } finally {
            LocalPostgres.deleteTree(root);
        }
    }

    @Test
    void isolatesReplicationTransactionsJobsForeignServersAndCredentials() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            // an fsGroup-like widened mode, which PostgreSQL refuses and the script narrows
            CloneRun.chmod(clone.pgdata, "rwxrwx---");

            clone.start().awaitReady(Duration.ofSeconds(60));
            assertThat(Files.getPosixFilePermissions(clone.pgdata))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));

            // the subscription can neither start nor reach the publisher, and holds no password for it
            assertThat(clone.psql("appdb", "SELECT subname, subenabled, subslotname IS NULL FROM pg_subscription"))
                    .isEqualTo("sub|f|t");
            assertThat(clone.psql("appdb", "SELECT subconninfo FROM pg_subscription"))
                    .doesNotContain(PUBLISHER_PASSWORD).doesNotContain("127.0.0.1");
            assertThat(clone.psql("appdb", "SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL"))
                    .isEqualTo("0");

            // no slots, no prepared transactions; the prepared row is gone and its lock with it
            assertThat(clone.psql("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
            assertThat(clone.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            assertThat(clone.psql("appdb", "SELECT count(*) FROM ledger")).isEqualTo("0");
            clone.psql("appdb", "SET lock_timeout = '5s'; INSERT INTO ledger VALUES (1)");

            // cron jobs are kept, inactive
            assertThat(clone.psql("appdb", "SELECT count(*) || '/' || count(*) FILTER (WHERE active) FROM cron.job"))
                    .isEqualTo("2/0");

            // no user mapping left in any database; the servers stay
            for (String db : List.of("postgres", "appdb", "template1")) {
                assertThat(clone.psql(db, "SELECT count(*) FROM pg_user_mappings")).as(db).isEqualTo("0");
            }
            assertThat(clone.psql("appdb", "SELECT count(*) FROM pg_foreign_server")).isEqualTo("1");
            assertThat(clone.psql("SELECT count(*) FROM pg_foreign_server")).isEqualTo("1");

            // no production password opens the clone over TCP; no production hash is left
            for (Map.Entry<String, String> login : PRODUCTION_LOGINS.entrySet()) {
                assertThatThrownBy(() -> clone.connect("appdb", login.getKey(), login.getValue()).close())
                        .as(login.getKey())
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            }
            for (Map.Entry<String, String> hash : productionHashes.entrySet()) {
                assertThat(clone.psql("SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = '"
                        + hash.getKey() + "'")).as(hash.getKey()).isNotEqualTo(hash.getValue());
            }
            assertThat(clone.psql("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'readers'")).isEqualTo("t");
            assertThat(clone.psql("SELECT count(*) FROM pg_authid WHERE rolcanlogin AND rolpassword IS NULL"))
                    .isEqualTo("0");
            try (Connection c = clone.connect("appdb", "postgres", clone.password());
                    Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO items VALUES (1000, 'written in the clone')");
            }

            // pg_cron: its launcher never ran in phase 1 (it would have run the @reboot job there);
            // in phase 2 it runs, and finds nothing active
            assertThat(clone.phase1Log()).doesNotContain("pg_cron scheduler started");
            awaitTrue(() -> clone.output().contains("pg_cron scheduler started"), Duration.ofSeconds(30));
            assertThat(clone.psql("appdb", "SELECT count(*) FROM cron_runs WHERE port = " + clone.port)).isEqualTo("0");

            // the publisher: production's slot did not move and nobody streams from it
            assertThat(publisherSlot()).isEqualTo(publisherSlotBefore);
            assertThat(publisher.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'sub'")).isEqualTo("f");
            assertThat(publisher.psql("SELECT count(*) FROM pg_stat_replication")).isEqualTo("0");

            assertThat(clone.output()).doesNotContain(clone.password());
            assertThat(clone.alive()).isTrue();
        }
    }

    @Test
    void isolationNoneKeepsJobsAndUserMappingsButNotReplicationOrPasswords() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_ISOLATION", "none");
            clone.start().awaitReady(Duration.ofSeconds(60));

            assertThat(clone.psql("appdb", "SELECT count(*) FILTER (WHERE active) FROM cron.job")).isEqualTo("2");
            assertThat(clone.psql("appdb", "SELECT count(*) FROM pg_user_mappings")).isEqualTo("2");
            assertThat(clone.psql("SELECT count(*) FROM pg_user_mappings")).isEqualTo("1");
            // The active @reboot job runs as soon as phase 2's launcher starts: this is what the strict
            // test's "no run" relies on to mean something.
            awaitTrue(() -> clone.psql("appdb", "SELECT count(*) > 0 FROM cron_runs WHERE port = " + clone.port).equals("t"),
                    Duration.ofSeconds(30));

            // replication and credentials are isolated whatever the isolation setting
            assertThat(clone.psql("appdb", "SELECT subenabled, subslotname IS NULL FROM pg_subscription")).isEqualTo("f|t");
            assertThat(clone.psql("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
            assertThat(clone.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
            assertThatThrownBy(() -> clone.connect("appdb", "app", PRODUCTION_LOGINS.get("app")).close())
                    .isInstanceOf(SQLException.class);
            assertThat(publisherSlot()).isEqualTo(publisherSlotBefore);
        }
    }

    /**
     * Scrubbed means gone from the files: every production password hash, the user mappings'
     * and the subscription's password and the upstream's in postgresql.auto.conf are searched
     * for, as bytes, in every file of the data directory, WAL included. The same search finds
     * each of them in the copy of production, so it can fail.
     */
    @Test
    void noProductionCredentialIsLeftInAnyFileOfTheClone() throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        productionHashes.forEach((role, hash) -> secrets.put("hash of " + role, hash));
        secrets.put("publisher password (user mappings, subscription)", PUBLISHER_PASSWORD);
        secrets.put("upstream password (primary_conninfo)", UPSTREAM_PASSWORD);
        for (var secret : secrets.entrySet()) {
            assertThat(filesContaining(snapshot, secret.getValue())).as("production's copy holds the " + secret.getKey()).isNotEmpty();
        }

        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.start().awaitReady(Duration.ofSeconds(90));
            clone.psql("CHECKPOINT");

            for (var secret : secrets.entrySet()) {
                assertThat(filesContaining(clone.pgdata, secret.getValue())).as("files with the " + secret.getKey()).isEmpty();
            }
            // what was scrubbed still works as before: the roles exist, the copy is consistent
            assertThat(clone.psql("SELECT count(*) FROM pg_authid WHERE rolname IN ('app', 'reporting', 'admin2', 'readers')"))
                    .isEqualTo("4");
            assertThat(clone.psql("appdb", "SELECT count(*) FROM items")).isEqualTo("101");
            assertThat(clone.psql("SHOW primary_conninfo")).isEmpty();
        }
    }

    /**
     * Production logs every statement of its superuser (ALTER ROLE ... SET log_statement) and of
     * every session in its databases (ALTER DATABASE ... SET log_min_duration_statement): settings
     * that override the server's command line at session start. The bootstrap's sessions pin
     * their own, so no statement, and no verifier or password in one, reaches the Pod's log.
     */
    @Test
    void productionsStatementLoggingDoesNotReachTheBootstrapsSessions() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.start().awaitReady(Duration.ofSeconds(90));
            List<String> logs = List.of(clone.phase1Log(), clone.output());
            // the settings came with the copy and are in force for ordinary sessions: this one is logged
            assertThat(clone.psql("SHOW log_statement")).isEqualTo("all");
            awaitTrue(() -> clone.output().contains("statement: SHOW log_statement"), Duration.ofSeconds(10));

            for (String log : logs) {
                assertThat(log).doesNotContain(clone.verifier()).doesNotContain("SCRAM-SHA-256$")
                        .doesNotContain("statement: ").doesNotContain("duration: ").doesNotContain("PASSWORD");
            }
        }
    }

    /** Regular files under {@code dir} whose bytes contain {@code value} (UTF-8). */
    static List<Path> filesContaining(Path dir, String value) throws java.io.IOException {
        byte[] needle = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> contains(read(f), needle)).toList();
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void aRestartedCloneKeepsWhatChangedSinceButACopyOfItIsIsolatedAgain() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_CLONE_ID", "uid-of-clone-a");
            clone.start().awaitReady(Duration.ofSeconds(60));
            // what the operator's preparation does last: the published passwords
            clone.psql("ALTER ROLE app PASSWORD 'set-by-the-operator'");
            clone.psql("ALTER ROLE postgres PASSWORD 'published-superuser'");
            clone.connect("appdb", "app", "set-by-the-operator").close();

            clone.restart().awaitReady(Duration.ofSeconds(60));
            clone.connect("appdb", "app", "set-by-the-operator").close();
            // the restart gave the superuser no credential back: the published one stays, the operator's stays gone
            clone.connect("appdb", "postgres", "published-superuser").close();
            assertThatThrownBy(() -> clone.connect("appdb", "postgres", clone.password()).close())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            assertThat(clone.output()).contains("isolated by an earlier start of clone uid-of-clone-a");

            // the same volume under another clone's id (a clone of this clone): isolated in full
            clone.env.put("PGCLONE_CLONE_ID", "uid-of-clone-b");
            clone.restart().awaitReady(Duration.ofSeconds(60));
            assertThatThrownBy(() -> clone.connect("appdb", "app", "set-by-the-operator").close())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            assertThat(Files.readString(clone.pgdata.resolve("pgclone_isolated"))).isEqualTo("uid-of-clone-b\n");
        }
    }

    @Test
    void refusesDataOwnedByAnotherUid() throws Exception {
        assumeTrue(Os.isRoot(), "switching to another uid needs root");
        try (CloneRun clone = CloneRun.asUser(snapshot, "nobody")) {
            int exit = clone.start().awaitExit(Duration.ofSeconds(30));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage()).isEqualTo("data directory " + clone.pgdata + " is owned by uid "
                    + uid("postgres") + ", the clone runs as uid " + uid("nobody")
                    + ": set spec.postgres.runAsUser to " + uid("postgres") + "\n");
            assertThat(clone.workDir.resolve("phase1.log")).doesNotExist();
            // never chown: the copy is still owned by the source's uid
            assertThat(Files.getOwner(clone.pgdata).getName()).isEqualTo("postgres");
        }
    }

    @Test
    void refusesWalOnAnotherVolume() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            Path walVolume = clone.base.resolve("wal-volume");
            Files.createDirectories(walVolume);
            Path wal = walVolume.resolve("pg_wal");
            Os.exec(Duration.ofSeconds(60), List.of("mv", clone.pgdata.resolve("pg_wal").toString(), wal.toString()), null)
                    .requireSuccess();
            Files.createSymbolicLink(clone.pgdata.resolve("pg_wal"), wal);

            int exit = clone.start().awaitExit(Duration.ofSeconds(30));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage())
                    .startsWith("pg_wal in the data directory is a symlink to " + wal + ", outside the cloned volume "
                            + clone.volume + ": ")
                    .contains("so set spec.source.walPvcName to it (and spec.source.walDirectory")
                    .endsWith("\n")
                    .hasLineCount(1);
            assertThat(clone.workDir.resolve("phase1.log")).doesNotExist();
        }
    }

    @Test
    void refusesTablespacesOnAnotherVolume() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            Path elsewhere = clone.base.resolve("tablespace-volume");
            Files.createDirectories(elsewhere);
            Files.createSymbolicLink(clone.pgdata.resolve("pg_tblspc/16999"), elsewhere);

            int exit = clone.start().awaitExit(Duration.ofSeconds(30));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage())
                    .startsWith("tablespace 16999 is at " + elsewhere + ", outside the cloned volume " + clone.volume);
        }
    }

    private static String publisherSlot() {
        return publisher.psql("SELECT restart_lsn || ' ' || confirmed_flush_lsn FROM pg_replication_slots"
                + " WHERE slot_name = 'sub'");
    }

    private static String uid(String user) {
        return Os.exec(Duration.ofSeconds(10), List.of("id", "-u", user), null).requireSuccess().trim();
    }
}
