package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cluster's API server with instant stand-ins for everything that would do real work:
 * the snapshotter and provisioner over {@link InstantStorage} (the same API work, no data), a
 * kubelet that reports every Pod Ready at one address ({@link InstantKubelet}), and the garbage
 * collector. For measuring the real operator jar with hundreds of clones: what is left to take
 * time is the operator and the API server. The stand-ins' requests carry the User-Agent
 * {@value #USER_AGENT}, so the API server's {@link RequestCounts} keep them apart from the operator's.
 */
public final class StandInCluster implements AutoCloseable {

    public static final String USER_AGENT = "pgclone-stand-ins";
    /** The garbage collector lists every type; during a measurement nothing is deleted, so it runs rarely. */
    private static final long GC_PERIOD_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(StandInCluster.class);

    private final Path workDir;
    private final Thread shutdownHook;
    private boolean closed;
    private ApiServer api;
    private KubernetesClient client;
    private InstantStorage storage;
    private Snapshotter snapshotter;
    private Provisioner provisioner;
    private InstantKubelet kubelet;
    private ScheduledExecutorService periodic;

    private StandInCluster(Path workDir) {
        this.workDir = workDir;
        this.shutdownHook = new Thread(this::close, "stand-in-cluster-shutdown");
    }

    /**
     * @param operatorCrds the operator's CRD directory (crds/)
     * @param podIp the address every Pod is reported at
     */
    public static StandInCluster start(Path operatorCrds, String podIp) {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        StaleClusters.cleanUp(parent);
        Path dir;
        try {
            // the same prefix and owner file as LocalCluster: a killed benchmark is cleaned up by the next cluster
            dir = Files.createTempDirectory(parent, StaleClusters.PREFIX);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(dir.resolve(StaleClusters.OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the stand-in cluster's work directory", e);
        }
        StandInCluster c = new StandInCluster(dir);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        try {
            c.api = ApiServer.start(dir.resolve("kubeconfig"));
            c.client = c.api.newClient(USER_AGENT);
            LocalCluster.installBasics(c.client, operatorCrds);
            c.storage = new InstantStorage();
            c.snapshotter = new Snapshotter(c.client, c.storage).start();
            c.provisioner = new Provisioner(c.client, false, c.storage, p -> false).start();
            c.kubelet = new InstantKubelet(c.client, podIp).start();
            GarbageCollector gc = new GarbageCollector(c.client, c.api.discovery());
            c.periodic = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "stand-in-cluster-periodic");
                t.setDaemon(true);
                return t;
            });
            c.periodic.scheduleWithFixedDelay(() -> {
                try {
                    gc.collect();
                    c.provisioner.releaseUnused();
                } catch (RuntimeException e) {
                    LOG.warn("periodic work failed: {}", e.toString());
                }
            }, GC_PERIOD_SECONDS, GC_PERIOD_SECONDS, TimeUnit.SECONDS);
            LOG.info("stand-in cluster up: API server {}, pods reported at {}, work directory {}", c.api.url(), podIp, dir);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public ApiServer apiServer() {
        return api;
    }

    /** The stand-ins' own client (its requests are counted as theirs). */
    public KubernetesClient client() {
        return client;
    }

    public Path workDir() {
        return workDir;
    }

    public Path operatorKubeconfig() {
        return api.directKubeconfig();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (periodic != null) {
                periodic.shutdownNow();
            }
            if (kubelet != null) {
                kubelet.close();
            }
            if (snapshotter != null) {
                snapshotter.close();
            }
            if (provisioner != null) {
                provisioner.close();
            }
            if (client != null) {
                client.close();
            }
            if (api != null) {
                api.close();
            }
            int stray = Processes.killUnder(workDir);
            if (stray > 0) {
                LOG.warn("killed {} process(es) still working under {}", stray, workDir);
            }
        } finally {
            if (storage != null) {
                storage.close();
            }
            Kubelet.deleteTree(workDir);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // close() is running from the hook itself
            }
        }
    }
}
