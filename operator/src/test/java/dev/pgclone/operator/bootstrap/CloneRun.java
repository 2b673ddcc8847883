package dev.pgclone.operator.bootstrap;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.operator.postgres.ScramVerifier;
import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One run of the bootstrap script on a fresh copy of a crash-consistent snapshot, laid out the way
 * the clone Pod mounts it: the volume at {@code volume/} with the data directory one level below
 * (CloudNativePG's {@code pgdata}), an emptyDir-like work dir and socket dir owned by the user the
 * script runs as, and a termination-log file. The script and its files are those the operator puts
 * in the bootstrap ConfigMap ({@link CloneBootstrap#files()}), run by dash as the container's
 * {@code sh} is on Debian images.
 * {@link #close()} stops whatever server the run left and removes everything, also after failures.
 */
final class CloneRun implements AutoCloseable {

    /** Quotes, a backslash, $ and a backtick: the password must survive sh and psql untouched. */
    static final String DEFAULT_PASSWORD = "cl0ne 'pw' \"q\" \\ $HOME `id` ;";

    final Path base;
    final Path volume;
    final Path pgdata;
    final Path workDir;
    final Path socketDir;
    final Path terminationLog;
    final Path parametersFile;
    /** The ConfigMap's mount: the script and its files. */
    final Path bootstrapDir;
    final int port = LocalPostgres.freePort();
    final String osUser;
    final Map<String, String> env = new LinkedHashMap<>();

    private final Path script;
    private final Path output;
    /** postmaster.pid as copied from the source; a different one was written by a server of this run. */
    private final String copiedLockFile;
    private Process process;
    /** The container's sh: dash, as on Debian-based postgres images, unless a test picks another. */
    private List<String> shell = List.of(Files.isExecutable(Path.of("/bin/dash")) ? "/bin/dash" : "sh");
    private Instant started;

    private CloneRun(Path snapshot, String osUser) {
        this.osUser = osUser;
        this.base = LocalPostgres.newTempDir("pgclone-clone-");
        this.volume = base.resolve("volume");
        this.pgdata = volume.resolve("pgdata");
        this.workDir = base.resolve("tmp/pgclone");
        this.socketDir = base.resolve("run/postgresql");
        this.terminationLog = base.resolve("termination-log");
        this.bootstrapDir = base.resolve("bootstrap");
        this.parametersFile = bootstrapDir.resolve("parameters.conf");
        this.script = bootstrapDir.resolve("clone-bootstrap.sh");
        this.output = base.resolve("output.log");
        try {
            // other users must traverse base to reach the volume, as they can reach a pod mount
            chmod(base, "rwxr-xr-x");
            Files.createDirectories(volume);
            chmod(volume, "rwxr-xr-x");
            chown(volume, LocalPostgres.OS_USER);
            Os.exec(Duration.ofMinutes(2), List.of("cp", "-a", snapshot.toString(), pgdata.toString()), null)
                    .requireSuccess();
            for (Path dir : List.of(base.resolve("tmp"), base.resolve("run"), socketDir)) {
                Files.createDirectories(dir);
                chmod(dir, "rwx------");
                chown(dir, osUser);
            }
            Files.createDirectories(script.getParent());
            chmod(script.getParent(), "rwxr-xr-x");
            // as the Pod mounts the ConfigMap: every file of the bootstrap side by side, read-only
            for (Map.Entry<String, String> file : CloneBootstrap.files().entrySet()) {
                Path path = script.resolveSibling(file.getKey());
                Files.writeString(path, file.getValue());
                chmod(path, "r--r--r--");
            }
            Files.writeString(terminationLog, "");
            chown(terminationLog, osUser);
        } catch (IOException | RuntimeException e) {
            LocalPostgres.deleteTree(base);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        copiedLockFile = read(pgdata.resolve("postmaster.pid"));
        env.put("PGDATA", pgdata.toString());
        env.put("PGCLONE_VOLUME", volume.toString());
        env.put("PGCLONE_WORK_DIR", workDir.toString());
        env.put("PGCLONE_SOCKET_DIR", socketDir.toString());
        env.put("PGCLONE_PORT", Integer.toString(port));
        env.put("PGCLONE_LISTEN_ADDRESSES", "127.0.0.1");
        env.put("PGCLONE_SUPERUSER", LocalPostgres.SUPERUSER);
        env.put("PGCLONE_SUPERUSER_VERIFIER", ScramVerifier.of(DEFAULT_PASSWORD, new byte[ScramVerifier.SALT_BYTES]));
        env.put("PGCLONE_TERMINATION_LOG", terminationLog.toString());
        env.put("PGCLONE_BIN_DIR", LocalPostgres.binDir().toString());
        env.put("PGCLONE_RECOVERY_TIMEOUT", "120");
    }

    /** A fresh copy of {@code snapshot}, run by the postgres OS user. */
    static CloneRun of(Path snapshot) {
        return new CloneRun(snapshot, LocalPostgres.OS_USER);
    }

    /** A fresh copy of {@code snapshot} (still owned by postgres), run by {@code osUser}. */
    static CloneRun asUser(Path snapshot, String osUser) {
        return new CloneRun(snapshot, osUser);
    }

    /** The password whose verifier the clone starts with: the operator's, which preparation replaces. */
    String password() {
        return DEFAULT_PASSWORD;
    }

    String verifier() {
        return env.get("PGCLONE_SUPERUSER_VERIFIER");
    }

    CloneRun parameters(String content) {
        try {
            Files.writeString(parametersFile, content);
            chmod(parametersFile, "rw-r--r--");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("PGCLONE_PARAMETERS_FILE", parametersFile.toString());
        return this;
    }

    /** Runs the script with {@code command} instead of dash, e.g. {@code busybox sh} as alpine images do. */
    CloneRun shell(String... command) {
        shell = List.of(command);
        return this;
    }

    CloneRun start() {
        List<String> command = new ArrayList<>(shell);
        command.add(script.toString());
        ProcessBuilder pb = new ProcessBuilder(Os.asUser(osUser, command));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        try {
            started = Instant.now();
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Stops the phase-2 server as Kubernetes would stop the container, then runs the script again on the same volume. */
    CloneRun restart() {
        Os.exec(Duration.ofSeconds(60), Os.asUser(osUser, List.of(LocalPostgres.bin("pg_ctl"), "-D", pgdata.toString(),
                "-m", "fast", "-w", "-t", "30", "stop")), null).requireSuccess();
        awaitExit(Duration.ofSeconds(30));
        return start();
    }

    /** Polls the readiness probe of the clone Pod until it succeeds; fails fast if the script exits. */
    CloneRun awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (probe()) {
                // the clone Pod's time to ready, to compare script changes with (surefire's output file)
                System.out.println("bootstrap ready after " + Duration.between(started, Instant.now()).toMillis() + " ms");
                return this;
            }
            if (!process.isAlive()) {
                throw new AssertionError("bootstrap exited with " + process.exitValue() + " before it was ready;"
                        + " termination log: " + terminationMessage() + "\n" + output());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not ready within " + timeout + "\n" + output());
            }
            pause();
        }
    }

    /**
     * The readiness probe of the clone Pod: pg_isready on the phase-2 socket, run as the container's
     * uid as an exec probe is. With {@code -U}: without it libpq takes the user name from the passwd
     * entry of the uid, and a uid without one (26 on the official image) gets "no attempt" forever.
     */
    boolean probe() {
        return Os.exec(Duration.ofSeconds(10), Os.asUser(osUser, List.of(LocalPostgres.bin("pg_isready"), "-q", "-h",
                socketDir.toString(), "-p", Integer.toString(port), "-U", LocalPostgres.SUPERUSER)), null).exitCode() == 0;
    }

    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("bootstrap still running after " + timeout + "\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** The script's shell (under runuser when the tests run as root): where the kubelet's TERM goes. */
    long scriptPid() {
        return process.descendants()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(script.toString())).orElse(false))
                .findFirst().orElse(process.toHandle()).pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** psql as the superuser over the clone's phase-2 unix socket (trust). */
    String psql(String db, String sql) {
        return LocalPostgres.run(Duration.ofSeconds(60), LocalPostgres.bin("psql"), "-X", "-v", "ON_ERROR_STOP=1",
                "-At", "-h", socketDir.toString(), "-p", Integer.toString(port), "-U", LocalPostgres.SUPERUSER,
                "-d", db, "-c", sql).trim();
    }

    String psql(String sql) {
        return psql("postgres", sql);
    }

    /** A TCP connection with scram, as a client outside the Pod would make it; timeouts keep a hang from blocking. */
    Connection connect(String db, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        props.setProperty("sslmode", "disable");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, props);
    }

    String terminationMessage() {
        return read(terminationLog);
    }

    /** Everything the script and the phase-2 server wrote to stdout/stderr (the container log). */
    String output() {
        return read(output);
    }

    String phase1Log() {
        return read(workDir.resolve("phase1.log"));
    }

    @Override
    public void close() {
        try {
            String lockFile = read(pgdata.resolve("postmaster.pid"));
            if (!lockFile.isEmpty() && !lockFile.equals(copiedLockFile)) {
                // whichever phase is running, its lock file names the server to stop (the phase-1
                // postmaster is not our descendant: pg_ctl detaches it); the copied file names the
                // source's postmaster, whose pid may since belong to anything
                Os.exec(Duration.ofSeconds(60), Os.asUser(osUser, List.of(LocalPostgres.bin("pg_ctl"), "-D",
                        pgdata.toString(), "-m", "immediate", "-w", "-t", "30", "stop")), null);
            }
            if (process != null) {
                List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
                tree.add(process.toHandle());
                tree.forEach(ProcessHandle::destroyForcibly);
                for (ProcessHandle p : tree) {
                    p.onExit().get(30, TimeUnit.SECONDS);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the clone in " + base, e);
        } finally {
            LocalPostgres.deleteTree(base);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void chmod(Path path, String perms) throws IOException {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(perms));
    }

    /** chown to {@code user} and its group; a bare uid (no passwd entry) gets the gid of the same number. */
    static void chown(Path path, String user) {
        if (Os.isRoot()) {
            String owner = user.chars().allMatch(Character::isDigit) ? user + ":" + user : user + ":";
            Os.exec(Duration.ofSeconds(30), List.of("chown", owner, path.toString()), null).requireSuccess();
        }
    }

    /** The polling interval of every wait with a deadline in these tests. */
    static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
