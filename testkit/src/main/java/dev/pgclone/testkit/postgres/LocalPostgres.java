package dev.pgclone.testkit.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL instance made from the machine's binaries, for tests that run SQL or the
 * bootstrap script. PostgreSQL refuses to run as root, so when the test JVM is root every
 * command runs as the unprivileged OS user {@link #OS_USER} (Debian's postgresql package creates it).
 * Each instance lives in its own temporary directory and on its own port; {@link #close()} stops it
 * and removes the directory, so a failing test leaves nothing behind.
 */
public final class LocalPostgres implements AutoCloseable {

    public static final String OS_USER = "postgres";
    public static final String SUPERUSER = "postgres";

    private final Path baseDir;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final int port;
    private boolean running;

    private LocalPostgres(Path baseDir, int port) {
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.socketDir = baseDir.resolve("sock");
        this.logFile = baseDir.resolve("postgres.log");
        this.port = port;
    }

    /** initdb a fresh cluster (scram for TCP, trust on the socket) without starting it. */
    public static LocalPostgres create(String name) {
        Path base = newTempDir("pgclone-" + name + "-");
        LocalPostgres pg = new LocalPostgres(base, freePort());
        try {
            Files.createDirectories(pg.socketDir);
            Os.chownToPostgres(base);
            Os.chownToPostgres(pg.socketDir);
            run(Duration.ofMinutes(2), bin("initdb"), "-D", pg.dataDir.toString(), "-U", SUPERUSER,
                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync",
                    "--locale=C");
            return pg;
        } catch (RuntimeException | IOException e) {
            pg.close();
            throw e instanceof RuntimeException re ? re : new UncheckedIOException((IOException) e);
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

    public LocalPostgres start() {
        run(Duration.ofMinutes(2), bin("pg_ctl"), "-D", dataDir.toString(), "-l", logFile.toString(), "-w",
                "-t", "100", "-o", "-p " + port + " -k " + socketDir + " -c listen_addresses=127.0.0.1", "start");
        running = true;
        return this;
    }

    /** Stop; {@code immediate} leaves the data directory crash-consistent, as a volume snapshot would. */
    public void stop(String mode) {
        if (running) {
            run(Duration.ofMinutes(2), bin("pg_ctl"), "-D", dataDir.toString(), "-m", mode, "-w", "stop");
            running = false;
        }
    }

    /** Runs SQL through psql on the private socket as the superuser; returns unaligned, tuple-only output. */
    public String psql(String db, String sql) {
        return run(Duration.ofMinutes(5), bin("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h", socketDir.toString(),
                "-p", Integer.toString(port), "-U", SUPERUSER, "-d", db, "-c", sql).trim();
    }

    public String psql(String sql) {
        return psql("postgres", sql);
    }

    public void appendConfig(String line) {
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), line + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db;
    }

    public Path baseDir() { return baseDir; }
    public Path dataDir() { return dataDir; }
    public Path socketDir() { return socketDir; }
    public Path logFile() { return logFile; }
    public int port() { return port; }
    public boolean running() { return running; }

    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            stop("immediate");
        } catch (RuntimeException ignored) {
            // the directory goes anyway; a postgres that will not stop would show in the next assertion
        } finally {
            deleteTree(baseDir);
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
