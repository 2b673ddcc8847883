package dev.pgclone.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgclone.operator.postgres.ScramVerifier;
import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.testkit.postgres.LocalPostgres;
import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bootstrap script's functions one at a time: the script sourced in library mode
 * ({@code PGCLONE_BOOTSTRAP_LIBRARY=1}), its environment read, one function called, its exit code,
 * output, termination log and files checked. No server runs: binaries the functions only ask for
 * their version or arguments are small stand-in scripts. Every test runs under dash (Debian
 * postgres images' /bin/sh) and under busybox sh (alpine images'), when busybox is installed.
 * The whole script on real PostgreSQL: {@link BootstrapScriptTest}.
 */
class BootstrapFunctionsTest {

    static final String VERIFIER = ScramVerifier.of("operator password", new byte[ScramVerifier.SALT_BYTES]);

    Path base;
    Path bootstrap;
    Path volume;
    Path pgdata;
    Path work;
    Path bin;
    Path terminationLog;
    final Map<String, String> env = new LinkedHashMap<>();

    static Stream<String> shells() {
        List<String> shells = new ArrayList<>(List.of("dash"));
        if (onPath("busybox")) {
            shells.add("busybox sh");
        }
        return shells.stream();
    }

    @BeforeEach
    void layOutAPod() throws IOException {
        assumeTrue(onPath("dash"), "dash runs the script as the postgres image's sh does (make deps installs it)");
        base = LocalPostgres.newTempDir("pgclone-functions-");
        CloneRun.chmod(base, "rwxr-xr-x");
        bootstrap = base.resolve("bootstrap");
        volume = base.resolve("volume");
        pgdata = volume.resolve("pgdata");
        work = base.resolve("work");
        bin = base.resolve("bin");
        terminationLog = base.resolve("termination-log");
        Files.createDirectories(bootstrap);
        Files.createDirectories(pgdata);
        Files.createDirectories(bin);
        for (Map.Entry<String, String> file : CloneBootstrap.files().entrySet()) {
            Files.writeString(bootstrap.resolve(file.getKey()), file.getValue());
        }
        Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
        Files.writeString(terminationLog, "");
        // writable by the uids some tests run the functions as, as the kubelet's file is
        CloneRun.chmod(terminationLog, "rw-rw-rw-");
        fakeBinary("postgres", "echo 'postgres (PostgreSQL) 15.4'");
        // psql: its arguments one per line, then the database it was pointed at
        fakeBinary("psql", "for a in \"$@\"; do printf '%s\\n' \"$a\"; done; echo \"PGDATABASE=$PGDATABASE\"");
        fakeBinary("pg_ctl", "exit 0");
        fakeBinary("pg_resetwal", "exit 0");
        env.put("PGDATA", pgdata.toString());
        env.put("PGCLONE_VOLUME", volume.toString());
        env.put("PGCLONE_WORK_DIR", work.toString());
        env.put("PGCLONE_SOCKET_DIR", base.resolve("run").toString());
        env.put("PGCLONE_TERMINATION_LOG", terminationLog.toString());
        env.put("PGCLONE_SQL_DIR", bootstrap.toString());
        env.put("PGCLONE_BIN_DIR", bin.toString());
        env.put("PGCLONE_SUPERUSER_VERIFIER", VERIFIER);
    }

    @AfterEach
    void removeThePod() {
        LocalPostgres.deleteTree(base);
    }

    // ------------------------------------------------------------------------------- the guard

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void sourcingInLibraryModeDefinesTheFunctionsAndRunsNothing(String shell) {
        Run run = source(shell, "command -v bootstrap_main >/dev/null && command -v check_environment >/dev/null && echo defined");

        assertThat(run.exit()).isZero();
        assertThat(run.stdout()).isEqualTo("defined\n");
        assertThat(run.stderr()).isEmpty();
        assertThat(work).doesNotExist();
        assertThat(terminationLog()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void runningTheScriptRunsTheBootstrap(String shell) {
        env.remove("PGDATA");

        Run run = execute(shell, bootstrap.resolve(CloneBootstrap.SCRIPT_KEY));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("PGDATA is not set: the operator must pass the data directory path\n");
    }

    /** In the Pod the files are keys of the same ConfigMap, mounted beside the script, and nothing says where. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void theScriptFindsItsFilesBesideItself(String shell) throws IOException {
        env.remove("PGCLONE_SQL_DIR");
        env.put("PGCLONE_BIN_DIR", base.resolve("no-binaries").toString());

        execute(shell, bootstrap.resolve(CloneBootstrap.SCRIPT_KEY));
        // past the check of its files: it stopped at the next one
        assertThat(terminationLog()).startsWith("no postgres binary in " + base.resolve("no-binaries"));

        Path alone = base.resolve("alone");
        Files.createDirectories(alone);
        Files.copy(bootstrap.resolve(CloneBootstrap.SCRIPT_KEY), alone.resolve(CloneBootstrap.SCRIPT_KEY));
        execute(shell, alone.resolve(CloneBootstrap.SCRIPT_KEY));
        assertThat(terminationLog()).isEqualTo(alone + "/safety.conf is missing: the bootstrap ConfigMap must hold the"
                + " script's .sql and .conf files next to it (PGCLONE_SQL_DIR)\n");
    }

    // ------------------------------------------------------------------------------- failing

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void failWritesOneLineForTheOperatorAndExits(String shell) {
        Run run = source(shell, "read_environment; fail \"$(printf 'two\\nlines\\tand a tab')\"; echo not reached");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(terminationLog()).isEqualTo("two lines and a tab\n");
        assertThat(run.stderr()).isEqualTo("pgclone-bootstrap: FAILED: two lines and a tab\n");

        source(shell, "read_environment; fail \"$(printf '%01500d' 0)\"");
        assertThat(terminationLog()).isEqualTo("0".repeat(1000) + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkEnvironmentNamesTheSettingThatIsWrong(String shell) {
        Map<Map<String, String>, String> cases = new LinkedHashMap<>();
        cases.put(Map.of("PGCLONE_VOLUME", ""), "PGCLONE_VOLUME is not set: the operator must pass the volume mount path");
        cases.put(Map.of("PGCLONE_SUPERUSER_VERIFIER", ""),
                "PGCLONE_SUPERUSER_VERIFIER is not set or empty: the operator must pass the verifier of its superuser password");
        cases.put(Map.of("PGCLONE_SUPERUSER_VERIFIER", "SCRAM-SHA-256$4096:but it is a password"),
                "PGCLONE_SUPERUSER_VERIFIER is not a SCRAM-SHA-256 verifier");
        cases.put(Map.of("PGCLONE_SUPERUSER_VERIFIER", "md5" + "0".repeat(32)), "PGCLONE_SUPERUSER_VERIFIER is not a SCRAM-SHA-256 verifier");
        cases.put(Map.of("PGCLONE_PORT", "54x"), "PGCLONE_PORT=54x is not a port number");
        cases.put(Map.of("PGCLONE_RECOVERY_TIMEOUT", "0"), "PGCLONE_RECOVERY_TIMEOUT=0 is not a positive number of seconds");
        cases.put(Map.of("PGCLONE_ISOLATION", "loose"), "PGCLONE_ISOLATION=loose: expected strict or none (spec isolation)");
        cases.put(Map.of("PGCLONE_BUILD", "snapshot"), "PGCLONE_BUILD=snapshot: expected masked-snapshot, or unset for a clone");
        cases.forEach((override, message) -> {
            Map<String, String> saved = new LinkedHashMap<>(env);
            env.putAll(override);
            Run run = source(shell, "read_environment; check_environment");
            assertThat(run.exit()).as("%s", override).isEqualTo(1);
            assertThat(terminationLog()).as("%s", override).isEqualTo(message + "\n");
            env.clear();
            env.putAll(saved);
        });

        env.put("PGDATA", pgdata + "/");
        Run valid = source(shell, "read_environment; check_environment; echo \"$PGDATA\"");
        assertThat(valid.exit()).isZero();
        assertThat(valid.stdout()).isEqualTo(pgdata + "\n");
    }

    /** The verifier must not reach postgres's environment: the script keeps it in a shell variable only. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void readEnvironmentTakesTheVerifierOutOfTheEnvironment(String shell) {
        env.put("PGPASSWORD", "from the pod");
        Run run = source(shell, "read_environment; printenv PGCLONE_SUPERUSER_VERIFIER PGPASSWORD; echo \"$SUPERUSER_VERIFIER\"");

        assertThat(run.stdout()).isEqualTo(VERIFIER + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void binaryTakesTheImagesBinariesFromTheBinDirOnly(String shell) {
        assertThat(source(shell, "read_environment; binary postgres").stdout()).isEqualTo(bin.resolve("postgres") + "\n");

        Run missing = source(shell, "read_environment; binary pg_dump");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("no pg_dump binary in " + bin + ": spec.postgres.image must be a PostgreSQL"
                + " server image (postgres, pg_ctl, psql, pg_resetwal, pg_controldata)\n");

        env.remove("PGCLONE_BIN_DIR");
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        assertThat(source(shell, "read_environment; binary psql").stdout()).isEqualTo(bin.resolve("psql") + "\n");
    }

    // ------------------------------------------------------------------------------- checks

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aMissingDataDirectoryIsAnsweredWithTheOneTheVolumeHas(String shell) {
        env.put("PGDATA", volume.resolve("data").toString());

        source(shell, "read_environment; check_data_directory_exists");

        assertThat(terminationLog()).isEqualTo("no data directory at " + volume.resolve("data") + " in the cloned volume:"
                + " the volume has a data directory at " + pgdata + ", so set spec.source.dataDirectory to \"pgdata\"\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkOwnershipNamesTheUidToRunAs(String shell) throws IOException {
        assumeTrue(Os.isRoot(), "files of other uids need root");
        chown(pgdata, "4321");
        Run asRoot = source(shell, "read_environment; check_ownership");
        assertThat(asRoot.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("the clone runs as root (uid 0), which PostgreSQL refuses:"
                + " set spec.postgres.runAsUser to 4321, the owner of the data directory\n");

        Run asAnother = sourceAs("4322", shell, "read_environment; check_ownership");
        assertThat(asAnother.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("data directory " + pgdata + " is owned by uid 4321, the clone runs as uid 4322:"
                + " set spec.postgres.runAsUser to 4321\n");

        Run asOwner = sourceAs("4321", shell, "read_environment; check_ownership && echo ok");
        assertThat(asOwner.stdout()).isEqualTo("ok\n");

        chown(pgdata, "0");
        source(shell, "read_environment; check_ownership");
        assertThat(terminationLog()).startsWith("data directory " + pgdata + " is owned by root (uid 0)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkModeNarrowsAWidenedDataDirectoryOnly(String shell) throws IOException {
        CloneRun.chmod(pgdata, "rwxrwxrwx");
        Run widened = source(shell, "read_environment; check_mode");
        assertThat(widened.exit()).isZero();
        assertThat(Files.getPosixFilePermissions(pgdata)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(widened.stderr()).contains("data directory had mode 777, which PostgreSQL refuses; changed it to 750");

        CloneRun.chmod(pgdata, "rwx------");
        Run fine = source(shell, "read_environment; check_mode");
        assertThat(fine.stderr()).isEmpty();
        assertThat(Files.getPosixFilePermissions(pgdata)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void insideComparesWholePathComponents(String shell) {
        Run run = source(shell, "for p in /v/data /v /vol /v/../x; do if inside \"$p\" /v; then echo \"$p in\"; else echo \"$p out\"; fi; done");

        // /v/../x: the callers resolve paths with readlink -f first
        assertThat(run.stdout()).isEqualTo("/v/data in\n/v in\n/vol out\n/v/../x in\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkVolumeLayoutRefusesWalAndTablespacesOnOtherVolumes(String shell) throws IOException {
        Path elsewhere = base.resolve("wal-volume");
        Files.createDirectories(elsewhere);
        Files.createDirectories(volume.resolve("wal"));
        Files.createSymbolicLink(pgdata.resolve("pg_wal"), volume.resolve("wal"));
        assertThat(source(shell, "read_environment; check_volume_layout && echo ok").stdout()).isEqualTo("ok\n");

        Files.delete(pgdata.resolve("pg_wal"));
        Files.createSymbolicLink(pgdata.resolve("pg_wal"), elsewhere);
        assertThat(source(shell, "read_environment; check_volume_layout").exit()).isEqualTo(1);
        assertThat(terminationLog()).startsWith("pg_wal in the data directory is a symlink to " + elsewhere
                + ", outside the cloned volume " + volume + ": the source keeps its WAL on a separate volume (e.g. CloudNativePG"
                + " walStorage), so set spec.source.walPvcName to it (and spec.source.walDirectory to the WAL's path in it)\n");

        Files.delete(pgdata.resolve("pg_wal"));
        Files.createDirectories(pgdata.resolve("pg_tblspc"));
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16384"), base.resolve("gone"));
        source(shell, "read_environment; check_volume_layout");
        assertThat(terminationLog()).startsWith("tablespace 16384 is at " + base.resolve("gone") + ", outside the cloned volume");
    }

    // ------------------------------------------------------------------------------- a WAL volume

    /** CloudNativePG's walStorage: pg_wal links to the source's WAL volume, whose path does not exist in the Pod. */
    private Path walVolume() throws IOException {
        Path walVolume = base.resolve("wal-volume");
        Files.createDirectories(walVolume.resolve("pg_wal/archive_status"));
        Files.createSymbolicLink(pgdata.resolve("pg_wal"), Path.of("/var/lib/postgresql/wal/pg_wal"));
        env.put("PGCLONE_WAL_VOLUME", walVolume.toString());
        return walVolume;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkWalVolumeNamesTheSettingToChange(String shell) throws IOException {
        Path walVolume = walVolume();
        assertThat(source(shell, "read_environment; check_volume_layout; check_wal_volume && echo ok").stdout()).isEqualTo("ok\n");

        env.put("PGCLONE_WAL_DIRECTORY", "wal");
        assertThat(source(shell, "read_environment; check_volume_layout; check_wal_volume").exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("no WAL directory at " + walVolume.resolve("wal") + " in the restored WAL volume:"
                + " the WAL volume has one at " + walVolume.resolve("pg_wal") + ", so set spec.source.walDirectory to \"pg_wal\"\n");

        for (String outside : List.of("/pg_wal", "../pg_wal", "a/../../b")) {
            env.put("PGCLONE_WAL_DIRECTORY", outside);
            source(shell, "read_environment; check_environment");
            assertThat(terminationLog()).as(outside).isEqualTo("PGCLONE_WAL_DIRECTORY=" + outside
                    + ": spec.source.walDirectory must be a path inside the WAL volume, relative to its root\n");
        }
        env.remove("PGCLONE_WAL_DIRECTORY");

        // the WAL in the data volume, as a directory or a symlink within it
        Files.delete(pgdata.resolve("pg_wal"));
        Files.createDirectories(pgdata.resolve("pg_wal"));
        String inTheDataVolume = "pg_wal in " + pgdata + " is not a symlink to another volume: the data directory keeps its"
                + " WAL inside the data volume: remove spec.source.walPvcName\n";
        assertThat(source(shell, "read_environment; check_volume_layout; check_wal_volume").exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo(inTheDataVolume);
        Files.move(pgdata.resolve("pg_wal"), volume.resolve("wal"));
        Files.createSymbolicLink(pgdata.resolve("pg_wal"), volume.resolve("wal"));
        source(shell, "read_environment; check_volume_layout; check_wal_volume");
        assertThat(terminationLog()).isEqualTo(inTheDataVolume);

        // without a WAL volume, the same layout is what check_volume_layout accepts
        env.remove("PGCLONE_WAL_VOLUME");
        assertThat(source(shell, "read_environment; check_volume_layout; check_wal_volume && echo ok").stdout()).isEqualTo("ok\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkWalVolumeWantsTheWalOwnedByTheRunUid(String shell) throws IOException {
        assumeTrue(Os.isRoot(), "files of other uids need root");
        Path walVolume = walVolume();
        chown(walVolume.resolve("pg_wal"), "4321");

        assertThat(source(shell, "read_environment; check_wal_volume").exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("WAL directory " + walVolume.resolve("pg_wal") + " is owned by uid 4321, the clone"
                + " runs as uid 0: spec.source.walPvcName must be the WAL volume of the same source as the data volume\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void linkWalVolumePointsPgWalAtTheRestoredWal(String shell) throws IOException {
        Path wal = walVolume().resolve("pg_wal");

        Run run = source(shell, "read_environment; link_wal_volume");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(Files.readSymbolicLink(pgdata.resolve("pg_wal"))).isEqualTo(wal);
        assertThat(run.stderr()).isEqualTo("pgclone-bootstrap: pg_wal linked to the restored WAL volume at " + wal
                + " (on the source: /var/lib/postgresql/wal/pg_wal)\n");
        // a restarted container finds it linked
        assertThat(source(shell, "read_environment; link_wal_volume").stderr()).isEmpty();
        // without a WAL volume nothing changes
        env.remove("PGCLONE_WAL_VOLUME");
        Files.delete(pgdata.resolve("pg_wal"));
        Files.createDirectories(pgdata.resolve("pg_wal"));
        assertThat(source(shell, "read_environment; link_wal_volume").exit()).isZero();
        assertThat(Files.isSymbolicLink(pgdata.resolve("pg_wal"))).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void installBackupLabelCopiesOnlyABackupLabel(String shell) throws IOException {
        Path label = base.resolve("backup_label");
        env.put("PGCLONE_BACKUP_LABEL_FILE", label.toString());
        String bad = label + " is not a backup label (its first line is not START WAL LOCATION: ...): the bootstrap"
                + " ConfigMap's backup_label must be the labelfile pg_backup_stop returned\n";
        for (String content : List.of("", "\n", "START WAL LOCATION: \n", "LABEL: pgclone\nSTART WAL LOCATION: 0/2000028\n")) {
            Files.writeString(label, content);
            assertThat(source(shell, "read_environment; install_backup_label").exit()).as(content).isEqualTo(1);
            assertThat(terminationLog()).as(content).isEqualTo(bad);
        }
        Files.delete(label);
        source(shell, "read_environment; install_backup_label");
        assertThat(terminationLog()).isEqualTo("cannot read the backup label " + label + " (PGCLONE_BACKUP_LABEL_FILE)\n");
        assertThat(pgdata.resolve("backup_label")).doesNotExist();

        String text = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nCHECKPOINT LOCATION: 0/2002798\n"
                + "BACKUP METHOD: streamed\nBACKUP FROM: primary\nSTART TIME: 2024-05-01 10:00:00 UTC\nLABEL: pgclone\n"
                + "START TIMELINE: 1\n";
        Files.writeString(label, text);
        Run run = source(shell, "read_environment; install_backup_label");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(pgdata.resolve("backup_label")).hasContent(text);
        assertThat(Files.getPosixFilePermissions(pgdata.resolve("backup_label")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(run.stderr()).isEqualTo("pgclone-bootstrap: backup label installed: recovery starts from the backup's"
                + " checkpoint (0/2002798) and must reach the backup's end\n");
    }

    /** What postgres logs when the WAL volume's snapshot does not hold the whole backup, as the operator's one line. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void phase1StartFailureExplainsAnIncompleteWalSnapshot(String shell) throws IOException {
        Files.createDirectories(work);
        Path log = work.resolve("phase1.log");
        Files.writeString(log, "2024-05-01 10:00:00.000 UTC [42] LOG:  redo done at 0/2164EE8\n"
                + "2024-05-01 10:00:00.000 UTC [42] FATAL:  WAL ends before end of online backup\n"
                + "2024-05-01 10:00:00.000 UTC [42] HINT:  All WAL generated while online backup was taken must be available at recovery.\n");
        source(shell, "read_environment; phase1_start_failure");
        assertThat(terminationLog()).isEqualTo("recovery from the backup label reached the end of the WAL before the backup's end"
                + " (WAL ends before end of online backup): the WAL volume's snapshot lacks segments written during the backup,"
                + " e.g. it was taken before pg_backup_stop returned\n");

        Files.writeString(log, "2024-05-01 10:00:00.000 UTC [42] FATAL:  could not locate required checkpoint record\n");
        source(shell, "read_environment; phase1_start_failure");
        assertThat(terminationLog()).startsWith("recovery from the backup label found no checkpoint record at the backup's start"
                + " (could not locate required checkpoint record): ").hasLineCount(1);
    }

    /** A masked snapshot is one volume: after pg_resetwal its WAL moves into a real pg_wal. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void moveWalIntoDataDirectoryLeavesNoLinkToTheWalVolume(String shell) throws IOException {
        Path wal = walVolume().resolve("pg_wal");
        touch(wal.resolve("000000010000000000000005"));
        // as initdb makes it; cp -p keeps the mode
        CloneRun.chmod(wal, "rwx------");
        assertThat(source(shell, "read_environment; link_wal_volume").exit()).isZero();

        Run run = source(shell, "read_environment; move_wal_into_data_directory");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(Files.isSymbolicLink(pgdata.resolve("pg_wal"))).isFalse();
        assertThat(tree(pgdata.resolve("pg_wal"))).containsExactlyInAnyOrder("000000010000000000000005", "archive_status");
        assertThat(Files.getPosixFilePermissions(pgdata.resolve("pg_wal")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(run.stderr()).contains("pg_wal is now a directory of the data volume, holding the one segment pg_resetwal started");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void checkVersionComparesTheDataWithTheImage(String shell) throws IOException {
        Run same = source(shell, "read_environment; find_binaries; check_version; echo \"$DATA_MAJOR $IMAGE_MAJOR\"");
        assertThat(same.stdout()).isEqualTo("15 15\n");
        assertThat(same.stderr()).contains("data directory " + pgdata + " is PostgreSQL 15; image: postgres (PostgreSQL) 15.4");

        Files.writeString(pgdata.resolve("PG_VERSION"), "14\n");
        source(shell, "read_environment; find_binaries; check_version");
        assertThat(terminationLog()).isEqualTo("data is PostgreSQL 14, image runs 15: set spec.postgres.image to a postgres 14 image\n");

        Files.writeString(pgdata.resolve("PG_VERSION"), "11\n");
        fakeBinary("postgres", "echo 'postgres (PostgreSQL) 11.22'");
        source(shell, "read_environment; find_binaries; check_version");
        assertThat(terminationLog()).isEqualTo("data is PostgreSQL 11: only PostgreSQL 12 and newer can be cloned\n");
    }

    // ------------------------------------------------------------------------------- files

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void prepareWorkDirMakesTheDirectoriesAndPicksTheConfigFile(String shell) throws IOException {
        Run run = source(shell, "read_environment; prepare_work_dir; echo \"config_file=$CONFIG_FILE\"");

        assertThat(run.exit()).isZero();
        assertThat(Files.getPosixFilePermissions(work.resolve("phase1-socket")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(base.resolve("run")).isDirectory();
        // no postgresql.conf in the data directory (Debian keeps it in /etc): the empty one beside the script
        assertThat(run.stdout()).isEqualTo("config_file=" + bootstrap.resolve("empty.conf") + "\n");
        assertThat(run.stderr()).contains("no postgresql.conf in the data directory; using an empty one");

        Files.writeString(pgdata.resolve("postgresql.conf"), "");
        assertThat(source(shell, "read_environment; prepare_work_dir; echo \"config_file=$CONFIG_FILE\"").stdout())
                .isEqualTo("config_file=\n");

        Files.writeString(base.resolve("a-file"), "");
        env.put("PGCLONE_SOCKET_DIR", base.resolve("a-file/run").toString());
        source(shell, "read_environment; prepare_work_dir");
        assertThat(terminationLog()).startsWith("the socket directory " + base.resolve("a-file/run") + " is not writable by uid ")
                .endsWith(" (PGCLONE_SOCKET_DIR)\n");
    }

    /**
     * The clone's own authentication, shipped beside the script: trust on unix sockets only, scram
     * for every TCP client, no user name maps. What the server makes of them: BootstrapScriptTest.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void theClonesOwnHbaTrustsOnlyTheSocket(String shell) throws IOException {
        assertThat(settings("phase1-hba.conf")).containsExactly("local all all trust");
        assertThat(settings("phase2-hba.conf"))
                .containsExactly("local all all trust", "host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256");
        assertThat(settings("empty.conf")).isEmpty();

        for (int phase : List.of(1, 2)) {
            assertThat(options(shell, phase, 15)).contains("hba_file=" + bootstrap.resolve("phase" + phase + "-hba.conf"),
                    "ident_file=" + bootstrap.resolve("empty.conf"));
        }
    }

    /** postgres changes into the data directory before it reads the hba file: the script's directory must be absolute. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aRelativeFilesDirectoryIsMadeAbsolute(String shell) {
        Run run = source(shell, "cd " + base + "; PGCLONE_SQL_DIR=bootstrap; read_environment; echo \"$SQL_DIR\"");

        assertThat(run.stdout()).isEqualTo(base.resolve("bootstrap") + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void clearSourceStateRemovesTheSourcesLockAndSignalFiles(String shell) throws IOException {
        for (String f : List.of("postmaster.pid", "standby.signal", "recovery.signal", "postgresql.auto.conf")) {
            Files.writeString(pgdata.resolve(f), "");
        }

        Run run = source(shell, "read_environment; clear_source_state");

        assertThat(run.exit()).isZero();
        try (Stream<Path> left = Files.list(pgdata)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("PG_VERSION", "postgresql.auto.conf");
        }
        assertThat(run.stderr()).contains("removed postmaster.pid", "removed standby.signal", "removed recovery.signal");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aVolumeIsMarkedIsolatedForTheCloneThatIsolatedIt(String shell) {
        assertThat(source(shell, "read_environment; mark_isolated; already_isolated || echo no").stdout()).isEqualTo("no\n");
        assertThat(pgdata.resolve("pgclone_isolated")).doesNotExist();

        env.put("PGCLONE_CLONE_ID", "uid-a");
        assertThat(source(shell, "read_environment; mark_isolated; already_isolated && echo yes").stdout()).isEqualTo("yes\n");
        env.put("PGCLONE_CLONE_ID", "uid-b");
        assertThat(source(shell, "read_environment; already_isolated || echo no").stdout()).isEqualTo("no\n");
    }

    // ------------------------------------------------------------------------------- options

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void addQuotesValuesSoTheyReachPostgresVerbatim(String shell) {
        Run run = source(shell, "OPTS=; add a \"it's \\\"q\\\" \\$HOME \\\\ \\`id\\`\"; add b ''; eval \"set -- $OPTS\"; printf '<%s>\\n' \"$@\"");

        assertThat(run.stdout()).isEqualTo("<-c>\n<a=it's \"q\" $HOME \\ `id`>\n<-c>\n<b=>\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void addSettingsReadsNameValueLines(String shell) throws IOException {
        Files.writeString(base.resolve("p.conf"), "# comment\n\n  work_mem = 64MB\r\nsearch_path=\"$user\", public\noptions=a=b\nlast=1");
        Run run = source(shell, "read_environment; OPTS=; add_settings " + base.resolve("p.conf") + "; eval \"set -- $OPTS\"; printf '<%s>\\n' \"$@\"");
        assertThat(run.stdout()).isEqualTo("<-c>\n<work_mem= 64MB>\n<-c>\n<search_path=\"$user\", public>\n<-c>\n<options=a=b>\n<-c>\n<last=1>\n");

        Files.writeString(base.resolve("p.conf"), "work_mem=1MB\nno equals sign\n");
        source(shell, "read_environment; add_settings " + base.resolve("p.conf"));
        assertThat(terminationLog()).isEqualTo("line 2 of " + base.resolve("p.conf")
                + " has no '=': each spec.postgres.parameters entry must be name=value\n");

        Files.writeString(base.resolve("p.conf"), "x;y=1\n");
        source(shell, "read_environment; add_settings " + base.resolve("p.conf"));
        assertThat(terminationLog()).isEqualTo("spec.postgres.parameters has an invalid parameter name 'x;y' (line 1 of "
                + base.resolve("p.conf") + ")\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void phaseOneHearsNoTcpAndLogsNothingWhateverTheUserSet(String shell) throws IOException {
        Files.writeString(base.resolve("parameters.conf"), "listen_addresses=*\nlog_statement=all\nshared_buffers=32MB\n");
        env.put("PGCLONE_PARAMETERS_FILE", base.resolve("parameters.conf").toString());

        List<String> options = options(shell, 1, 15);

        // the user's first: shared_buffers sized for the Pod applies to recovery; the script's after, and last wins
        assertThat(options.get(0)).isEqualTo("listen_addresses=*");
        assertThat(options.subList(3, options.size())).contains("listen_addresses=", "log_statement=none",
                "cron.database_name=pgclone_phase1_has_no_such_database", "max_logical_replication_workers=0",
                "unix_socket_directories=" + work.resolve("phase1-socket"), "hba_file=" + bootstrap.resolve("phase1-hba.conf"),
                "archive_library=", "log_min_duration_sample=-1", "data_directory=" + pgdata);
        assertThat(options).doesNotContain("stats_temp_directory=pg_stat_tmp");
        assertThat(options).containsAll(settings("safety.conf")).containsAll(settings("phase1.conf"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void phaseTwoListensAsConfiguredAndTheUserHasTheLastWord(String shell) throws IOException {
        Files.writeString(base.resolve("parameters.conf"), "ssl=on\n");
        env.put("PGCLONE_PARAMETERS_FILE", base.resolve("parameters.conf").toString());
        env.put("PGCLONE_LISTEN_ADDRESSES", "127.0.0.1");

        List<String> options = options(shell, 2, 14);

        assertThat(options.get(options.size() - 1)).isEqualTo("ssl=on");
        assertThat(options).contains("listen_addresses=127.0.0.1", "hba_file=" + bootstrap.resolve("phase2-hba.conf"),
                "stats_temp_directory=pg_stat_tmp").containsAll(settings("safety.conf"));
        assertThat(options).noneMatch(o -> o.startsWith("cron.database_name=") || o.startsWith("archive_library="));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void sessionOptionsAreSessionConfAndFollowTheMajor(String shell) throws IOException {
        List<String> expected = settings("session.conf").stream().map(s -> "-c " + s).toList();
        assertThat(expected).contains("-c session_replication_role=replica", "-c search_path=pg_catalog", "-c log_statement=none");

        String v17 = source(shell, "read_environment; IMAGE_MAJOR=17; session_options").stdout();
        // PGOPTIONS: options separated by spaces, so no value may hold one
        assertThat(String.join(" ", expected)).matches("(-c [^ =]+=[^ ]+ ?)+");
        assertThat(v17).startsWith(String.join(" ", expected) + " ").contains("-c transaction_timeout=0", "-c log_min_duration_sample=-1");
        assertThat(source(shell, "read_environment; IMAGE_MAJOR=12; session_options").stdout())
                .isEqualTo(String.join(" ", expected) + " ");
    }

    // ------------------------------------------------------------------------------- psql

    /** Files by name, each a separate argument however the directory is spelled: nothing is split or globbed. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void sqlRunsTheNamedFilesAsTheSuperuserOnThePrivateSocket(String shell) throws IOException {
        Path spaced = base.resolve("sql files *");
        Files.createDirectories(spaced);
        env.put("PGCLONE_SQL_DIR", spaced.toString());

        Run run = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; mkdir -p \"$WORK_DIR\"; sql 'db=x name' list-databases is-superuser");

        assertThat(run.stdout().lines()).containsSubsequence("-v", "su=postgres", "-h", work.resolve("phase1-socket").toString())
                .containsSubsequence("-f", spaced.resolve("list-databases.sql").toString(), "-f", spaced.resolve("is-superuser.sql").toString())
                .endsWith("PGDATABASE=db=x name");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void isolateDatabasesLeavesJobsAndMappingsUnderIsolationNone(String shell) throws IOException {
        Files.createDirectories(work);
        Files.writeString(work.resolve("databases"), "app\n\nother db\n");

        Run strict = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; isolate_databases");
        // one session, so one log line, per database: the fake psql prints its arguments
        assertThat(strict.stderr().lines().filter(l -> l.startsWith("pgclone-bootstrap: database ")))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("rollback-prepared-transactions.sql", "detach-subscriptions.sql",
                        "deactivate-cron-jobs.sql", "drop-user-mappings.sql"))
                .anySatisfy(l -> assertThat(l).startsWith("pgclone-bootstrap: database app: ").endsWith("; PGDATABASE=app"))
                .anySatisfy(l -> assertThat(l).startsWith("pgclone-bootstrap: database other db: ").endsWith("; PGDATABASE=other db"));

        env.put("PGCLONE_ISOLATION", "none");
        Run none = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; isolate_databases");
        assertThat(none.stderr()).contains("isolation none: pg_cron jobs and user mappings are left as they are",
                "rollback-prepared-transactions.sql", "detach-subscriptions.sql")
                .doesNotContain("deactivate-cron-jobs.sql", "drop-user-mappings.sql");
    }

    /** A failed .sql file ends the bootstrap with what failed, where, and psql's first error. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aFailedSqlFileNamesTheStepAndPsqlsError(String shell) throws IOException {
        Files.createDirectories(work);
        Files.writeString(work.resolve("databases"), "app\n");
        fakeBinary("psql", "echo 'psql:/b/x.sql:3: ERROR:  boom' >&2; exit 3");

        Run each = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; each_database 'could not do %s' x; echo not reached");
        assertThat(each.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("could not do app: ERROR:  boom\n");

        Run step = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; MAINTENANCE_DB=postgres; step x 'could not x'");
        assertThat(step.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("could not x: ERROR:  boom\n");

        fakeBinary("psql", "echo 'replication slots dropped: 2'");
        Run fine = source(shell, "read_environment; find_binaries; IMAGE_MAJOR=15; MAINTENANCE_DB=postgres; step x 'could not x'");
        assertThat(fine.exit()).isZero();
        assertThat(fine.stderr()).isEqualTo("pgclone-bootstrap: replication slots dropped: 2\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void psqlErrorQuotesTheFirstErrorWithoutItsPrefix(String shell) throws IOException {
        Files.createDirectories(work);
        Files.writeString(work.resolve("psql.err"), "psql:/pgclone/bootstrap/list-databases.sql:3: ERROR:  boom\nERROR:  second\n");

        assertThat(source(shell, "read_environment; psql_error").stdout()).isEqualTo("ERROR:  boom");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void inBackgroundReturnsTheCommandsExitCode(String shell) {
        Run run = source(shell, "in_background " + base.resolve("out") + " sh -c 'echo hi; echo err >&2; exit 3'; echo \"rc=$?\"");

        assertThat(run.stdout()).isEqualTo("rc=3\n");
        assertThat(read(base.resolve("out"))).isEqualTo("hi\nerr\n");
    }

    // ------------------------------------------------------------------------------- masked-snapshot build

    /** postgres on the build's options until the server writes the trigger; a trigger left on the volume does not count. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aBuildRunsPostgresUntilTheFinishIsRequestedAndNeedsACleanShutdown(String shell) throws IOException {
        env.put("PGCLONE_BUILD", "masked-snapshot");
        fakeBinary("postgres", "case \"$*\" in *--version*) echo 'postgres (PostgreSQL) 15.4' ;; *' -C '*) ;;"
                + " *) exec >/dev/null 2>&1; sleep 1; echo new >\"$PGDATA/pgclone-finish-requested\"; sleep 5 ;; esac");
        // what the script saw when it stopped the server
        fakeBinary("pg_ctl", "cp \"$PGDATA/pgclone-finish-requested\" \"$PGCLONE_WORK_DIR/trigger-seen\"");
        fakeBinary("pg_controldata", "echo 'Database cluster state:               in production'");
        Files.writeString(pgdata.resolve("pgclone-finish-requested"), "left from an earlier build\n");
        String build = "read_environment; check_environment; find_binaries; IMAGE_MAJOR=15; prepare_work_dir; masked_snapshot_build";

        Run unclean = source(shell, build);

        assertThat(unclean.exit()).isEqualTo(1);
        assertThat(read(work.resolve("trigger-seen"))).isEqualTo("new\n");
        assertThat(terminationLog()).isEqualTo("after the masking the data directory is not shut down cleanly"
                + " (pg_controldata: in production): it cannot be snapshotted\n");

        fakeBinary("pg_controldata", "echo 'Database cluster state:               shut down'");
        Run finished = source(shell, build);

        assertThat(finished.exit()).as(finished.stderr()).isZero();
        assertThat(terminationLog()).startsWith("masked snapshot finished: postgres shut down cleanly; WAL reset with pg_resetwal")
                .hasLineCount(1);
        assertThat(finished.stderr()).contains("masked-snapshot build: finish requested; stopping postgres",
                "WAL removed (pg_resetwal after a clean shutdown)");
        assertThat(pgdata.resolve("pgclone-finish-requested")).doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void aBuildFailsWhenPostgresExitsBeforeTheFinish(String shell) throws IOException {
        env.put("PGCLONE_BUILD", "masked-snapshot");
        fakeBinary("postgres", "case \"$*\" in *--version*) echo 'postgres (PostgreSQL) 15.4' ;; *) exit 3 ;; esac");
        fakeBinary("pg_controldata", "exit 0");

        Run run = source(shell, "read_environment; check_environment; find_binaries; IMAGE_MAJOR=15; prepare_work_dir; masked_snapshot_build");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(terminationLog()).isEqualTo("postgres exited before the masked snapshot was finished: see the container log\n");
    }

    /**
     * Production's dumps and logs beside the data directory go, the data directory's ancestors stay
     * and so do the WAL and tablespaces it links to elsewhere on the volume; inside the data
     * directory, statistics and temporary files, server logs and the build's own files go.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void removeMaskingLeftoversKeepsOnlyTheDataDirectoryAndWhatItLinksTo(String shell) throws IOException {
        Path data = volume.resolve("srv/pgdata");
        Path wal = volume.resolve("srv/wal");
        Path tablespace = volume.resolve("tablespaces/ts1");
        for (String f : List.of("PG_VERSION", "postgresql.conf", "base/1/1234", "global/pg_control", "pg_stat/pgstat.stat",
                "pg_stat_tmp/pgss_query_texts.stat", "base/pgsql_tmp/pgsql_tmp12.0", "base/pgsql_tmp/.hidden",
                "log/postgresql-Mon.log", "pg_log/old.log", "custom_logs/postgresql.log", "current_logfiles",
                "postmaster.opts", "pgclone-finish-requested")) {
            touch(data.resolve(f));
        }
        touch(wal.resolve("000000010000000000000002"));
        touch(tablespace.resolve("PG_15_202209061/5/16390"));
        touch(tablespace.resolve("PG_15_202209061/pgsql_tmp/pgsql_tmp7.1"));
        Files.createSymbolicLink(data.resolve("pg_wal"), wal);
        Files.createDirectories(data.resolve("pg_tblspc"));
        Files.createSymbolicLink(data.resolve("pg_tblspc/16389"), tablespace);
        for (String f : List.of("dump.sql", ".hidden", "..dots", "backups/2024/full.sql", "srv/app.log", "srv/pgdata.old/PG_VERSION",
                "tablespaces/ts2/PG_VERSION")) {
            touch(volume.resolve(f));
        }
        Files.createSymbolicLink(volume.resolve("current"), data);
        env.put("PGDATA", data.toString());
        fakeBinary("postgres", "case \"$*\" in *' -C log_directory'*) echo custom_logs ;; *) echo 'postgres (PostgreSQL) 15.4' ;; esac");

        Run run = source(shell, "read_environment; find_binaries; remove_masking_leftovers");

        assertThat(run.exit()).as(run.stderr()).isZero();
        String ts = "tablespaces/ts1/PG_15_202209061";
        assertThat(tree(volume)).containsExactlyInAnyOrder("srv", "srv/pgdata", "srv/pgdata/PG_VERSION",
                "srv/pgdata/postgresql.conf", "srv/pgdata/base", "srv/pgdata/base/1", "srv/pgdata/base/1/1234",
                "srv/pgdata/base/pgsql_tmp", "srv/pgdata/global", "srv/pgdata/global/pg_control", "srv/pgdata/pg_stat",
                "srv/pgdata/pg_stat_tmp", "srv/pgdata/pg_wal", "srv/pgdata/pg_tblspc", "srv/pgdata/pg_tblspc/16389",
                "srv/wal", "srv/wal/000000010000000000000002", "tablespaces", "tablespaces/ts1", ts, ts + "/5", ts + "/5/16390",
                ts + "/pgsql_tmp");
        assertThat(run.stderr()).contains("removed " + volume.toRealPath().resolve("dump.sql") + " (outside the data directory)");

        // the volume is the data directory: nothing is outside it
        env.put("PGDATA", volume.toString());
        touch(volume.resolve("dump.sql"));
        assertThat(source(shell, "read_environment; find_binaries; remove_masking_leftovers").exit()).isZero();
        assertThat(volume.resolve("dump.sql")).exists();
        assertThat(volume.resolve("srv/pgdata/base/1/1234")).exists();
    }

    /** Only a directory of its own below the data directory: never the data directory, one of postgres's, or a path out of it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shells")
    void configuredLogDirectoryIsOnlyALogDirectoryOfItsOwn(String shell) throws IOException {
        fakeBinary("postgres", "printf '%s\\n' \"$FAKE_LOG_DIRECTORY\"");
        for (String dir : List.of("custom_logs", "logs/server", "base", "global", "pg_wal", "pg_logical", ".", "..")) {
            Files.createDirectories(pgdata.resolve(dir));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("custom_logs", "custom_logs\n");
        expected.put("custom_logs/", "custom_logs\n");
        expected.put("logs/server", "logs/server\n");
        expected.put("missing", "");
        for (String refused : List.of(".", "./", "..", "../x", "logs/../..", "logs/./server", "base", "global", "pg_wal",
                "pg_logical", ".hidden", "/var/log/postgresql", pgdata + "/custom_logs", "")) {
            expected.put(refused, "");
        }
        expected.forEach((value, output) -> {
            env.put("FAKE_LOG_DIRECTORY", value);
            assertThat(source(shell, "read_environment; find_binaries; configured_log_directory").stdout()).as(value).isEqualTo(output);
        });
    }

    // ------------------------------------------------------------------------------- helpers

    /** Every path below {@code dir}, relative, symlinks listed and not followed. */
    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).toList();
        }
    }

    private static void touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "x");
    }

    record Run(int exit, String stdout, String stderr) {}

    /** The script sourced in library mode, then {@code snippet}, under set -u as the bootstrap runs. */
    Run source(String shell, String snippet) {
        return sourceAs(null, shell, snippet);
    }

    Run sourceAs(String user, String shell, String snippet) {
        env.put("PGCLONE_BOOTSTRAP_LIBRARY", "1");
        env.put("BOOTSTRAP_SCRIPT", bootstrap.resolve(CloneBootstrap.SCRIPT_KEY).toString());
        List<String> command = new ArrayList<>(List.of(shell.split(" ")));
        command.addAll(List.of("-c", "set -u; umask 077; . \"$BOOTSTRAP_SCRIPT\"; " + snippet));
        try {
            return exec(user == null ? command : Os.asUser(user, command));
        } finally {
            env.remove("PGCLONE_BOOTSTRAP_LIBRARY");
            env.remove("BOOTSTRAP_SCRIPT");
        }
    }

    Run execute(String shell, Path script) {
        List<String> command = new ArrayList<>(List.of(shell.split(" ")));
        command.add(script.toString());
        return exec(command);
    }

    private Run exec(List<String> command) {
        try {
            Files.writeString(terminationLog, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalPostgres.Result r = Os.exec(Duration.ofSeconds(30), command, env);
        return new Run(r.exitCode(), r.stdout(), r.stderr());
    }

    /** The -c settings build_options makes for PHASE with the image's MAJOR, one per element. */
    private List<String> options(String shell, int phase, int major) {
        Run run = source(shell, "read_environment; IMAGE_MAJOR=" + major + "; build_options " + phase
                + "; eval \"set -- $OPTS\"; for o in \"$@\"; do [ \"$o\" = -c ] || printf '%s\\n' \"$o\"; done");
        assertThat(run.exit()).as(run.stderr()).isZero();
        return run.stdout().lines().toList();
    }

    /** The name=value lines of one of the bootstrap's .conf files. */
    private List<String> settings(String file) throws IOException {
        return Files.readAllLines(bootstrap.resolve(file)).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    private String terminationLog() {
        return read(terminationLog);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void fakeBinary(String name, String body) throws IOException {
        Path path = bin.resolve(name);
        Files.writeString(path, "#!/bin/sh\n" + body + "\n");
        CloneRun.chmod(path, "rwxr-xr-x");
    }

    private static void chown(Path path, String uid) throws IOException {
        Files.setAttribute(path, "unix:uid", Integer.parseInt(uid));
        Files.setAttribute(path, "unix:gid", Integer.parseInt(uid));
    }

    /** Looked up in the JVM: each process started here costs a fork of the test JVM. */
    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, command)));
    }
}
