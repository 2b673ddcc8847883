package dev.pgclone.testkit.cluster;

import dev.pgclone.testkit.postgres.LocalPostgresInstall;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server started by direct commands, outside any pod: what the benchmarks use to
 * measure the raw floor (postgres on a snapshot's copy), to restore a dump into a fresh instance,
 * and to answer preparations in the operator scale benchmark. Runs as the given uid (setpriv, with
 * libnss-wrapper supplying a passwd entry where the uid has none), in its own session, listening
 * on one loopback address and a private socket directory.
 */
public final class LocalPostgresServer implements AutoCloseable {

    public static final int PORT = 5432;
    private static final Duration CMD = Duration.ofMinutes(5);

    private final Process process;
    private final String address;
    private final Path socketDir;
    private final String major;
    private final Path log;

    private LocalPostgresServer(Process process, String address, Path socketDir, String major, Path log) {
        this.process = process;
        this.address = address;
        this.socketDir = socketDir;
        this.major = major;
        this.log = log;
    }

    /** Creates a data directory owned by {@code uid}; local (socket) connections are trusted, TCP ones use {@code hostAuth}. */
    public static void initdb(String major, Path dataDir, long uid, String hostAuth, Path scratch) {
        try {
            Files.createDirectories(dataDir.getParent());
            Files.createDirectories(scratch);
            Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
            chown(dataDir.getParent(), uid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = asUser(uid, false);
        cmd.addAll(List.of(LocalPostgresInstall.bin(major, "initdb").toString(), "-D", dataDir.toString(), "-U", "postgres",
                "--auth-local=trust", "--auth-host=" + hostAuth, "-E", "UTF8", "--locale=C", "--no-sync"));
        Exec.run(CMD, cmd, nssEnv(uid, scratch)).ok();
        try {
            // initdb's host lines cover 127.0.0.1 only; these servers listen on other loopback addresses
            Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all 127.0.0.0/8 " + hostAuth + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts postgres on {@code dataDir} at {@code address}:5432 as {@code uid}; returns at once
     * (see {@link #awaitAccepting}). {@code settings} are passed as {@code -c name=value}.
     */
    public static LocalPostgresServer start(String major, Path dataDir, long uid, String address, Path scratch, Map<String, String> settings) {
        Path socketDir = scratch.resolve("socket");
        Path log = scratch.resolve("postgres.log");
        try {
            Files.createDirectories(socketDir);
            Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = asUser(uid, true);
        cmd.addAll(List.of(LocalPostgresInstall.bin(major, "postgres").toString(), "-D", dataDir.toString(), "-k", socketDir.toString(),
                "-c", "listen_addresses=" + address, "-c", "port=" + PORT));
        settings.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(nssEnv(uid, scratch));
        pb.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            return new LocalPostgresServer(pb.start(), address, socketDir, major, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres on " + dataDir, e);
        }
    }

    /** Polls pg_isready on the socket until the server accepts connections; returns how long that took. */
    public Duration awaitAccepting(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<String> isReady = List.of(LocalPostgresInstall.bin(major, "pg_isready").toString(), "-q", "-h", socketDir.toString(),
                "-p", Integer.toString(PORT), "-U", "postgres");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("postgres exited with code " + process.exitValue() + " before accepting connections; log "
                        + log + ":\n" + tail());
            }
            if (Exec.run(Duration.ofSeconds(10), isReady, null).exitCode() == 0) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("postgres did not accept connections within " + timeout.toSeconds() + " s; log " + log + ":\n" + tail());
    }

    public String address() {
        return address;
    }

    public Path socketDir() {
        return socketDir;
    }

    public Path log() {
        return log;
    }

    /** psql as the superuser over the private socket; unaligned, tuples only. */
    public String psql(String sql) {
        return Exec.run(CMD, List.of(LocalPostgresInstall.bin(major, "psql").toString(), "-X", "-At", "-v", "ON_ERROR_STOP=1",
                "-h", socketDir.toString(), "-p", Integer.toString(PORT), "-U", "postgres", "-d", "postgres", "-c", sql), null).ok().strip();
    }

    /** The end of the server log, for error messages. */
    public String tail() {
        try {
            String s = Files.readString(log);
            return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Fast shutdown (SIGINT), then SIGKILL to the whole session if it has not ended within 30 s. */
    @Override
    public void close() {
        if (process.isAlive()) {
            Processes.signal(process.pid(), "INT");
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    Processes.signalGroup(process.pid(), "KILL");
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Processes.signalGroup(process.pid(), "KILL");
            }
        }
    }

    /** A loopback address (127.0.0.N, counting down from 250 to stay clear of the kubelet's pod addresses) whose port 5432 is free. */
    public static String freeAddress() {
        for (int n = 250; n > 100; n--) {
            String a = "127.0.0." + n;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(a), PORT));
                return a;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free loopback address 127.0.0.101-250 with port " + PORT + " unused");
    }

    private static List<String> asUser(long uid, boolean newSession) {
        List<String> cmd = new ArrayList<>();
        if (newSession) {
            cmd.add("setsid");
        }
        if (Exec.isRoot()) {
            cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--"));
        }
        return cmd;
    }

    private static void chown(Path p, long uid) {
        if (Exec.isRoot()) {
            Exec.ok(Duration.ofSeconds(30), "chown", uid + ":" + uid, p.toString());
        }
    }

    /** initdb and psql look up their own uid: the same passwd view the kubelet gives pods. */
    private static Map<String, String> nssEnv(long uid, Path scratch) {
        Map<String, String> env = new LinkedHashMap<>();
        var lib = Kubelet.findNssWrapper();
        if (lib.isPresent() && Exec.isRoot()) {
            try {
                Path dir = scratch.resolve("nss");
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("passwd"), "postgres:x:" + uid + ":" + uid + ":PostgreSQL:/:/bin/sh\n");
                Files.writeString(dir.resolve("group"), "postgres:x:" + uid + ":\n");
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                env.put("LD_PRELOAD", lib.get().toString());
                env.put("NSS_WRAPPER_PASSWD", dir.resolve("passwd").toString());
                env.put("NSS_WRAPPER_GROUP", dir.resolve("group").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return env;
    }
}
