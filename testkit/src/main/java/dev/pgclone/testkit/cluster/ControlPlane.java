package dev.pgclone.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Kubernetes control plane under the local cluster: the {@code pgclone-controlplane}
 * binary that {@code make controlplane} builds from upstream Go modules (embedded etcd,
 * kube-apiserver, kube-controller-manager and the CSI snapshot controller), as a child process.
 * Ready when it prints its {@code {"status":"ready",...}} line; {@link #close()} sends SIGTERM,
 * upon which it stops its parts in order.
 */
public final class ControlPlane implements AutoCloseable {

    /** Service cluster IPs come from here, so the kube-proxy stand-in can listen on each Service's own address. */
    public static final String SERVICE_RANGE = "127.0.1.0/24";
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AUDIT_LOG = "audit.log";
    /**
     * Every request of the operator (any ServiceAccount of the chart's namespace) and every write of
     * anyone else, at Metadata level (who, what, which object, the answer), once complete.
     */
    private static final String AUDIT_POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: ["RequestReceived", "ResponseStarted"]
            rules:
            - level: Metadata
              userGroups: ["system:serviceaccounts:%s"]
            - level: Metadata
              verbs: ["create", "update", "patch", "delete", "deletecollection"]
            - level: None
            """.formatted(OperatorAccess.NAMESPACE);

    private final Process process;
    private final Path kubeconfig;
    private final Path dataDir;
    private final JsonNode ready;

    private ControlPlane(Process process, Path kubeconfig, Path dataDir, JsonNode ready) {
        this.process = process;
        this.kubeconfig = kubeconfig;
        this.dataDir = dataDir;
        this.ready = ready;
    }

    /**
     * The binary: the system property {@code pgclone.controlplane}, else the environment variable
     * {@code PGCLONE_CONTROLPLANE}, else {@code e2e/controlplane/bin/pgclone-controlplane} under the
     * working directory or one of its parents (the repository).
     */
    public static Path binary() {
        String configured = System.getProperty("pgclone.controlplane", System.getenv("PGCLONE_CONTROLPLANE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path relative = Path.of("e2e", "controlplane", "bin", "pgclone-controlplane");
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
            if (Files.isExecutable(dir.resolve("controlplane/bin/pgclone-controlplane"))) {
                return dir.resolve("controlplane/bin/pgclone-controlplane");
            }
        }
        return Path.of("").toAbsolutePath().resolve(relative);
    }

    /**
     * Starts the control plane with its data (etcd, certificates, logs) in dataDir and the admin
     * kubeconfig at kubeconfig. The API server keeps an audit log of every write request
     * ({@link #auditLog()}): who changed what, which tests read to show whose requests touched production.
     */
    public static ControlPlane start(Path dataDir, Path kubeconfig, Duration timeout) {
        dataDir = dataDir.toAbsolutePath();
        kubeconfig = kubeconfig.toAbsolutePath();
        Path bin = binary().toAbsolutePath();
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("the local control plane " + bin + " is not built: run `make controlplane` "
                    + "(the first build compiles Kubernetes from Go modules, about 13 minutes on 2 cores), or set CLUSTER=mock for the mock API server");
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dataDir.resolve("controlplane.log");
        Path policy = dataDir.resolve("audit-policy.yaml");
        try {
            Files.writeString(policy, AUDIT_POLICY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(bin.toString(), "--data-dir", dataDir.toString(), "--kubeconfig", kubeconfig.toString(),
                "--service-cluster-ip-range", SERVICE_RANGE, "--ready-timeout", timeout.toSeconds() + "s",
                "--apiserver-arg=--audit-policy-file=" + policy, "--apiserver-arg=--audit-log-path=" + dataDir.resolve(AUDIT_LOG),
                "--apiserver-arg=--audit-log-format=json"));
        pb.redirectError(log.toFile());
        // working in its data directory (its parts inherit it): a cluster whose JVM was killed is found
        // and stopped by the next one (StaleClusters), which looks for processes working under its directory
        pb.directory(dataDir.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + bin, e);
        }
        CompletableFuture<JsonNode> status = new CompletableFuture<>();
        Thread reader = new Thread(() -> readStatus(p, status), "controlplane-stdout");
        reader.setDaemon(true);
        reader.start();
        JsonNode ready;
        try {
            ready = status.get(timeout.toSeconds() + 30, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException | InterruptedException e) {
            stop(p);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the local control plane did not become ready: " + e.getMessage() + "; log " + log + ":\n" + tail(log), e);
        }
        if (!"ready".equals(ready.path("status").asText())) {
            stop(p);
            throw new IllegalStateException("the local control plane failed: " + ready.path("error").asText(ready.toString()) + "; log " + log + ":\n" + tail(log));
        }
        LOG.info("control plane ready in {} s: API server {} ({}), pid {}", ready.path("startupSeconds").asText(), ready.path("url").asText(),
                ready.path("versions").path("k8s.io/kubernetes").asText(), p.pid());
        return new ControlPlane(p, kubeconfig, dataDir, ready);
    }

    /** Reads the binary's standard output: the first status line completes the future, later ones are logged. */
    private static void readStatus(Process p, CompletableFuture<JsonNode> status) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                try {
                    JsonNode node = JSON.readTree(line);
                    if (!status.complete(node)) {
                        LOG.info("control plane: {}", line);
                    }
                } catch (IOException notJson) {
                    LOG.info("control plane: {}", line);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        status.completeExceptionally(new IllegalStateException("the control plane exited with code " + waitExit(p)));
    }

    private static int waitExit(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The admin kubeconfig (client certificate of system:masters): for people, kubectl and the cluster's own parts. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public String url() {
        return ready.path("url").asText();
    }

    /** The Kubernetes version it was built from, e.g. v1.37.2. */
    public String version() {
        return ready.path("versions").path("k8s.io/kubernetes").asText("unknown");
    }

    public Path caFile() {
        return Path.of(ready.path("caFile").asText());
    }

    /** The API server's audit log of write requests (JSON lines), see {@link AuditLog}. */
    public AuditLog auditLog() {
        return new AuditLog(dataDir.resolve(AUDIT_LOG));
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }

    public long pid() {
        return process.pid();
    }

    /** A fabric8 client with the admin credentials; the caller closes it. */
    public KubernetesClient newClient(String userAgent) {
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            config.setRequestTimeout(30_000);
            config.setConnectionTimeout(10_000);
            if (userAgent != null) {
                config.setUserAgent(userAgent);
            }
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop(process);
    }

    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                LOG.warn("the control plane did not stop within 60 s: killing it");
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    static Duration defaultTimeout() {
        return Duration.ofMinutes(3);
    }
}
