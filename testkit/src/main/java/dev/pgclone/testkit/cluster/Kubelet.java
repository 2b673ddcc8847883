package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: runs every Pod of the cluster as local processes ({@link PodRunner}).
 * <p>
 * On the real control plane it also plays the scheduler's one decision (there is one node): a
 * Pod without a node is bound to {@link LocalCluster#NODE} through the binding subresource.
 * Deletion is the API server's graceful deletion of a bound Pod: it stays, Terminating, until the
 * kubelet has stopped its processes and deletes it with a grace period of 0, so nobody sees a pod
 * gone whose postgres still runs.
 * <p>
 * The mock API server has no graceful deletion, so there the kubelet puts a finalizer on each pod
 * it runs and removes it once the processes are stopped.
 */
public final class Kubelet implements AutoCloseable {

    public static final String FINALIZER = "sandbox.pgclone.dev/kubelet";
    private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);
    private static final Path NSS_WRAPPER = Path.of("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so");

    private final KubernetesClient client;
    private final boolean realApiServer;
    private final Path podsDir;
    private final Path logsDir;
    private final Path postgresRoot;
    private final LoopbackAddresses addresses = new LoopbackAddresses(5432);
    private final Map<String, PodRunner> runners = new ConcurrentHashMap<>();
    private final Map<String, Path> logs = new ConcurrentHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private final ExecutorService terminations = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kubelet-terminate");
        t.setDaemon(true);
        return t;
    });
    private final Optional<Path> nssWrapper;
    private SharedIndexInformer<Pod> informer;

    Kubelet(KubernetesClient client, boolean realApiServer, Path workDir, Path postgresRoot) {
        this.client = client;
        this.realApiServer = realApiServer;
        this.podsDir = workDir.resolve("pods");
        this.logsDir = workDir.resolve("logs");
        this.postgresRoot = postgresRoot;
        this.nssWrapper = findNssWrapper();
        try {
            Files.createDirectories(podsDir);
            Files.createDirectories(logsDir);
            Files.setPosixFilePermissions(podsDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (nssWrapper.isEmpty()) {
            LOG.warn("libnss_wrapper not found (Debian package libnss-wrapper): pod uids without an /etc/passwd entry "
                    + "cannot be looked up, so initdb and psql inside pods will fail for them");
        }
    }

    Kubelet start() {
        informer = client.pods().inAnyNamespace()
                .inform(Informers.handler(LOG, "Pod", this::reconcile, this::deleted), Informers.RESYNC_MILLIS);
        return this;
    }

    KubernetesClient client() {
        return client;
    }

    Path postgresRoot() {
        return postgresRoot;
    }

    LoopbackAddresses addresses() {
        return addresses;
    }

    Optional<Path> nssWrapper() {
        return nssWrapper;
    }

    long ownUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            return 0;
        }
    }

    /** The file a pod's container output goes to (kept until the cluster closes, also after the pod is gone). */
    public Optional<Path> logFile(String namespace, String pod) {
        return Optional.ofNullable(logs.get(namespace + "/" + pod));
    }

    /** Whether a running pod has this volume (or a directory in it) mounted. */
    boolean inUse(Path volume) {
        return runners.values().stream().anyMatch(r -> r.uses(volume));
    }

    public int runningPods() {
        return runners.size();
    }

    private void reconcile(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodRunner runner = runners.get(uid);
        if (realApiServer) {
            String node = pod.getSpec().getNodeName();
            if (node == null || node.isEmpty()) {
                if (pod.getMetadata().getDeletionTimestamp() == null) {
                    schedule(pod);
                }
                return;
            }
            if (!LocalCluster.NODE.equals(node)) {
                return;
            }
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (runner != null) {
                stop(uid, runner, grace(pod), true);
            } else if (realApiServer) {
                finishDeletion(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid);
            } else if (hasFinalizer(pod)) {
                removeFinalizer(pod);
            }
            return;
        }
        if (runner != null) {
            return;
        }
        if (!realApiServer && !hasFinalizer(pod)) {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
                List<String> f = p.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(p.getMetadata().getFinalizers());
                if (!f.contains(FINALIZER)) {
                    f.add(FINALIZER);
                }
                p.getMetadata().setFinalizers(f);
                return p;
            });
        }
        int n = sequence.incrementAndGet();
        Path podDir = podsDir.resolve(Integer.toString(n));
        Path log = logsDir.resolve(pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName() + "_" + n + ".log");
        runner = new PodRunner(this, pod, podDir, log);
        runners.put(uid, runner);
        logs.put(runner.key(), log);
        LOG.info("pod {} starting; container output: {}", runner.key(), log);
        runner.start();
    }

    /** A pod deleted without the finalizer (someone removed it by hand): stop what runs anyway. */
    private void deleted(Pod pod) {
        PodRunner runner = runners.get(pod.getMetadata().getUid());
        if (runner != null) {
            stop(pod.getMetadata().getUid(), runner, grace(pod), false);
        }
    }

    private final Map<String, Boolean> stopping = new ConcurrentHashMap<>();

    private void stop(String uid, PodRunner runner, Duration grace, boolean thenRemoveFinalizer) {
        if (stopping.putIfAbsent(uid, Boolean.TRUE) != null) {
            return;
        }
        terminations.submit(() -> {
            try {
                runner.terminate(grace);
                LOG.info("pod {} stopped", runner.key());
            } finally {
                runners.remove(uid);
                stopping.remove(uid);
                if (thenRemoveFinalizer) {
                    String[] key = runner.key().split("/");
                    if (realApiServer) {
                        finishDeletion(key[0], key[1], uid);
                    } else {
                        Pod current = client.pods().inNamespace(key[0]).withName(key[1]).get();
                        if (current != null && uid.equals(current.getMetadata().getUid())) {
                            removeFinalizer(current);
                        }
                    }
                }
            }
        });
    }

    /** The scheduler's part: the only node there is. */
    private void schedule(Pod pod) {
        try {
            client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
                    .withNewMetadata().withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).endMetadata()
                    .withNewTarget().withApiVersion("v1").withKind("Node").withName(LocalCluster.NODE).endTarget()
                    .build()).create();
        } catch (KubernetesClientException e) {
            // 409: bound meanwhile; 404: deleted meanwhile. The next event says what happened.
            if (e.getCode() != 409 && e.getCode() != 404) {
                LOG.warn("pod {}/{}: binding to {} failed: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        LocalCluster.NODE, e.getMessage());
            }
        }
    }

    /** What the kubelet does once a Terminating pod's containers are stopped: delete it for good (grace 0), this instance only. */
    private void finishDeletion(String namespace, String name, String uid) {
        try {
            Pod current = client.pods().inNamespace(namespace).withName(name).get();
            if (current != null && uid.equals(current.getMetadata().getUid())) {
                client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                LOG.warn("pod {}/{}: final deletion failed: {}", namespace, name, e.getMessage());
            }
        }
    }

    private void removeFinalizer(Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).edit(p -> {
                List<String> f = p.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(p.getMetadata().getFinalizers());
                f.remove(FINALIZER);
                p.getMetadata().setFinalizers(f);
                return p;
            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static boolean hasFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(FINALIZER);
    }

    /** On the real API server the delete request's grace period (kubectl delete --grace-period), else the Pod's own. */
    private Duration grace(Pod pod) {
        Long s = realApiServer && pod.getMetadata().getDeletionGracePeriodSeconds() != null
                ? pod.getMetadata().getDeletionGracePeriodSeconds() : pod.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(s == null ? 30 : s);
    }

    public static Optional<Path> findNssWrapper() {
        if (Files.exists(NSS_WRAPPER)) {
            return Optional.of(NSS_WRAPPER);
        }
        try (Stream<Path> libs = Files.list(Path.of("/usr/lib"))) {
            return libs.map(d -> d.resolve("libnss_wrapper.so")).filter(Files::exists).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Stops every pod (each with its grace period, in parallel) and the informer. */
    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        List<PodRunner> all = new ArrayList<>(runners.values());
        List<Thread> threads = new ArrayList<>();
        for (PodRunner r : all) {
            Thread t = new Thread(() -> r.terminate(Duration.ofSeconds(30)), "kubelet-close");
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        runners.clear();
        terminations.shutdown();
        try {
            terminations.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.toString());
        }
    }
}
