package dev.pgclone.testkit.cluster;

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
 * A Kubernetes cluster on this machine that runs the real operator jar against real copy-on-write
 * snapshots and real PostgreSQL.
 * <p>
 * By default ({@link ApiKind#REAL}) its control plane is real: etcd, kube-apiserver,
 * kube-controller-manager and the CSI snapshot controller built from upstream modules
 * ({@link ControlPlane}), with authentication, RBAC, admission, CRD validation, garbage
 * collection, namespaces and PV binding. The operator runs with the Helm chart's ServiceAccount
 * and RBAC ({@link OperatorAccess}); the CRDs are applied with {@code kubectl apply -f crds/}.
 * What no control plane does, this project's stand-ins do, as clients of the API server: the
 * kubelet ({@link Kubelet}, pods as local processes), the CSI driver with its provisioner and
 * snapshotter sidecars over {@link StorageBackend} ({@link Provisioner}, {@link SnapshotSidecar})
 * and kube-proxy ({@link ServiceProxy}).
 * <p>
 * {@link ApiKind#MOCK} (CLUSTER=mock) is the fallback without the control plane: the fabric8 mock
 * API server, with {@link Snapshotter} and {@link GarbageCollector} doing the controllers' part.
 * <p>
 * {@link #close()} (also run by a shutdown hook) stops every process, unmounts, detaches the loop
 * device and deletes the work directory.
 */
public final class LocalCluster implements AutoCloseable {

    public static final String DRIVER = "sandbox.pgclone.dev";
    public static final String STORAGE_CLASS = "sandbox";
    public static final String SNAPSHOT_CLASS = "sandbox-snapclass";
    public static final String NODE = "sandbox-node";
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    public enum StorageChoice { AUTO, BTRFS, COPY }

    /** The API server: the real control plane, or the fabric8 mock. */
    public enum ApiKind {
        REAL, MOCK;

        /** -Dpgclone.cluster, else the environment variable CLUSTER (real|mock), else real. */
        public static ApiKind fromEnvironment() {
            String v = System.getProperty("pgclone.cluster", System.getenv().getOrDefault("CLUSTER", "real"));
            return switch (v.isBlank() ? "real" : v.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "real" -> REAL;
                case "mock" -> MOCK;
                default -> throw new IllegalArgumentException("CLUSTER=" + v + ": use real (the local control plane) or mock (the fabric8 mock API server)");
            };
        }
    }

    /** Settings; defaults suit tests and the sandbox. */
    public static final class Options {
        Path workDirParent = Path.of(System.getProperty("java.io.tmpdir"));
        StorageChoice storage = StorageChoice.AUTO;
        ApiKind api = ApiKind.fromEnvironment();
        long btrfsBytes = 8L << 30;
        Path operatorCrds;
        Path postgresRoot = Path.of("/usr/lib/postgresql");

        public Options api(ApiKind kind) {
            this.api = kind;
            return this;
        }

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
    private ApiKind apiKind;
    private ApiServer api;
    private ControlPlane controlPlane;
    private OperatorAccess operatorAccess;
    private KubernetesClient client;
    private Kubelet kubelet;
    private Provisioner provisioner;
    private Snapshotter snapshotter;
    private SnapshotSidecar snapshotSidecar;
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
        apiKind = options.api;
        storage = chooseStorage(options);
        LOG.info("local cluster storage: {}", storage.describe());
        boolean real = apiKind == ApiKind.REAL;
        if (real) {
            controlPlane = ControlPlane.start(workDir.resolve("controlplane"), workDir.resolve("kubeconfig"), ControlPlane.defaultTimeout());
            client = controlPlane.newClient(null);
            installBasics(client, workDir.resolve("kubeconfig"), options.operatorCrds);
            operatorAccess = OperatorAccess.install(client, controlPlane, workDir.resolve("operator-kubeconfig"));
        } else {
            api = ApiServer.start(workDir.resolve("kubeconfig"));
            client = api.newClient();
            installBasics(client, options.operatorCrds);
        }
        kubelet = new Kubelet(client, real, workDir, options.postgresRoot).start();
        serviceProxy = new ServiceProxy(client).start();
        provisioner = new Provisioner(client, real, storage, kubelet::inUse).start();
        if (real) {
            snapshotSidecar = new SnapshotSidecar(client, storage).start();
        } else {
            snapshotter = new Snapshotter(client, storage).start();
            gc = new GarbageCollector(client, api.discovery());
        }
        periodic = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "local-cluster-periodic");
            t.setDaemon(true);
            return t;
        });
        periodic.scheduleWithFixedDelay(this::periodicWork, 1, 1, TimeUnit.SECONDS);
        LOG.info("local cluster up: {} API server {} (kubeconfig {}), work directory {}", real ? "real" : "mock",
                real ? controlPlane.url() : api.url(), kubeconfig(), workDir);
    }

    /**
     * The real cluster's start: the operator's CRDs applied as a user applies them
     * ({@code kubectl apply -f crds/}, the VolumeSnapshot ones come with the control plane), the
     * node, and the storage and snapshot classes.
     */
    private static void installBasics(KubernetesClient client, Path kubeconfig, Path operatorCrds) {
        if (operatorCrds != null) {
            ClusterCrds.applyWithKubectl(kubeconfig, operatorCrds);
            ClusterCrds.awaitEstablished(client, operatorCrds);
        }
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(NODE)
                .withLabels(Map.of("kubernetes.io/hostname", NODE, "kubernetes.io/os", "linux")).endMetadata().build()).create();
        client.nodes().withName(NODE).editStatus(n -> {
            n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
                    .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                        .withMessage("the local cluster's kubelet runs pods as local processes").endCondition()
                    .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                    .addNewAddress().withType("Hostname").withAddress(NODE).endAddress()
                    .build());
            return n;
        });
        createClasses(client);
    }

    /** What every cluster here starts with: the CRDs, the default namespace, storage class and snapshot class. */
    static void installBasics(KubernetesClient client, Path operatorCrds) {
        ClusterCrds.installSnapshotCrds(client);
        if (operatorCrds != null) {
            ClusterCrds.installOperatorCrds(client, operatorCrds);
        }
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
        createClasses(client);
    }

    private static void createClasses(KubernetesClient client) {
        client.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(STORAGE_CLASS)
                .withAnnotations(Map.of("storageclass.kubernetes.io/is-default-class", "true")).endMetadata()
                .withProvisioner(DRIVER).withReclaimPolicy("Delete").withVolumeBindingMode("Immediate").build()).create();
        client.resource(new VolumeSnapshotClassBuilder().withNewMetadata().withName(SNAPSHOT_CLASS)
                .withAnnotations(Map.of("snapshot.storage.kubernetes.io/is-default-class", "true")).endMetadata()
                .withDriver(DRIVER).withDeletionPolicy("Delete").build()).create();
    }

    private void periodicWork() {
        try {
            if (gc != null) {
                gc.collect();
            }
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

    public ApiKind apiKind() {
        return apiKind;
    }

    /** The real control plane, or null on the mock. */
    public ControlPlane controlPlane() {
        return controlPlane;
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

    /** For kubectl and people: on the real control plane the admin's (client certificate of system:masters). */
    public Path kubeconfig() {
        return controlPlane != null ? controlPlane.kubeconfig() : api.kubeconfig();
    }

    /** The operator's: on the real control plane its chart ServiceAccount's token; on the mock the mock's own address. */
    public Path operatorKubeconfig() {
        return controlPlane != null ? operatorAccess.kubeconfig() : api.directKubeconfig();
    }

    /** The chart Deployment's environment for the operator (empty on the mock, which has no chart installed). */
    public Map<String, String> operatorEnv() {
        return operatorAccess == null ? Map.of() : operatorAccess.env();
    }

    /** The operator's identity as RBAC sees it (real control plane only). */
    public java.util.Optional<OperatorAccess> operatorAccess() {
        return java.util.Optional.ofNullable(operatorAccess);
    }

    /** The real operator jar on this cluster, configured as the chart's Deployment configures it plus env. */
    public OperatorProcess startOperator(Path jar, Path log, java.time.Duration readyTimeout, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(operatorEnv());
        all.putAll(env);
        return OperatorProcess.start(jar, operatorKubeconfig(), log, readyTimeout, all);
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
            if (snapshotSidecar != null) {
                snapshotSidecar.close();
            }
            if (provisioner != null) {
                provisioner.close();
            }
            if (kubelet != null) {
                kubelet.close();
            }
            if (client != null) {
                client.close();
            }
            // before the stray-process sweep: the control plane works under the work directory and stops in order on SIGTERM
            if (controlPlane != null) {
                controlPlane.close();
            }
            int stray = Processes.killUnder(workDir);
            if (stray > 0) {
                LOG.warn("killed {} process(es) still working under {}", stray, workDir);
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
