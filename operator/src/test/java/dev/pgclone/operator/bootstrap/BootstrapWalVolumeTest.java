package dev.pgclone.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.masking.MaskingScrub;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sources whose WAL is on a volume of its own (CloudNativePG's walStorage: pg_wal a symlink to
 * that volume), copied as the operator copies them: in one session pg_backup_start, a snapshot of
 * the data volume, pg_backup_stop, a snapshot of the WAL volume; the clone gets both and the label
 * pg_backup_stop returned. A primary and a streaming standby of it, both under a write load, both
 * made with their WAL on another directory; their directories are removed before any clone
 * starts, so the copied pg_wal links lead nowhere, as in the Pod.
 */
@PostgresTest
class BootstrapWalVolumeTest {

    static final String PASSWORD = "source-secret";

    /** One online backup: the data volume's copy, the WAL volume's (and one taken too early), the label. */
    record Backup(Path data, Path wal, Path earlyWal, Path label, String startLsn, String stopLsn, long rowsBefore) {}

    static Path root;
    static Backup primaryBackup;
    static Backup standbyBackup;
    /** pg_stat_bgwriter's checkpoints_req|checkpoints_timed of the primary before and after the standby's backup. */
    static String primaryCheckpointsBefore;
    static String primaryCheckpointsAfter;

    @BeforeAll
    static void backUpAPrimaryAndAStandbyUnderLoad() throws Exception {
        root = LocalPostgres.newTempDir("pgclone-walvolume-");
        CloneRun.chmod(root, "rwxr-xr-x");
        CloneRun.chown(root, LocalPostgres.OS_USER);
        Path primaryData = root.resolve("primary/data-volume/pgdata");
        Path primaryWal = root.resolve("primary/wal-volume");
        Path standbyData = root.resolve("standby/data-volume/pgdata");
        Path standbyWal = root.resolve("standby/wal-volume");
        for (Path dir : List.of(primaryData.getParent(), primaryWal, standbyData.getParent(), standbyWal)) {
            Files.createDirectories(dir);
            for (Path p = dir; !p.equals(root); p = p.getParent()) {
                CloneRun.chown(p, LocalPostgres.OS_USER);
            }
        }
        LocalPostgres.run(Duration.ofMinutes(2), LocalPostgres.bin("initdb"), "-D", primaryData.toString(),
                "--waldir=" + primaryWal.resolve("pg_wal"), "-U", LocalPostgres.SUPERUSER, "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--locale=C");
        assertThat(Files.isSymbolicLink(primaryData.resolve("pg_wal"))).isTrue();

        try (LocalPostgres primary = LocalPostgres.on(primaryData, root.resolve("primary/run"), new LocalPostgres.Options()).start()) {
            primary.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
            primary.psql("CREATE TABLE load (id bigserial PRIMARY KEY, payload text NOT NULL)");
            primary.psql("INSERT INTO load (payload) SELECT repeat('x', 200) FROM generate_series(1, 5000)");
            LocalPostgres.run(Duration.ofMinutes(2), LocalPostgres.bin("pg_basebackup"), "-D", standbyData.toString(),
                    "--waldir=" + standbyWal.resolve("pg_wal"), "-R", "-X", "stream", "-c", "fast", "-h",
                    primary.socketDir().toString(), "-p", Integer.toString(primary.port()), "-U", LocalPostgres.SUPERUSER);

            AtomicLong acknowledged = new AtomicLong(5000);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Exception> loadFailure = new AtomicReference<>();
            Thread load = new Thread(() -> writeLoad(primary, acknowledged, stop, loadFailure), "primary-load");
            load.start();
            try (LocalPostgres standby = LocalPostgres.on(standbyData, root.resolve("standby/run"), new LocalPostgres.Options()).start()) {
                // the source keeps writing while the backup runs
                Runnable hundredMoreRows = () -> {
                    long more = acknowledged.get() + 100;
                    BootstrapScriptTest.awaitTrue(() -> acknowledged.get() >= more || loadFailure.get() != null, Duration.ofSeconds(30));
                };
                primaryBackup = backUp(primary, primaryWal, root.resolve("primary-backup"), acknowledged::get, hundredMoreRows);

                // a checkpoint of the primary's own, for the standby's restartpoint to be at: else its
                // backup would start where the primary's did, and the primary's end-of-backup record would end it
                primary.psql("CHECKPOINT");
                long rows = acknowledged.get();
                String lsn = primary.psql("SELECT pg_current_wal_lsn()");
                BootstrapScriptTest.awaitTrue(() -> "t".equals(standby.psql("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'")),
                        Duration.ofSeconds(30));
                String checkpoints = "SELECT checkpoints_req || '|' || checkpoints_timed FROM pg_stat_bgwriter";
                primaryCheckpointsBefore = primary.psql(checkpoints);
                standbyBackup = backUp(standby, standbyWal, root.resolve("standby-backup"), () -> rows, () -> {
                    long more = rows + 100;
                    BootstrapScriptTest.awaitTrue(() -> Long.parseLong(standby.psql("SELECT max(id) FROM load")) >= more,
                            Duration.ofSeconds(30));
                });
                primaryCheckpointsAfter = primary.psql(checkpoints);
                assertThat(standby.psql("SELECT pg_is_in_recovery()")).isEqualTo("t");
            } finally {
                stop.set(true);
                load.join(30_000);
            }
            assertThat(loadFailure.get()).isNull();
        }
        // in the Pod, the source's paths do not exist: nothing may reach them through a copied symlink
        LocalPostgres.deleteTree(root.resolve("primary"));
        LocalPostgres.deleteTree(root.resolve("standby"));
    }

    @AfterAll
    static void removeBackups() {
        LocalPostgres.deleteTree(root);
    }

    @Test
    void clonesAnOnlineBackupWhoseWalIsOnAVolumeOfItsOwn() throws Exception {
        try (CloneRun clone = withWalVolume(primaryBackup, primaryBackup.wal())) {
            clone.env.put("PGCLONE_CLONE_ID", "wal-volume-clone");
            clone.start().awaitReady(Duration.ofSeconds(60));

            assertRowsOf(clone, primaryBackup);
            assertThat(clone.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(Files.readSymbolicLink(clone.pgdata.resolve("pg_wal"))).isEqualTo(walVolume(clone).resolve("pg_wal"));
            assertThat(clone.output())
                    .contains("backup label installed: recovery starts from the backup's checkpoint")
                    .contains("LOG:  starting backup recovery with redo LSN " + primaryBackup.startLsn() + ", checkpoint LSN ")
                    .contains("LOG:  completed backup recovery with redo LSN " + primaryBackup.startLsn() + " and end LSN "
                            + primaryBackup.stopLsn() + "\n")
                    .contains("phase 2: exec postgres");

            // a restarted container must not recover from the label again: its WAL is gone (pg_resetwal)
            clone.restart().awaitReady(Duration.ofSeconds(60));
            assertThat(clone.output()).doesNotContain("backup label installed", "starting backup recovery")
                    .contains("this volume was isolated by an earlier start of clone wal-volume-clone");
            assertRowsOf(clone, primaryBackup);
        }
    }

    /** Without pg_backup_stop's end-of-backup record in the WAL, recovery could stop at an inconsistent state: postgres refuses. */
    @Test
    void refusesAWalSnapshotTakenBeforePgBackupStop() throws Exception {
        try (CloneRun clone = withWalVolume(primaryBackup, primaryBackup.earlyWal())) {
            assertThat(clone.start().awaitExit(Duration.ofSeconds(60))).isEqualTo(1);

            assertThat(clone.terminationMessage()).isEqualTo("recovery from the backup label reached the end of the WAL before"
                    + " the backup's end (WAL ends before end of online backup): the WAL volume's snapshot lacks segments written"
                    + " during the backup, e.g. it was taken before pg_backup_stop returned\n");
            assertThat(clone.output()).contains("FATAL:  WAL ends before end of online backup");
            assertThat(clone.probe()).isFalse();
        }
    }

    @Test
    void clonesABackupTakenOnAStandbyAsAPrimary() throws Exception {
        // on a standby pg_backup_start makes a restartpoint there, never a checkpoint on the primary
        assertThat(primaryCheckpointsAfter).isEqualTo(primaryCheckpointsBefore);
        assertThat(Files.readString(standbyBackup.label())).contains("BACKUP FROM: standby");
        assertThat(standbyBackup.startLsn()).isNotEqualTo(primaryBackup.startLsn());
        assertThat(standbyBackup.data().resolve("standby.signal")).exists();

        try (CloneRun clone = withWalVolume(standbyBackup, standbyBackup.wal())) {
            clone.start().awaitReady(Duration.ofSeconds(60));

            assertRowsOf(clone, standbyBackup);
            assertThat(clone.psql("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(clone.pgdata.resolve("standby.signal")).doesNotExist();
            assertThat(clone.output())
                    .contains("removed standby.signal copied from the source")
                    .contains("LOG:  starting backup recovery with redo LSN " + standbyBackup.startLsn() + ", checkpoint LSN ");
            // a standby writes no end-of-backup record: the end is the minimum recovery point its pg_control had in the copy
            Matcher completed = Pattern.compile("LOG:  completed backup recovery with redo LSN "
                    + standbyBackup.startLsn() + " and end LSN (\\S+)\n").matcher(clone.output());
            assertThat(completed.find()).as(clone.output()).isTrue();
            assertThat(clone.output()).contains("LOG:  consistent recovery state reached at " + completed.group(1) + "\n");
            assertThat(clone.psql("SELECT '" + completed.group(1) + "'::pg_lsn <= '" + standbyBackup.stopLsn() + "'")).isEqualTo("t");
        }
    }

    /** The masked snapshot is the data volume alone: its WAL is a directory of it, and it starts without the WAL volume. */
    @Test
    void aMaskedSnapshotOfItHoldsItsWalItself() throws Exception {
        try (CloneRun clone = withWalVolume(primaryBackup, primaryBackup.wal())) {
            clone.env.put("PGCLONE_BUILD", "masked-snapshot");
            clone.start().awaitReady(Duration.ofSeconds(60));
            try (Connection c = clone.connect("postgres", LocalPostgres.SUPERUSER, clone.password())) {
                MaskingScrub.requestFinish(c);
            }
            assertThat(clone.awaitExit(Duration.ofSeconds(60))).as(clone.output()).isZero();

            Path wal = clone.pgdata.resolve("pg_wal");
            assertThat(Files.isSymbolicLink(wal)).isFalse();
            try (Stream<Path> files = Files.list(wal)) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).hasSize(2).contains("archive_status")
                        .anyMatch(name -> name.matches("[0-9A-F]{24}"));
            }
            LocalPostgres.deleteTree(walVolume(clone));
            clone.env.remove("PGCLONE_BUILD");
            clone.env.remove("PGCLONE_WAL_VOLUME");
            clone.env.remove("PGCLONE_WAL_DIRECTORY");
            clone.env.remove("PGCLONE_BACKUP_LABEL_FILE");
            clone.start().awaitReady(Duration.ofSeconds(60));
            assertRowsOf(clone, primaryBackup);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * The operator's copy of a source with a WAL volume: pg_backup_start in a session held open, the
     * data volume, pg_backup_stop, the WAL volume; each copy as a volume snapshot sees it. The
     * early WAL copy is taken between the data copy and pg_backup_stop.
     */
    private static Backup backUp(LocalPostgres server, Path walVolume, Path target, LongSupplier committed,
            Runnable duringTheBackup) throws Exception {
        Files.createDirectories(target);
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), credentials());
                Statement s = c.createStatement()) {
            long rowsBefore = committed.getAsLong();
            String startLsn = single(s, "SELECT pg_backup_start('pgclone', true)");
            CrashConsistentCopy.take(server, server.dataDir(), target.resolve("pgdata"));
            duringTheBackup.run();
            CrashConsistentCopy.take(server, walVolume, target.resolve("wal-early"));
            String stopLsn;
            Path label = target.resolve("backup_label");
            try (ResultSet rs = s.executeQuery("SELECT lsn, labelfile FROM pg_backup_stop()")) {
                rs.next();
                stopLsn = rs.getString(1);
                Files.writeString(label, rs.getString(2));
            }
            CrashConsistentCopy.take(server, walVolume, target.resolve("wal"));
            return new Backup(target.resolve("pgdata"), target.resolve("wal"), target.resolve("wal-early"), label, startLsn,
                    stopLsn, rowsBefore);
        }
    }

    /** A clone of the backup's data volume, its WAL volume restored beside it and the label in the bootstrap ConfigMap. */
    private static CloneRun withWalVolume(Backup backup, Path walCopy) throws IOException {
        CloneRun clone = CloneRun.of(backup.data());
        try {
            Os.exec(Duration.ofMinutes(1), List.of("cp", "-a", walCopy.toString(), walVolume(clone).toString()), null).requireSuccess();
            Path label = clone.bootstrapDir.resolve("backup_label");
            Files.copy(backup.label(), label);
            CloneRun.chmod(label, "r--r--r--");
            clone.env.put("PGCLONE_WAL_VOLUME", walVolume(clone).toString());
            clone.env.put("PGCLONE_WAL_DIRECTORY", "pg_wal");
            clone.env.put("PGCLONE_BACKUP_LABEL_FILE", label.toString());
            return clone;
        } catch (IOException | RuntimeException e) {
            clone.close();
            throw e;
        }
    }

    /** Where the clone Pod mounts the restored WAL volume (the operator's /pgclone/wal). */
    private static Path walVolume(CloneRun clone) {
        return clone.base.resolve("wal");
    }

    private static void assertRowsOf(CloneRun clone, Backup backup) {
        assertThat(clone.psql("SELECT count(*) FROM load WHERE id <= " + backup.rowsBefore()))
                .isEqualTo(Long.toString(backup.rowsBefore()));
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Properties credentials() {
        Properties props = new Properties();
        props.setProperty("user", LocalPostgres.SUPERUSER);
        props.setProperty("password", PASSWORD);
        props.setProperty("sslmode", "disable");
        return props;
    }

    /** Commits one row at a time and records the highest id whose commit returned. */
    private static void writeLoad(LocalPostgres primary, AtomicLong acknowledged, AtomicBoolean stop,
            AtomicReference<Exception> failure) {
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl("postgres"), credentials());
                PreparedStatement insert = c.prepareStatement("INSERT INTO load (payload) VALUES (repeat('y', 200)) RETURNING id")) {
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
}
