package dev.pgclone.operator.bootstrap;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.operator.testing.PostgresTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap script against real PostgreSQL: a busy "production" instance with every hazard of
 * docs/security.md, "How a copied data directory is made safe", that the start covers, a crash-consistent copy of it taken while it runs, and
 * the script started on fresh copies of that snapshot.
 */
@PostgresTest
class BootstrapScriptTest {

    static final String PROD_SUPERUSER_PASSWORD = "prod-superuser-secret";
    static final String PROD_APP_PASSWORD = "prod-app-secret";

    /** Holds the snapshot (data/) and production's WAL archive (archive/); removed after all tests. */
    static Path root;
    static Path snapshot;
    static Path archive;
    static String dataMajor;
    /** Rows whose commit production had acknowledged when the snapshot was taken. */
    static long acknowledgedBeforeSnapshot;
    static Map<String, String> archiveBefore;

    @BeforeAll
    static void snapshotABusyProduction() throws Exception {
        root = LocalPostgres.newTempDir("pgclone-bootstrap-");
        CloneRun.chmod(root, "rwxr-xr-x");
        CloneRun.chown(root, LocalPostgres.OS_USER);
        archive = root.resolve("archive");
        Files.createDirectories(archive);
        CloneRun.chown(archive, LocalPostgres.OS_USER);
        snapshot = root.resolve("data");

        try (LocalPostgres production = LocalPostgres.create("production")) {
            production.appendConfig("archive_mode = on");
            production.appendConfig("archive_command = 'test ! -f " + archive + "/%f && cp %p " + archive + "/%f'");
            production.start();
            dataMajor = Files.readString(production.dataDir().resolve("PG_VERSION")).trim();
            production.psql("ALTER ROLE postgres PASSWORD '" + PROD_SUPERUSER_PASSWORD + "'");
            production.psql("CREATE ROLE app LOGIN PASSWORD '" + PROD_APP_PASSWORD + "'");
            production.psql("CREATE TABLE load (id bigserial PRIMARY KEY, payload text NOT NULL)");
            // WAL for the clone to replay: no checkpoint follows until the snapshot
            production.psql("INSERT INTO load (payload) SELECT repeat('x', 500) FROM generate_series(1, 20000)");
            // production really archives, so a clone that kept archive_mode would write here too
            production.psql("SELECT pg_switch_wal()");
            awaitFileIn(archive, Duration.ofSeconds(30));

            AtomicLong acknowledged = new AtomicLong(Long.parseLong(production.psql("SELECT max(id) FROM load")));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> loadFailure = new AtomicReference<>();
            Thread load = new Thread(() -> writeLoad(production, acknowledged, stop, loadFailure), "production-load");
            load.start();
            try {
                long target = acknowledged.get() + 200;
                awaitTrue(() -> acknowledged.get() >= target || loadFailure.get() != null, Duration.ofSeconds(30));
                assertThat(loadFailure.get()).isNull();

                // Read only when the server starts, so the running production is unaffected but the
                // snapshot carries them: a standby's recovery state, production's synchronous
                // standby, certificates that do not exist in the pod, an hba that rejects all TCP.
                production.appendConfig("ssl = on");
                production.appendConfig("ssl_cert_file = '/nonexistent/pgclone/server.crt'");
                production.appendConfig("ssl_key_file = '/nonexistent/pgclone/server.key'");
                production.appendConfig("synchronous_standby_names = '*'");
                Files.writeString(production.dataDir().resolve("pg_hba.conf"),
                        "local all all trust\nhost all all 0.0.0.0/0 reject\nhost all all ::/0 reject\n");
                Files.writeString(production.dataDir().resolve("postgresql.auto.conf"),
                        "primary_conninfo = 'host=production.invalid port=5432 user=replicator password=repl-secret'\n"
                                + "restore_command = 'cp /nonexistent/pgclone/%f %p'\n"
                                + "recovery_target_name = 'never-reached'\n",
                        java.nio.file.StandardOpenOption.APPEND);
                Path signal = production.dataDir().resolve("standby.signal");
                Files.writeString(signal, "");
                CloneRun.chown(signal, LocalPostgres.OS_USER);

                long acknowledgedNow = acknowledged.get();
                CrashConsistentCopy.take(production, snapshot);
                acknowledgedBeforeSnapshot = acknowledgedNow;
                long target2 = acknowledged.get() + 20;
                // production keeps committing after the snapshot: it was not stopped to take it
                awaitTrue(() -> acknowledged.get() >= target2 || loadFailure.get() != null, Duration.ofSeconds(30));
                assertThat(loadFailure.get()).isNull();
            } finally {
                stop.set(true);
                load.join(30_000);
            }
        }
        // production is gone: from here on only a clone could add to the archive
        archiveBefore = listing(archive);
        assertThat(archiveBefore).isNotEmpty();
        assertThat(snapshot.resolve("postmaster.pid")).exists();
        assertThat(snapshot.resolve("standby.signal")).exists();
    }

    @AfterAll
    static void removeSnapshot() {
        LocalPostgres.deleteTree(root);
    }

    @Test
    void startsTheCopyAsAnIsolatedPrimaryWithScramOverTcp() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.parameters("""
                    # generated by the operator: its sizing first, then spec.postgres.parameters

                    shared_buffers=32MB
                    cluster_name=it's "the" clone
                    huge_pages=off
                    """);
            clone.start().awaitReady(Duration.ofSeconds(60));

            // an independent primary: no standby, no upstream, no archive, no synchronous standby, no ssl
            assertThat(clone.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(clone.pgdata.resolve("standby.signal")).doesNotExist();
            assertThat(clone.psql("SHOW archive_mode")).isEqualTo("off");
            assertThat(clone.psql("SHOW primary_conninfo")).isEmpty();
            assertThat(clone.psql("SHOW restore_command")).isEmpty();
            assertThat(clone.psql("SHOW synchronous_standby_names")).isEmpty();
            assertThat(clone.psql("SHOW ssl")).isEqualTo("off");
            assertThat(clone.psql("SHOW hba_file")).isEqualTo(clone.bootstrapDir.resolve("phase2-hba.conf").toString());
            assertThat(clone.psql("SHOW ident_file")).isEqualTo(clone.bootstrapDir.resolve("empty.conf").toString());
            assertThat(clone.psql("SHOW password_encryption")).isEqualTo("scram-sha-256");

            // the parameters file comes after the script's own settings, verbatim
            assertThat(clone.psql("SHOW shared_buffers")).isEqualTo("32MB");
            assertThat(clone.psql("SHOW cluster_name")).isEqualTo("it's \"the\" clone");
            assertThat(clone.psql("SHOW huge_pages")).isEqualTo("off");

            // crash recovery replayed every commit production had acknowledged before the snapshot
            assertThat(clone.psql("SELECT count(*) FROM load WHERE id <= " + acknowledgedBeforeSnapshot))
                    .isEqualTo(Long.toString(acknowledgedBeforeSnapshot));

            // TCP: the clone's own hba (production's rejects all TCP) and the clone's password only
            try (Connection c = clone.connect("postgres", "postgres", clone.password());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("postgres");
            }
            assertThatThrownBy(() -> clone.connect("postgres", "postgres", PROD_SUPERUSER_PASSWORD).close())
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            assertThat(clone.psql("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'"))
                    .isEqualTo("t");

            // A commit returns at once. With production's synchronous_standby_names it would wait
            // forever for a standby; statement_timeout cancels that wait with a WARNING (the commit
            // is then already local), so the test looks at the warning and the time, not an error.
            try (Connection c = clone.connect("postgres", "postgres", clone.password());
                    Statement s = c.createStatement()) {
                s.execute("SET statement_timeout = '5s'");
                Instant began = Instant.now();
                s.executeUpdate("INSERT INTO load (payload) VALUES ('written in the clone')");
                assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(4));
                assertThat((Object) s.getWarnings()).as("warnings of the commit").isNull();
            }

            // Completing a WAL segment would mark it .ready for the archiver, and archive it into
            // production's archive, if archiving were on.
            String segment = clone.psql("SELECT pg_walfile_name(pg_current_wal_lsn())");
            clone.psql("SELECT pg_switch_wal()");
            clone.psql("CHECKPOINT");
            assertThat(clone.pgdata.resolve("pg_wal/archive_status/" + segment + ".ready")).doesNotExist();
            assertThat(clone.pgdata.resolve("pg_wal/archive_status/" + segment + ".done")).doesNotExist();
            assertThat(clone.psql("SELECT archived_count + failed_count FROM pg_stat_archiver")).isEqualTo("0");
            assertThat(listing(archive)).isEqualTo(archiveBefore);

            // the verifier never reached a log or a file of the work dir
            assertThat(clone.output()).doesNotContain(clone.verifier()).contains("phase 2: exec postgres");
            assertThat(clone.phase1Log()).doesNotContain(clone.verifier()).contains("database system is ready");
            try (Stream<Path> files = Files.walk(clone.workDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(Files.readString(f)).as(f.toString()).doesNotContain(clone.verifier());
                }
            }
            assertThat(clone.alive()).isTrue();
        }
    }

    @Test
    void refusesDataOfAnotherMajorVersionWithoutStartingPostgres() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            Files.writeString(clone.pgdata.resolve("PG_VERSION"), "14\n");
            String copiedLockFile = Files.readString(clone.pgdata.resolve("postmaster.pid"));

            int exit = clone.start().awaitExit(Duration.ofSeconds(30));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage()).isEqualTo(
                    "data is PostgreSQL 14, image runs " + dataMajor + ": set spec.postgres.image to a postgres 14 image\n");
            // it stopped before touching the copy or starting any server
            assertThat(clone.workDir.resolve("phase1.log")).doesNotExist();
            assertThat(Files.readString(clone.pgdata.resolve("postmaster.pid"))).isEqualTo(copiedLockFile);
            assertThat(clone.pgdata.resolve("standby.signal")).exists();
        }
    }

    /** CloudNativePG's uid 26 on the official image has no passwd entry; nothing may need one. */
    @Test
    void runsAsTheDataOwnersUidEvenWithoutAPasswdEntry() throws Exception {
        assumeTrue(Os.isRoot(), "switching to another uid needs root");
        String uid = "4321";
        assertThat(Os.exec(Duration.ofSeconds(10), List.of("getent", "passwd", uid), null).exitCode()).isNotZero();
        try (CloneRun clone = CloneRun.asUser(snapshot, uid)) {
            Os.exec(Duration.ofSeconds(60), List.of("chown", "-R", uid + ":" + uid, clone.pgdata.toString()), null)
                    .requireSuccess();

            clone.start().awaitReady(Duration.ofSeconds(60));

            try (Connection c = clone.connect("postgres", "postgres", clone.password());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isFalse();
            }
        }
    }

    /** PostgreSQL would store anything else as a password, hashed: the Pod spec's text would then open the clone. */
    @Test
    void refusesASuperuserCredentialThatIsNotAScramVerifier() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_SUPERUSER_VERIFIER", "SCRAM-SHA-256$4096:but it is a password");

            assertThat(clone.start().awaitExit(Duration.ofSeconds(30))).isNotZero();
            assertThat(clone.terminationMessage()).isEqualTo("PGCLONE_SUPERUSER_VERIFIER is not a SCRAM-SHA-256 verifier\n");
            assertThat(clone.workDir.resolve("phase1.log")).doesNotExist();
        }
    }

    /** Debian-style sources keep postgresql.conf in /etc/postgresql, outside the volume. */
    @Test
    void startsACopyWithoutPostgresqlConf() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            Files.delete(clone.pgdata.resolve("postgresql.conf"));

            clone.start().awaitReady(Duration.ofSeconds(60));

            assertThat(clone.psql("SHOW config_file")).isEqualTo(clone.bootstrapDir.resolve("empty.conf").toString());
            assertThat(clone.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
        }
    }

    @Test
    void namesASuperuserTheDataLacksAndStopsThePrivateServer() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_SUPERUSER", "clone_admin");

            int exit = clone.start().awaitExit(Duration.ofSeconds(60));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage()).isEqualTo("the cloned data has no role clone_admin:"
                    + " set spec.postgres.superuser to a superuser role of the source\n");
            // phase 1 had started (and recovered); the failure stopped it
            assertThat(clone.phase1Log()).contains("database system is ready to accept connections");
            assertThat(clone.pgdata.resolve("postmaster.pid")).doesNotExist();
        }
    }

    @Test
    void pointsAtTheDataDirectoryWhenPgdataIsWrong() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGDATA", clone.volume.toString());

            int exit = clone.start().awaitExit(Duration.ofSeconds(30));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage()).isEqualTo(clone.volume + " has no PG_VERSION, so it is not a PostgreSQL"
                    + " data directory: the volume has a data directory at " + clone.pgdata
                    + ", so set spec.source.dataDirectory to \"pgdata\"\n");
        }
    }

    /** Production preloads an extension the clone's image does not have (e.g. timescaledb on a plain image). */
    @Test
    void namesAPreloadLibraryTheImageLacks() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            Files.writeString(clone.pgdata.resolve("postgresql.conf"),
                    "shared_preload_libraries = 'pgclone_missing_extension'\n", java.nio.file.StandardOpenOption.APPEND);

            int exit = clone.start().awaitExit(Duration.ofSeconds(60));

            assertThat(exit).isNotZero();
            assertThat(clone.terminationMessage()).startsWith("postgres could not load library ")
                    .contains("pgclone_missing_extension")
                    .contains("spec.postgres.image")
                    .hasLineCount(1);
            assertThat(clone.pgdata.resolve("postmaster.pid")).doesNotExist();
        }
    }

    /** Alpine-based postgres images run the Pod's sh as busybox ash: the same start, the same isolation. */
    @Test
    void startsTheCopyUnderBusyboxShAsOnAlpineImages() throws Exception {
        assumeTrue(Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "busybox"))), "busybox is not installed (make deps installs it)");
        try (CloneRun clone = CloneRun.of(snapshot).shell("busybox", "sh")) {
            clone.start().awaitReady(Duration.ofSeconds(60));

            assertThat(clone.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(clone.psql("SHOW archive_mode")).isEqualTo("off");
            assertThat(clone.psql("SHOW hba_file")).isEqualTo(clone.bootstrapDir.resolve("phase2-hba.conf").toString());
            try (Connection c = clone.connect("postgres", "postgres", clone.password());
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM load WHERE id <= " + acknowledgedBeforeSnapshot)) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(acknowledgedBeforeSnapshot);
            }
            // production's passwords were replaced before TCP opened
            for (String[] login : List.of(new String[] {"postgres", PROD_SUPERUSER_PASSWORD}, new String[] {"app", PROD_APP_PASSWORD})) {
                assertThatThrownBy(() -> clone.connect("postgres", login[0], login[1]).close())
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            }
            assertThat(clone.output()).doesNotContain(clone.verifier()).contains("phase 2: exec postgres");
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Commits one row at a time over TCP and records the highest id whose commit returned. */
    private static void writeLoad(LocalPostgres production, AtomicLong acknowledged, AtomicBoolean stop,
            AtomicReference<Exception> failure) {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", PROD_SUPERUSER_PASSWORD);
        try (Connection c = DriverManager.getConnection(production.jdbcUrl("postgres"), props);
                PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO load (payload) VALUES (repeat('y', 200)) RETURNING id")) {
            while (!stop.get()) {
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    acknowledged.set(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            failure.set(e);
        }
    }

    /** name -> size and modification time of every file in dir. */
    static Map<String, String> listing(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p));
            }
        }
        return files;
    }

    private static void awaitFileIn(Path dir, Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        while (listing(dir).isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("nothing archived into " + dir + " within " + timeout);
            }
            CloneRun.pause();
        }
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("condition not met within " + timeout);
            }
            CloneRun.pause();
        }
    }
}
