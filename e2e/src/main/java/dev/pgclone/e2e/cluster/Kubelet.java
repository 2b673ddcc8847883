package dev.pgclone.e2e.cluster;

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
 * The node agent: runs every Pod of the cluster as local processes ({@link PodRunner}). Graceful
 * deletion is modelled with a finalizer the kubelet puts on each pod it runs: the mock then keeps
 * a deleted pod (Terminating, with a deletionTimestamp) until the kubelet has stopped its
 * processes and removed the finalizer, so nobody sees a pod gone whose postgres still runs.
 */
public final class Kubelet implements AutoCloseable {

    public static final String FINALIZER = "sandbox.pgclone.dev/kubelet";
    private static final Logger LOG = LoggerFactory.getLogger(Kubelet.class);
    private static final Path NSS_WRAPPER = Path.of("/usr/lib/x86_64-linux-gnu/libnss_wrapper.so");

    private final KubernetesClient client;
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

    Kubelet(KubernetesClient client, Path workDir, Path postgresRoot) {
        this.client = client;
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
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (runner != null) {
                stop(uid, runner, grace(pod), true);
            } else if (hasFinalizer(pod)) {
                removeFinalizer(pod);
            }
            return;
        }
        if (runner != null) {
            return;
        }
        if (!hasFinalizer(pod)) {
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
                    Pod current = client.pods().inNamespace(runner.key().split("/")[0]).withName(runner.key().split("/")[1]).get();
                    if (current != null && uid.equals(current.getMetadata().getUid())) {
                        removeFinalizer(current);
                    }
                }
            }
        });
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

    private static Duration grace(Pod pod) {
        Long s = pod.getSpec().getTerminationGracePeriodSeconds();
        return Duration.ofSeconds(s == null ? 30 : s);
    }

    static Optional<Path> findNssWrapper() {
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
