package dev.pgclone.e2e.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotClassBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes cluster on this machine, good enough to run the real operator jar against real
 * copy-on-write snapshots and real PostgreSQL: the fabric8 mock API server (kubectl works against
 * it), a CSI-like snapshotter and provisioner over {@link StorageBackend}, a kubelet running pods
 * as local processes, and the garbage collector. {@link #close()} (also run by a shutdown hook)
 * stops every process, unmounts, detaches the loop device and deletes the work directory.
 */
public final class LocalCluster implements AutoCloseable {

    public static final String DRIVER = "sandbox.pgclone.dev";
    public static final String STORAGE_CLASS = "sandbox";
    public static final String SNAPSHOT_CLASS = "sandbox-snapclass";
    public static final String NODE = "sandbox-node";
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    public enum StorageChoice { AUTO, BTRFS, COPY }

    /** Settings; defaults suit tests and the sandbox. */
    public static final class Options {
        Path workDirParent = Path.of(System.getProperty("java.io.tmpdir"));
        StorageChoice storage = StorageChoice.AUTO;
        long btrfsBytes = 8L << 30;
        Path operatorCrds;
        Path postgresRoot = Path.of("/usr/lib/postgresql");

        public Options storage(StorageChoice s) {
            this.storage = s;
            return this;
        }

        /** Apparent size of the sparse btrfs image (only written blocks use disk). */
        public Options btrfsBytes(long bytes) {
            this.btrfsBytes = bytes;
            return this;
        }

        /** Directory of the operator's CRD YAML files (crds/) to install at start. */
        public Options operatorCrds(Path dir) {
            this.operatorCrds = dir;
            return this;
        }

        public Options workDirParent(Path dir) {
            this.workDirParent = dir;
            return this;
        }

        public Options postgresRoot(Path dir) {
            this.postgresRoot = dir;
            return this;
        }
    }

    private final Path workDir;
    private boolean closed;
    private final Thread shutdownHook;
    private StorageBackend storage;
    private ApiServer api;
    private KubernetesClient client;
    private Kubelet kubelet;
    private Provisioner provisioner;
    private Snapshotter snapshotter;
    private GarbageCollector gc;
    private ServiceProxy serviceProxy;
    private ScheduledExecutorService periodic;

    private LocalCluster(Path workDir) {
        this.workDir = workDir;
        this.shutdownHook = new Thread(this::close, "local-cluster-shutdown");
    }

    public static LocalCluster start(Options options) {
        StaleClusters.cleanUp(options.workDirParent);
        Path dir;
        try {
            dir = Files.createTempDirectory(options.workDirParent, StaleClusters.PREFIX);
            // pods run as other uids and must reach their volumes and pod directories below this one
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(dir.resolve(StaleClusters.OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's work directory", e);
        }
        LocalCluster cluster = new LocalCluster(dir);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.startComponents(options);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void startComponents(Options options) {
        storage = chooseStorage(options);
        LOG.info("local cluster storage: {}", storage.describe());
        api = ApiServer.start(workDir.resolve("kubeconfig"));
        client = api.newClient();
        installBasics(client, options.operatorCrds);
        kubelet = new Kubelet(client, workDir, options.postgresRoot).start();
        serviceProxy = new ServiceProxy(client).start();
        provisioner = new Provisioner(client, storage, kubelet::inUse).start();
        snapshotter = new Snapshotter(client, storage).start();
        gc = new GarbageCollector(client, api.discovery());
        periodic = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-cluster-periodic");
            t.setDaemon(true);
            return t;
        });
        periodic.scheduleWithFixedDelay(this::periodicWork, 1, 1, TimeUnit.SECONDS);
        LOG.info("local cluster up: API server {} (kubeconfig {}), work directory {}", api.url(), api.kubeconfig(), workDir);
    }

    /** What every cluster here starts with: the CRDs, the default namespace, storage class and snapshot class. */
    static void installBasics(KubernetesClient client, Path operatorCrds) {
        ClusterCrds.installSnapshotCrds(client);
        if (operatorCrds != null) {
            ClusterCrds.installOperatorCrds(client, operatorCrds);
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(STORAGE_CLASS)
                .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true")).endMetadata()
                .withProvisioner(DRIVER).withReclaimPolicy("Delete").withVolumeBindingMode("Immediate").build()).create();
        client.resource(new VolumeSnapshotClassBuilder().withNewMetadata().withName(SNAPSHOT_CLASS)
                .withAnnotations(Map.of("snapshot.storage.kubernetes.io/is-default-class", "true")).endMetadata()
                .withDriver(DRIVER).withDeletionPolicy("Delete").build()).create();
    }

    private void periodicWork() {
        try {
            gc.collect();
            provisioner.releaseUnused();
        } catch (RuntimeException e) {
            LOG.warn("periodic work failed: {}", e.toString());
        }
    }

    private StorageBackend chooseStorage(Options options) {
        String btrfsProblem = BtrfsStorage.unavailableReason();
        switch (options.storage) {
            case COPY:
                LOG.warn("storage forced to copies: {}", "snapshots and clones will be full copies");
                return CopyStorage.create(workDir);
            case BTRFS:
                if (btrfsProblem != null) {
                    throw new IllegalStateException("btrfs storage was asked for but cannot be used: " + btrfsProblem);
                }
                return BtrfsStorage.create(workDir, options.btrfsBytes);
            default:
                if (btrfsProblem == null) {
                    try {
                        return BtrfsStorage.create(workDir, options.btrfsBytes);
                    } catch (RuntimeException e) {
                        btrfsProblem = e.getMessage();
                    }
                }
                LOG.warn("btrfs not available ({}); FALLING BACK TO COPIES: every snapshot and clone copies the whole volume", btrfsProblem);
                return CopyStorage.create(workDir);
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public ApiServer apiServer() {
        return api;
    }

    public StorageBackend storage() {
        return storage;
    }

    public Kubelet kubelet() {
        return kubelet;
    }

    public Path workDir() {
        return workDir;
    }

    /** For kubectl and people. */
    public Path kubeconfig() {
        return api.kubeconfig();
    }

    /** For fabric8-based programs such as the operator. */
    public Path operatorKubeconfig() {
        return api.directKubeconfig();
    }

    /** Runs the garbage collector now (tests use it to avoid waiting for the next second). */
    public int collectGarbage() {
        return gc.collect();
    }

    /** True when no PV is waiting to be deleted. */
    public boolean volumesReleased() {
        return provisioner.idle();
    }

    /** Synchronized: a second caller (the shutdown hook during a close) returns only when everything is gone. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("local cluster stopping: pods, controllers, API server, storage, work directory {}", workDir);
        try {
            if (periodic != null) {
                periodic.shutdownNow();
            }
            if (serviceProxy != null) {
                serviceProxy.close();
            }
            if (snapshotter != null) {
                snapshotter.close();
            }
            if (provisioner != null) {
                provisioner.close();
            }
            if (kubelet != null) {
                kubelet.close();
            }
            int stray = Processes.killUnder(workDir);
            if (stray > 0) {
                LOG.warn("killed {} process(es) still working under {}", stray, workDir);
            }
            if (client != null) {
                client.close();
            }
            if (api != null) {
                api.close();
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
