package dev.pgclone.testkit.postgres;

import dev.pgclone.testkit.cluster.Kubelet;
import dev.pgclone.testkit.cluster.Processes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server made from the machine's binaries: the one launcher of the operator's
 * tests (SQL, the bootstrap script) and of the end-to-end module's benchmarks (a server on a
 * snapshot's copy, a dump's target, the database answering hundreds of clones).
 *
 * <p>By default an instance lives in its own temporary directory (data, socket, log) on a free
 * port of 127.0.0.1, runs as the unprivileged OS user {@link #OS_USER} when the JVM is root
 * (PostgreSQL refuses to run as root; Debian's postgresql package creates that user), and
 * {@link #close()} stops it and removes the directory, so a failing test leaves nothing behind.
 * {@link Options} change that: another uid (libnss-wrapper gives it a passwd entry, as the local
 * kubelet gives pods), a loopback address and port, server settings, a data directory the caller
 * owns (left in place by close), a PostgreSQL major.
 *
 * <p>The server is the {@code postgres} process itself, started in a session of its own, so its
 * start can be timed to the first accepted connection ({@link #spawn()} then
 * {@link #awaitAccepting}) and its stop is a signal: smart, fast and immediate shutdown as
 * {@code pg_ctl stop -m} sends them.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String OS_USER = "postgres";
    public static final String SUPERUSER = "postgres";
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    /** How a server runs; the defaults are the operator tests' (see the class comment). */
    public static final class Options {
        private String major;
        private Long uid;
        private String address = "127.0.0.1";
        private int port;
        private String hostAuth = "scram-sha-256";
        private final Map<String, String> settings = new LinkedHashMap<>();

        /** The PostgreSQL major version's binaries (Debian layout); default: $PGCLONE_PG_BIN, else the newest installed. */
        public Options major(String major) {
            this.major = major;
            return this;
        }

        /** Run as this uid when root (default: the postgres OS user). */
        public Options uid(long uid) {
            this.uid = uid;
            return this;
        }

        /** Listen on this address (default 127.0.0.1); {@link #freeAddress} finds a loopback one. */
        public Options address(String address) {
            this.address = address;
            return this;
        }

        /** Listen on this port (default: a free one). */
        public Options port(int port) {
            this.port = port;
            return this;
        }

        /** initdb's method for TCP connections (default scram-sha-256; socket connections are trusted). */
        public Options hostAuth(String method) {
            this.hostAuth = method;
            return this;
        }

        /** A server setting, passed as {@code -c name=value}. */
        public Options set(String name, String value) {
            settings.put(name, value);
            return this;
        }
    }

    private final Options options;
    private final Path baseDir;
    private final Path dataDir;
    private final boolean ownsBaseDir;
    private final Path socketDir;
    private final Path logFile;
    private final int port;
    private Process process;

    private LocalPostgres(Options options, Path baseDir, Path dataDir, boolean ownsBaseDir) {
        this.options = options;
        this.baseDir = baseDir;
        this.dataDir = dataDir;
        this.ownsBaseDir = ownsBaseDir;
        this.socketDir = baseDir.resolve("sock");
        this.logFile = baseDir.resolve("postgres.log");
        this.port = options.port != 0 ? options.port : freePort();
    }

    /** initdb a fresh cluster (scram for TCP, trust on the socket) in a new temporary directory, without starting it. */
    public static LocalPostgres create(String name) {
        return create(name, new Options());
    }

    public static LocalPostgres create(String name, Options options) {
        Path base = newTempDir("pgclone-" + name + "-");
        LocalPostgres pg = new LocalPostgres(options, base, base.resolve("data"), true);
        try {
            pg.prepareBaseDir();
            initdb(pg.dataDir, options);
            return pg;
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
    }

    /** Create and start. */
    public static LocalPostgres start(String name) {
        LocalPostgres pg = create(name);
        try {
            pg.start();
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    /**
     * A server for an existing data directory, which stays where it is when this closes; socket
     * and log go to {@code scratch}. Not started.
     */
    public static LocalPostgres on(Path dataDir, Path scratch, Options options) {
        LocalPostgres pg = new LocalPostgres(options, scratch, dataDir, false);
        pg.prepareBaseDir();
        return pg;
    }

    /**
     * initdb into {@code dataDir} (created, owned by the server's user); a server to listen on
     * another loopback address than 127.0.0.1 lets TCP connections from all of 127.0.0.0/8 in.
     */
    public static void initdb(Path dataDir, Options options) {
        try {
            Files.createDirectories(dataDir.getParent());
            Os.chown(dataDir.getParent(), options.uid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(bin(options.major, "initdb"), "-D", dataDir.toString(), "-U", SUPERUSER,
                "--auth-local=trust", "--auth-host=" + options.hostAuth, "-E", "UTF8", "--no-sync", "--locale=C"));
        Path nss = dataDir.getParent().resolve(".nss-" + dataDir.getFileName());
        try {
            Os.exec(Duration.ofMinutes(2), Os.asUser(options.uid, cmd), Os.passwdFor(options.uid, nss)).requireSuccess();
        } finally {
            deleteTree(nss);
        }
        if (!"127.0.0.1".equals(options.address)) {
            try {
                // initdb's host lines cover 127.0.0.1 alone
                Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all 127.0.0.0/8 " + options.hostAuth + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void prepareBaseDir() {
        try {
            Files.createDirectories(socketDir);
            Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Os.chown(baseDir, options.uid);
            Os.chown(socketDir, options.uid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server and waits until it accepts connections (at most 2 minutes). */
    public LocalPostgres start() {
        spawn();
        awaitAccepting(Duration.ofMinutes(2));
        return this;
    }

    /** Starts the server and returns at once; {@link #awaitAccepting} waits for it. */
    public LocalPostgres spawn() {
        if (running()) {
            throw new IllegalStateException("postgres on " + dataDir + " is already running");
        }
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(Os.asUser(options.uid, new ArrayList<>(List.of(bin(options.major, "postgres"), "-D", dataDir.toString(),
                "-k", socketDir.toString(), "-c", "listen_addresses=" + options.address, "-c", "port=" + port))));
        options.settings.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(Os.passwdFor(options.uid, baseDir.resolve("nss")));
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres on " + dataDir, e);
        }
        return this;
    }

    /** Polls pg_isready on the socket until the server accepts connections; returns how long that took. */
    public Duration awaitAccepting(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<String> isReady = List.of(bin(options.major, "pg_isready"), "-q", "-h", socketDir.toString(), "-p", Integer.toString(port),
                "-U", SUPERUSER);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("postgres exited with code " + process.exitValue() + " before accepting connections; log "
                        + logFile + ":\n" + tail());
            }
            if (Os.exec(Duration.ofSeconds(10), isReady, null).exitCode() == 0) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            sleep(10);
        }
        throw new IllegalStateException("postgres did not accept connections within " + timeout.toSeconds() + " s; log " + logFile + ":\n"
                + tail());
    }

    /**
     * Stops the server as {@code pg_ctl stop -m mode} would: smart (SIGTERM), fast (SIGINT) or
     * immediate (SIGQUIT, which leaves the data directory crash-consistent, as a volume snapshot
     * would); SIGKILL to its session if it has not ended within 2 minutes.
     */
    public void stop(String mode) {
        if (!running()) {
            return;
        }
        String signal = switch (mode) {
            case "smart" -> "TERM";
            case "fast" -> "INT";
            case "immediate" -> "QUIT";
            default -> throw new IllegalArgumentException("shutdown mode " + mode + ": smart, fast or immediate");
        };
        Processes.signal(process.pid(), signal);
        try {
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                Processes.signalGroup(process.pid(), "KILL");
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Processes.signalGroup(process.pid(), "KILL");
        }
    }

    /** Runs SQL through psql on the private socket as the superuser; returns unaligned, tuple-only output. */
    public String psql(String db, String sql) {
        List<String> cmd = List.of(bin(options.major, "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h", socketDir.toString(),
                "-p", Integer.toString(port), "-U", SUPERUSER, "-d", db, "-c", sql);
        return Os.exec(COMMAND_TIMEOUT, Os.asUser(options.uid, new ArrayList<>(cmd)), Os.passwdFor(options.uid, baseDir.resolve("nss")))
                .requireSuccess().trim();
    }

    public String psql(String sql) {
        return psql("postgres", sql);
    }

    public void appendConfig(String line) {
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + options.address + ":" + port + "/" + db;
    }

    public Path baseDir() { return baseDir; }
    public Path dataDir() { return dataDir; }
    public Path socketDir() { return socketDir; }
    public Path logFile() { return logFile; }
    public int port() { return port; }
    public String address() { return options.address; }
    public boolean running() { return process != null && process.isAlive(); }

    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** The end of the server log, for error messages. */
    public String tail() {
        String log = log();
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }

    /** Stops the server (immediate); removes its temporary directory, or only the nss files where the caller owns the directory. */
    @Override
    public void close() {
        try {
            stop("immediate");
        } catch (RuntimeException ignored) {
            // the directory goes anyway; a postgres that will not stop would show in the next assertion
        } finally {
            if (ownsBaseDir) {
                deleteTree(baseDir);
            } else {
                deleteTree(baseDir.resolve("nss"));
            }
        }
    }

    // ---------------------------------------------------------------- helpers shared by real-PostgreSQL tests

    /** Directory of the PostgreSQL server binaries: $PGCLONE_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
    public static Path binDir() {
        String env = System.getenv("PGCLONE_PG_BIN");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Path root = Path.of("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(root)) {
            return versions.filter(p -> Files.isExecutable(p.resolve("bin/postgres")))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
                    .map(p -> p.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under " + root
                            + ": apt-get install postgresql-15, or set PGCLONE_PG_BIN"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server under " + root
                    + ": apt-get install postgresql-15, or set PGCLONE_PG_BIN", e);
        }
    }

    public static String bin(String name) {
        return binDir().resolve(name).toString();
    }

    /** A program of this major version (Debian layout), or of {@link #binDir()} when major is null. */
    public static String bin(String major, String name) {
        return major == null ? bin(name) : LocalPostgresInstall.bin(major, name).toString();
    }

    /** A loopback address (127.0.0.N, counting down from 250 to stay clear of the local kubelet's pod addresses) whose port is free. */
    public static String freeAddress(int port) {
        for (int n = 250; n > 100; n--) {
            String a = "127.0.0." + n;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(a), port));
                return a;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free loopback address 127.0.0.101-250 with port " + port + " unused");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path newTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command as the postgres OS user (when root) and returns stdout; throws with stderr on failure. */
    public static String run(Duration timeout, String... command) {
        return Os.exec(timeout, Os.asPostgres(List.of(command)), null).requireSuccess();
    }

    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }

    /** Process helpers; kept here so every real-process test drops root the same way. */
    public static final class Os {
        private Os() {}

        public static boolean isRoot() {
            return "root".equals(System.getProperty("user.name"));
        }

        public static List<String> asPostgres(List<String> command) {
            return asUser(OS_USER, command);
        }

        /** Prefixes a command so it runs as {@code user} (a name or a numeric uid) when we are root. */
        public static List<String> asUser(String user, List<String> command) {
            if (!isRoot()) {
                return command;
            }
            List<String> full = new ArrayList<>();
            if (user.chars().allMatch(Character::isDigit)) {
                full.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups", "--"));
            } else {
                full.addAll(List.of("runuser", "-u", user, "--"));
            }
            full.addAll(command);
            return full;
        }

        public static void chownToPostgres(Path path) {
            if (isRoot()) {
                exec(Duration.ofSeconds(30), List.of("chown", OS_USER + ":", path.toString()), null).requireSuccess();
            }
        }

        /** Hands a path to the server's user: the uid, or the postgres OS user when uid is null; nothing unless root. */
        static void chown(Path path, Long uid) {
            if (uid == null) {
                chownToPostgres(path);
            } else if (isRoot()) {
                exec(Duration.ofSeconds(30), List.of("chown", uid + ":" + uid, path.toString()), null).requireSuccess();
            }
        }

        /** A command run as the uid (setpriv, so the process is the command itself), or as the postgres OS user when uid is null. */
        static List<String> asUser(Long uid, List<String> command) {
            if (uid == null) {
                if (!isRoot()) {
                    return command;
                }
                List<String> full = new ArrayList<>(List.of("setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER, "--init-groups", "--"));
                full.addAll(command);
                return full;
            }
            return asUser(Long.toString(uid), command);
        }

        /**
         * initdb, postgres and psql look up their own uid: for a uid given by number (it may have no
         * /etc/passwd entry) libnss-wrapper supplies one named postgres, in {@code dir}; nothing
         * otherwise, or where libnss-wrapper is not installed.
         */
        static Map<String, String> passwdFor(Long uid, Path dir) {
            Map<String, String> env = new LinkedHashMap<>();
            var lib = Kubelet.findNssWrapper();
            if (uid == null || !isRoot() || lib.isEmpty()) {
                return env;
            }
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("passwd"), "postgres:x:" + uid + ":" + uid + ":PostgreSQL:/:/bin/sh\n");
                Files.writeString(dir.resolve("group"), "postgres:x:" + uid + ":\n");
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            env.put("LD_PRELOAD", lib.get().toString());
            env.put("NSS_WRAPPER_PASSWD", dir.resolve("passwd").toString());
            env.put("NSS_WRAPPER_GROUP", dir.resolve("group").toString());
            return env;
        }

        public static Result exec(Duration timeout, List<String> command, java.util.Map<String, String> env) {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (env != null) {
                pb.environment().putAll(env);
            }
            try {
                Path out = Files.createTempFile("pgclone-out", ".txt");
                Path err = Files.createTempFile("pgclone-err", ".txt");
                try {
                    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                    Process p = pb.start();
                    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                        throw new IllegalStateException("timed out after " + timeout + ": " + command);
                    }
                    return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
                } finally {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public String requireSuccess() {
            if (exitCode != 0) {
                throw new IllegalStateException("command failed (exit " + exitCode + "): " + command
                        + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return stdout;
        }
    }
}
