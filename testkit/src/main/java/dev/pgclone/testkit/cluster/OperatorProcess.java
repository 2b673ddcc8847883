package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real, unmodified operator (the Quarkus fast-jar built by {@code ./mvnw package}) as a child
 * process: configured only through KUBECONFIG and its HTTP port, exactly as it would run outside a
 * cluster. Ready when its health endpoint says so.
 */
public final class OperatorProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorProcess.class);

    private final Process process;
    private final Path log;
    private final int httpPort;

    private OperatorProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The jar from the system property pgclone.operator.jar, else the reactor's operator/target. */
    public static Path defaultJar() {
        String p = System.getProperty("pgclone.operator.jar");
        return p != null ? Path.of(p) : Path.of("operator/target/quarkus-app/quarkus-run.jar");
    }

    public static OperatorProcess start(Path jar, Path kubeconfig, Path log, Duration readyTimeout) {
        return start(jar, kubeconfig, log, readyTimeout, Map.of());
    }

    /**
     * As {@link #start(Path, Path, Path, Duration)}, with environment variables added the way a
     * Deployment's {@code env} (the Helm chart's values) sets them, e.g. PGCLONE_ALLOWED_IMAGES.
     */
    public static OperatorProcess start(Path jar, Path kubeconfig, Path log, Duration readyTimeout, Map<String, String> env) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("operator jar " + jar.toAbsolutePath() + " not found: build it with ./mvnw -B package -DskipTests -pl operator");
        }
        int port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                "-jar", jar.toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
        pb.environment().put("PGCLONE_OPERATOR_KEY", operatorKey(kubeconfig));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the operator", e);
        }
        OperatorProcess op = new OperatorProcess(p, log, port);
        try {
            op.awaitReady(readyTimeout);
        } catch (RuntimeException e) {
            op.close();
            throw e;
        }
        LOG.info("operator {} running (pid {}, http 127.0.0.1:{}, log {})", jar.getFileName(), p.pid(), port, log);
        return op;
    }

    /**
     * The operator key of this cluster, kept beside its kubeconfig (as the Helm chart keeps it in a
     * Secret): every operator started on the cluster, restarts included, recognises what the
     * earlier ones created.
     */
    static String operatorKey(Path kubeconfig) {
        Path file = kubeconfig.toAbsolutePath().resolveSibling("operator.key");
        try {
            if (!Files.isRegularFile(file)) {
                byte[] random = new byte[36];
                new java.security.SecureRandom().nextBytes(random);
                Files.writeString(file, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random));
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the operator key at " + file, e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited with code " + process.exitValue() + " during start; log " + log + ":\n" + logTail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the operator was not ready within " + timeout.toSeconds() + " s; log " + log + ":\n" + logTail());
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    /** Its HTTP server (/q/health, /q/metrics), on 127.0.0.1. */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String logTail() {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
