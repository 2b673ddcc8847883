package dev.pgclone.operator.postgres;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.operator.testing.PostgresTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CHECKPOINT against a real PostgreSQL standing in for production. */
@PostgresTest
class JdbcSourceCheckpointerTest {

    private static final String PASSWORD = "prod+pw/with:chars@1";
    private static LocalPostgres pg;
    private final JdbcSourceCheckpointer checkpointer = new JdbcSourceCheckpointer();

    @BeforeAll
    static void startSource() {
        pg = LocalPostgres.create("source");
        // no timed checkpoint during the test: the only one that can happen is the one asked for
        pg.appendConfig("checkpoint_timeout = 1d");
        pg.appendConfig("max_wal_size = 10GB");
        pg.start();
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        pg.psql("CREATE ROLE plain LOGIN PASSWORD 'plain-password-1'");
    }

    @AfterAll
    static void stopSource() {
        if (pg != null) {
            pg.close();
        }
    }

    private static String checkpointLsn() {
        return pg.psql("SELECT checkpoint_lsn FROM pg_control_checkpoint()");
    }

    private static void writeSomeWal() {
        pg.psql("CREATE TABLE IF NOT EXISTS churn (id int); INSERT INTO churn SELECT generate_series(1, 1000)");
    }

    @Test
    void runsACheckpointOnTheSource() {
        writeSomeWal();
        String before = checkpointLsn();
        // control: writing WAL alone does not move the checkpoint
        writeSomeWal();
        assertThat(checkpointLsn()).isEqualTo(before);
        // the URI layout, with percent-encoded password characters
        String uri = "postgresql://postgres:" + PASSWORD.replace("+", "%2B").replace("/", "%2F").replace(":", "%3A").replace("@", "%40")
                + "@127.0.0.1:" + pg.port() + "/postgres";

        CheckpointResult result = checkpointer.checkpoint(SourceConnection.fromSecretData(Map.of("uri", uri)), Duration.ofSeconds(10));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.durationSeconds()).isBetween(0.0, 10.0);
        assertThat(result.message()).startsWith("CHECKPOINT on the source at 127.0.0.1:" + pg.port() + " took ");
        String after = checkpointLsn();
        assertThat(pg.psql("SELECT '" + after + "'::pg_lsn > '" + before + "'::pg_lsn")).isEqualTo("t");
    }

    @Test
    void worksWithTheCloudNativePgLayout() {
        writeSomeWal();
        String before = checkpointLsn();
        Map<String, String> secret = Map.of("username", "postgres", "password", PASSWORD, "host", "127.0.0.1",
                "port", Integer.toString(pg.port()), "dbname", "*");

        CheckpointResult result = checkpointer.checkpoint(SourceConnection.fromSecretData(secret, "prod"), Duration.ofSeconds(10));

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(checkpointLsn()).isNotEqualTo(before);
    }

    @Test
    void aWrongPasswordFailsWithAMessageAndNoPassword() {
        SourceConnection source = new SourceConnection("127.0.0.1", pg.port(), "postgres", "wrong-password-5", null, null);

        CheckpointResult result = checkpointer.checkpoint(source, Duration.ofSeconds(5));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.message()).startsWith("cannot log in to the source at 127.0.0.1:" + pg.port() + " as \"postgres\"")
                .contains("SQLSTATE 28P01").contains("spec.source.checkpoint").doesNotContain("wrong-password-5");
        assertThat(result.durationSeconds()).isLessThan(5.0);
    }

    @Test
    void aRoleWithoutThePrivilegeIsToldHowToGetIt() {
        SourceConnection plain = new SourceConnection("127.0.0.1", pg.port(), "plain", "plain-password-1", null, null);

        CheckpointResult result = checkpointer.checkpoint(plain, Duration.ofSeconds(5));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.message()).startsWith("role \"plain\" may not run CHECKPOINT").contains("SQLSTATE 42501")
                .contains("pg_checkpoint");
        // the advice works where the role exists (PostgreSQL 15 and later)
        assumeThat(Integer.parseInt(pg.psql("SHOW server_version_num"))).isGreaterThanOrEqualTo(150000);
        pg.psql("GRANT pg_checkpoint TO plain");
        assertThat(checkpointer.checkpoint(plain, Duration.ofSeconds(5)).succeeded()).isTrue();
    }

    @Test
    void anUnreachableSourceFailsAtOnce() {
        int closed = LocalPostgres.freePort();
        SourceConnection source = new SourceConnection("127.0.0.1", closed, "postgres", PASSWORD, null, null);

        CheckpointResult result = checkpointer.checkpoint(source, Duration.ofSeconds(5));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.message()).startsWith("cannot connect to the source at 127.0.0.1:" + closed + " within 5 s (");
        assertThat(result.durationSeconds()).isLessThan(3.0);
    }

    @Test
    void aSourceThatNeverAnswersIsBoundedByTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closedAtEnd) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            SourceConnection source = new SourceConnection("127.0.0.1", silent.getLocalPort(), "postgres", PASSWORD, null, null);

            long start = System.nanoTime();
            CheckpointResult result = checkpointer.checkpoint(source, Duration.ofSeconds(1));
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(result.succeeded()).isFalse();
            assertThat(result.message()).startsWith("cannot connect to the source");
            assertThat(seconds).isBetween(0.9, 3.0);
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void anSslModeTheSourceCannotHonourIsNamed() {
        SourceConnection source = new SourceConnection("127.0.0.1", pg.port(), "postgres", PASSWORD, null, "require");

        CheckpointResult result = checkpointer.checkpoint(source, Duration.ofSeconds(5));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.message()).contains("does not support SSL").contains("check sslmode");
    }
    private static SourceConnection superuser() {
        return SourceConnection.fromSecretData(Map.of("username", "postgres", "password", PASSWORD, "host", "127.0.0.1",
                "port", Integer.toString(pg.port())));
    }

    @Test
    void anOnlineBackupRunsTheWindowBetweenStartAndStopAndReturnsTheLabel() {
        writeSomeWal();
        String before = checkpointLsn();
        List<String> during = new ArrayList<>();

        BackupResult result = checkpointer.backup(superuser(), Duration.ofSeconds(10), () -> {
            // inside the window pg_backup_start has run: its fast checkpoint is done, and the session holding it waits
            during.add(checkpointLsn());
            return "window ran";
        });

        assertThat(result.succeeded()).as(result.message()).isTrue();
        assertThat(result.fromStandby()).isFalse();
        assertThat(result.message()).contains("online backup on the source at 127.0.0.1:" + pg.port()).contains("window ran");
        // the label PostgreSQL wrote: where recovery starts, and that it came from a primary
        assertThat(result.backupLabel()).startsWith("START WAL LOCATION: ").contains("CHECKPOINT LOCATION: ")
                .contains("BACKUP FROM: primary").contains("LABEL: pgclone");
        // the fast checkpoint of pg_backup_start moved the source's checkpoint before the window, and it is where recovery starts
        assertThat(during).singleElement().satisfies(lsn -> {
            assertThat(pg.psql("SELECT '" + lsn + "'::pg_lsn > '" + before + "'::pg_lsn")).isEqualTo("t");
            assertThat(result.backupLabel()).contains("CHECKPOINT LOCATION: " + lsn);
        });
    }

    @Test
    void aFailingWindowAbortsTheBackupAndSaysWhy() {
        BackupResult result = checkpointer.backup(superuser(), Duration.ofSeconds(10), () -> {
            throw new IllegalStateException("VolumeSnapshot x failed: no space");
        });

        assertThat(result.succeeded()).isFalse();
        assertThat(result.backupLabel()).isNull();
        assertThat(result.message()).contains("the snapshot of the data volume failed").contains("no space").contains("aborted")
                .doesNotContain(PASSWORD);
        // the session that held the backup is gone, so the source no longer has it running: a new backup starts and stops
        BackupResult next = checkpointer.backup(superuser(), Duration.ofSeconds(10), () -> "again");
        assertThat(next.succeeded()).as(next.message()).isTrue();
    }

    @Test
    void aRoleWithoutTheBackupFunctionsIsToldWhatToGrant() {
        BackupResult result = checkpointer.backup(SourceConnection.fromSecretData(Map.of("username", "plain", "password", "plain-password-1",
                "host", "127.0.0.1", "port", Integer.toString(pg.port()))), Duration.ofSeconds(10), () -> "never");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.message()).contains("role \"plain\" may not run an online backup")
                .contains("GRANT EXECUTE ON FUNCTION pg_backup_start, pg_backup_stop TO \"plain\"");
    }
    @Test
    void aBackupStartsOnlyOnTheServerItWasAskedToReach() {
        List<String> ran = new ArrayList<>();
        BackupResult elsewhere = checkpointer.backup(superuser(), Duration.ofSeconds(10), "10.9.9.9", () -> {
            ran.add("window");
            return "never";
        });
        assertThat(elsewhere.succeeded()).isFalse();
        assertThat(elsewhere.message()).contains("reaches the server at 127.0.0.1, not the instance at 10.9.9.9").contains("no backup was started");
        assertThat(ran).as("nothing snapshotted").isEmpty();

        BackupResult here = checkpointer.backup(superuser(), Duration.ofSeconds(10), "127.0.0.1", () -> "the window ran");
        assertThat(here.succeeded()).as(here.message()).isTrue();
        assertThat(here.message()).contains("the window ran");
    }
}
