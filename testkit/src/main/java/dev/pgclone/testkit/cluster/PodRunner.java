package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod on the local kubelet: its first container as a local process, as the pod's uid, with its
 * volumes as host directories and its own loopback address; readiness from the exec probe;
 * restarts with the kubelet's back-off; a graceful stop when the pod is deleted. Its thread owns
 * the pod's state and is the only writer of the pod's status.
 */
final class PodRunner {

    private static final Logger LOG = LoggerFactory.getLogger(PodRunner.class);
    static final Duration INITIAL_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** A container that ran this long without exiting starts its next back-off from the beginning, as the kubelet does. */
    private static final Duration BACKOFF_RESET = Duration.ofMinutes(10);
    private static final int TERMINATION_MESSAGE_LIMIT = 4096;

    private final Kubelet kubelet;
    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String uid;
    private final Path podDir;
    private final Path logFile;
    private final Path terminationLog;
    private final Map<String, String> mounts = new LinkedHashMap<>();
    private final List<Path> claimedVolumes = new ArrayList<>();
    private final Object lock = new Object();

    private volatile boolean stopping;
    private volatile Process process;
    private volatile String ip;
    private Thread thread;

    private Pod pod;
    private Container container;
    private Images.Resolved image;
    private long runAsUser;
    private long runAsGroup;
    private final Instant startTime = Instant.now();
    private int restartCount;
    private ContainerState state = new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting().build();
    private ContainerState lastState;
    private boolean ready;
    private String phase = "Pending";
    private String lastPublished;

    PodRunner(Kubelet kubelet, Pod pod, Path podDir, Path logFile) {
        this.kubelet = kubelet;
        this.client = kubelet.client();
        this.pod = pod;
        this.namespace = pod.getMetadata().getNamespace();
        this.name = pod.getMetadata().getName();
        this.uid = pod.getMetadata().getUid();
        this.podDir = podDir;
        this.logFile = logFile;
        this.terminationLog = podDir.resolve("termination-log");
        this.container = pod.getSpec().getContainers().get(0);
    }

    String key() {
        return namespace + "/" + name;
    }

    Path logFile() {
        return logFile;
    }

    String ip() {
        return ip;
    }

    boolean uses(Path volume) {
        synchronized (claimedVolumes) {
            return claimedVolumes.stream().anyMatch(v -> v.equals(volume) || v.startsWith(volume) || volume.startsWith(v));
        }
    }

    void start() {
        thread = new Thread(this::run, "kubelet-" + namespace + "-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    // ------------------------------------------------------------------------------------ lifecycle

    private void run() {
        try {
            runAsUser = securityUid();
            runAsGroup = securityGid();
            publish();
            if (!prepareVolumes()) {
                return;
            }
            image = Images.resolve(container.getImage(), kubelet.postgresRoot());
            if (!image.ok()) {
                state = waiting("ErrImagePull", image.error());
                publish();
                LOG.warn("pod {}: {}", key(), image.error());
                return;
            }
            ip = kubelet.addresses().allocate();
            phase = "Running";
            Duration backoff = INITIAL_BACKOFF;
            while (!stopping) {
                Map<String, String> env;
                try {
                    env = ContainerEnv.resolve(client, pod, container, ip);
                } catch (ContainerEnv.ConfigError e) {
                    state = waiting("CreateContainerConfigError", e.getMessage());
                    publish();
                    sleep(Duration.ofSeconds(2));
                    continue;
                }
                Instant started = Instant.now();
                int exit = runContainer(env, started);
                if (stopping) {
                    break;
                }
                Instant finished = Instant.now();
                String message = terminationMessage(exit);
                lastState = new ContainerStateBuilder().withNewTerminated().withExitCode(exit)
                        .withReason(exit == 0 ? "Completed" : "Error").withMessage(message)
                        .withStartedAt(ts(started)).withFinishedAt(ts(finished)).withContainerID(containerId()).endTerminated().build();
                ready = false;
                LOG.info("pod {}: container exited with code {}{}", key(), exit, message == null ? "" : ": " + message.strip());
                String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
                if ("Never".equals(policy) || ("OnFailure".equals(policy) && exit == 0)) {
                    state = lastState;
                    lastState = null;
                    phase = exit == 0 ? "Succeeded" : "Failed";
                    publish();
                    break;
                }
                if (Duration.between(started, finished).compareTo(BACKOFF_RESET) >= 0) {
                    backoff = INITIAL_BACKOFF;
                }
                restartCount++;
                state = waiting("CrashLoopBackOff", "back-off " + backoff.toSeconds() + "s restarting failed container="
                        + container.getName() + " pod=" + name + "_" + namespace + "(" + uid + ")");
                publish();
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        } catch (RuntimeException e) {
            LOG.warn("pod {}: kubelet error: {}", key(), e.toString(), e);
        }
    }

    /** Runs the container once, probing it, until it exits or the pod is stopped; returns its exit code. */
    private int runContainer(Map<String, String> containerEnv, Instant started) {
        Map<String, String> env = processEnv(containerEnv);
        List<String> command = command(containerEnv);
        try {
            writeTerminationLogFile();
            appendLog("---- pgclone kubelet: starting container " + container.getName() + " (restart " + restartCount + "): "
                    + String.join(" ", command));
            ProcessBuilder pb = new ProcessBuilder(asPodUser(command, true));
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.directory(podDir.toFile());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            synchronized (lock) {
                if (stopping) {
                    return -1;
                }
                process = pb.start();
            }
        } catch (IOException e) {
            state = waiting("RunContainerError", "cannot start " + command + ": " + e.getMessage());
            publish();
            return 128;
        }
        state = new ContainerStateBuilder().withNewRunning().withStartedAt(ts(started)).endRunning().build();
        Probe probe = container.getReadinessProbe();
        ready = probe == null;
        publish();
        int failures = 0;
        long period = probe == null || probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds();
        long delay = probe == null || probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
        int failureThreshold = probe == null || probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold();
        long nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
        Process p = process;
        try {
            while (true) {
                long waitNanos = Math.max(0, nextProbe - System.nanoTime());
                if (p.waitFor(waitNanos, TimeUnit.NANOSECONDS)) {
                    return p.exitValue();
                }
                if (probe != null && !stopping) {
                    boolean ok = probe(probe, env);
                    failures = ok ? 0 : failures + 1;
                    boolean nowReady = ok || (ready && failures < failureThreshold);
                    if (nowReady != ready) {
                        ready = nowReady;
                        LOG.info("pod {}: {}", key(), ready ? "Ready on " + ip : "not ready");
                        publish();
                    }
                }
                nextProbe = System.nanoTime() + TimeUnit.SECONDS.toNanos(period);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private boolean probe(Probe probe, Map<String, String> env) {
        if (probe.getExec() == null || probe.getExec().getCommand() == null || probe.getExec().getCommand().isEmpty()) {
            return true;
        }
        List<String> cmd = new ArrayList<>();
        for (String a : probe.getExec().getCommand()) {
            cmd.add(ContainerEnv.translate(a, mounts));
        }
        long timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
        try {
            ProcessBuilder pb = new ProcessBuilder(asPodUser(cmd, false));
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.directory(podDir.toFile());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Process p = pb.start();
            if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops the pod as the kubelet does on deletion: the image's stop signal to the container, the
     * grace period, then SIGKILL to everything left, including servers that left the process group.
     */
    void terminate(Duration grace) {
        Process p;
        synchronized (lock) {
            stopping = true;
            p = process;
        }
        if (thread != null) {
            thread.interrupt();
        }
        if (p != null && p.isAlive()) {
            Processes.signal(p.pid(), Images.stopSignal());
            try {
                if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("pod {}: still running after the {}s grace period; killing it", key(), grace.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Processes.signalGroup(p.pid(), "KILL");
            p.destroyForcibly();
        }
        int leftovers = 0;
        synchronized (claimedVolumes) {
            for (Path v : claimedVolumes) {
                leftovers += Processes.killUnder(v);
            }
        }
        leftovers += Processes.killUnder(podDir);
        if (leftovers > 0) {
            LOG.warn("pod {}: killed {} process(es) left behind on its volumes", key(), leftovers);
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kubelet.addresses().release(ip);
        synchronized (claimedVolumes) {
            claimedVolumes.clear();
        }
        Kubelet.deleteTree(podDir);
    }

    // ------------------------------------------------------------------------------------ volumes

    /** Resolves every volume to a host directory; false when the pod was stopped while waiting. */
    private boolean prepareVolumes() {
        try {
            Files.createDirectories(podDir.resolve("volumes"));
            Path home = podDir.resolve("home");
            Files.createDirectories(home);
            chown(home);
            Files.setPosixFilePermissions(podDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Path> volumes = new LinkedHashMap<>();
        for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
            while (true) {
                if (stopping) {
                    return false;
                }
                String waitingFor;
                try {
                    waitingFor = null;
                    Path p = volume(v);
                    if (p != null) {
                        volumes.put(v.getName(), p);
                        break;
                    }
                    waitingFor = "volume " + v.getName() + " is not ready";
                } catch (WaitFor w) {
                    waitingFor = w.getMessage();
                }
                state = waiting("ContainerCreating", waitingFor);
                publish();
                sleep(Duration.ofSeconds(1));
            }
        }
        for (VolumeMount m : container.getVolumeMounts() == null ? List.<VolumeMount>of() : container.getVolumeMounts()) {
            Path host = volumes.get(m.getName());
            if (host == null) {
                throw new IllegalStateException("volumeMount " + m.getName() + " names no volume of pod " + key());
            }
            if (m.getSubPath() != null && !m.getSubPath().isBlank()) {
                host = host.resolve(m.getSubPath());
            }
            mounts.put(m.getMountPath().replaceAll("/+$", ""), host.toString());
        }
        state = waiting("ContainerCreating", null);
        return true;
    }

    private static final class WaitFor extends Exception {
        WaitFor(String message) {
            super(message);
        }
    }

    private Path volume(Volume v) throws WaitFor {
        try {
            return volumeOnce(v);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // the API server was busy or the object is not there yet: the kubelet tries again, as the real one does
            throw new WaitFor("volume " + v.getName() + ": " + e.getMessage());
        }
    }

    private Path volumeOnce(Volume v) throws WaitFor {
        Path dir = podDir.resolve("volumes").resolve(v.getName());
        try {
            if (v.getPersistentVolumeClaim() != null) {
                String claim = v.getPersistentVolumeClaim().getClaimName();
                PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get();
                if (pvc == null) {
                    throw new WaitFor("persistentvolumeclaim \"" + claim + "\" not found");
                }
                if (pvc.getStatus() == null || !"Bound".equals(pvc.getStatus().getPhase())) {
                    throw new WaitFor("persistentvolumeclaim \"" + claim + "\" is not bound yet");
                }
                PersistentVolume pv = client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get();
                Path p = pv == null ? null : Provisioner.localPath(pv);
                if (p == null) {
                    throw new WaitFor("persistentvolume " + pvc.getSpec().getVolumeName() + " has no local path");
                }
                synchronized (claimedVolumes) {
                    claimedVolumes.add(p);
                }
                return p;
            }
            if (v.getHostPath() != null) {
                return Path.of(v.getHostPath().getPath());
            }
            if (v.getEmptyDir() != null) {
                Files.createDirectories(dir);
                // emptyDir is world-writable, like the kubelet's
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                return dir;
            }
            if (v.getConfigMap() != null) {
                ConfigMap cm = client.configMaps().inNamespace(namespace).withName(v.getConfigMap().getName()).get();
                if (cm == null) {
                    if (Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                        Files.createDirectories(dir);
                        return dir;
                    }
                    throw new WaitFor("configmap \"" + v.getConfigMap().getName() + "\" not found");
                }
                writeFiles(dir, cm.getData() == null ? Map.of() : cm.getData(), v.getConfigMap().getItems(), v.getConfigMap().getDefaultMode());
                return dir;
            }
            if (v.getSecret() != null) {
                Secret s = client.secrets().inNamespace(namespace).withName(v.getSecret().getSecretName()).get();
                if (s == null) {
                    throw new WaitFor("secret \"" + v.getSecret().getSecretName() + "\" not found");
                }
                writeFiles(dir, ContainerEnv.secretData(s), v.getSecret().getItems(), v.getSecret().getDefaultMode());
                return dir;
            }
            if (v.getProjected() != null) {
                writeFiles(dir, projected(v.getProjected()), null, v.getProjected().getDefaultMode());
                return dir;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("volume " + v.getName() + " of pod " + key() + ": this volume type is not supported by the local cluster");
    }

    /**
     * A projected volume's files: what the API server's ServiceAccount admission adds to every Pod
     * that does not opt out (kube-api-access-*: a token bound to this Pod, the cluster's CA from
     * the kube-root-ca.crt ConfigMap, the namespace), and any other mix of these sources.
     */
    private Map<String, String> projected(io.fabric8.kubernetes.api.model.ProjectedVolumeSource projected) throws WaitFor {
        Map<String, String> files = new LinkedHashMap<>();
        for (var source : projected.getSources()) {
            if (source.getServiceAccountToken() != null) {
                var t = source.getServiceAccountToken();
                String sa = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
                var spec = new io.fabric8.kubernetes.api.model.authentication.TokenRequestSpecBuilder()
                        .withExpirationSeconds(t.getExpirationSeconds() == null ? 3607L : t.getExpirationSeconds())
                        .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(name).withUid(pod.getMetadata().getUid()).endBoundObjectRef();
                if (t.getAudience() != null && !t.getAudience().isEmpty()) {
                    spec.withAudiences(t.getAudience());
                }
                var token = client.serviceAccounts().inNamespace(namespace).withName(sa)
                        .tokenRequest(new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder().withSpec(spec.build()).build());
                files.put(t.getPath(), token.getStatus().getToken());
            } else if (source.getConfigMap() != null) {
                ConfigMap cm = client.configMaps().inNamespace(namespace).withName(source.getConfigMap().getName()).get();
                if (cm == null) {
                    if (Boolean.TRUE.equals(source.getConfigMap().getOptional())) {
                        continue;
                    }
                    throw new WaitFor("configmap \"" + source.getConfigMap().getName() + "\" not found");
                }
                Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
                List<KeyToPath> items = source.getConfigMap().getItems();
                if (items == null || items.isEmpty()) {
                    files.putAll(data);
                } else {
                    items.stream().filter(i -> data.containsKey(i.getKey())).forEach(i -> files.put(i.getPath(), data.get(i.getKey())));
                }
            } else if (source.getDownwardAPI() != null) {
                for (var item : source.getDownwardAPI().getItems()) {
                    String field = item.getFieldRef() == null ? null : item.getFieldRef().getFieldPath();
                    String value = switch (field == null ? "" : field) {
                        case "metadata.namespace" -> namespace;
                        case "metadata.name" -> name;
                        case "metadata.uid" -> pod.getMetadata().getUid();
                        default -> throw new IllegalStateException("projected volume of pod " + key() + ": downwardAPI " + field
                                + " is not supported by the local cluster");
                    };
                    files.put(item.getPath(), value);
                }
            } else {
                throw new IllegalStateException("projected volume of pod " + key() + ": only serviceAccountToken, configMap and downwardAPI "
                        + "sources are supported by the local cluster");
            }
        }
        return files;
    }

    private static void writeFiles(Path dir, Map<String, String> data, List<KeyToPath> items, Integer defaultMode) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int mode = defaultMode == null ? 0644 : defaultMode;
        Map<String, String> files = new LinkedHashMap<>();
        Map<String, Integer> modes = new LinkedHashMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach((k, v) -> files.put(k, v));
        } else {
            for (KeyToPath item : items) {
                if (data.containsKey(item.getKey())) {
                    files.put(item.getPath(), data.get(item.getKey()));
                    if (item.getMode() != null) {
                        modes.put(item.getPath(), item.getMode());
                    }
                }
            }
        }
        for (var e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(f, permissions(modes.getOrDefault(e.getKey(), mode)));
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(order[i]);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ process

    private List<String> command(Map<String, String> containerEnv) {
        List<String> raw = new ArrayList<>();
        if (container.getCommand() != null) {
            raw.addAll(container.getCommand());
        }
        if (container.getArgs() != null) {
            raw.addAll(container.getArgs());
        }
        if ((container.getCommand() == null || container.getCommand().isEmpty()) && (raw.isEmpty() || raw.get(0).startsWith("-"))) {
            // the postgres image's entrypoint: no arguments, or only options, run postgres
            raw.add(0, "postgres");
        }
        List<String> out = new ArrayList<>();
        for (String a : raw) {
            out.add(ContainerEnv.translate(ContainerEnv.expand(a, containerEnv), mounts));
        }
        return out;
    }

    /** The image's environment, the container's (paths translated), and what the local cluster adds. */
    private Map<String, String> processEnv(Map<String, String> containerEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", image.binDir() + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("PG_MAJOR", image.major());
        env.put("LANG", "C.UTF-8");
        env.put("HOME", podDir.resolve("home").toString());
        env.put("HOSTNAME", name);
        kubelet.nssWrapper().ifPresent(lib -> {
            Path nss = writeNssFiles();
            env.put("LD_PRELOAD", lib.toString());
            env.put("NSS_WRAPPER_PASSWD", nss.resolve("passwd").toString());
            env.put("NSS_WRAPPER_GROUP", nss.resolve("group").toString());
        });
        containerEnv.forEach((k, v) -> env.put(k, ContainerEnv.translate(v, mounts)));
        // the pod's network identity and the termination message file, which a container would
        // find at its own 0.0.0.0 and /dev/termination-log
        env.put("PGCLONE_LISTEN_ADDRESSES", ip);
        env.put("PGCLONE_TERMINATION_LOG", terminationLog.toString());
        return env;
    }

    /**
     * The image's user database: in the postgres image, uid 999 is "postgres". libnss_wrapper gives
     * the process that view, so initdb and psql can look up the uid they run as, which needs no
     * /etc/passwd entry on this machine.
     */
    private Path writeNssFiles() {
        Path nss = podDir.resolve("nss");
        try {
            Files.createDirectories(nss);
            Files.writeString(nss.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                    + "postgres:x:" + runAsUser + ":" + runAsGroup + ":PostgreSQL:" + podDir.resolve("home") + ":/bin/sh\n");
            Files.writeString(nss.resolve("group"), "root:x:0:\npostgres:x:" + runAsGroup + ":\n");
            Files.setPosixFilePermissions(nss.resolve("passwd"), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(nss.resolve("group"), PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return nss;
    }

    /**
     * As root: a new session (so the whole container can be signalled as a group) and the pod's
     * uid/gid with no supplementary groups and no privilege escalation, as runAsUser/runAsGroup and
     * allowPrivilegeEscalation=false do.
     */
    private List<String> asPodUser(List<String> command, boolean newSession) {
        List<String> full = new ArrayList<>();
        if (newSession) {
            full.add("setsid");
        }
        if (Exec.isRoot()) {
            full.addAll(List.of("setpriv", "--reuid=" + runAsUser, "--regid=" + runAsGroup, "--clear-groups", "--no-new-privs", "--"));
        }
        full.addAll(command);
        return full;
    }

    private long securityUid() {
        var c = container.getSecurityContext();
        if (c != null && c.getRunAsUser() != null) {
            return c.getRunAsUser();
        }
        var p = pod.getSpec().getSecurityContext();
        if (p != null && p.getRunAsUser() != null) {
            return p.getRunAsUser();
        }
        // the postgres image's own user; its root entrypoint (which drops to it) is not run here
        return Exec.isRoot() ? 999 : kubelet.ownUid();
    }

    private long securityGid() {
        var c = container.getSecurityContext();
        if (c != null && c.getRunAsGroup() != null) {
            return c.getRunAsGroup();
        }
        var p = pod.getSpec().getSecurityContext();
        if (p != null && p.getRunAsGroup() != null) {
            return p.getRunAsGroup();
        }
        return runAsUser;
    }

    private void chown(Path p) throws IOException {
        if (Exec.isRoot()) {
            Exec.ok(Duration.ofSeconds(30), "chown", runAsUser + ":" + runAsGroup, p.toString());
        }
    }

    private void writeTerminationLogFile() throws IOException {
        Files.deleteIfExists(terminationLog);
        Files.createFile(terminationLog);
        Files.setPosixFilePermissions(terminationLog, PosixFilePermissions.fromString("rw-r--r--"));
        chown(terminationLog);
    }

    /** The termination-log file; with FallbackToLogsOnError and nothing in it, the end of the container's log. */
    private String terminationMessage(int exit) {
        try {
            String message = Files.exists(terminationLog) ? Files.readString(terminationLog) : "";
            if (message.length() > TERMINATION_MESSAGE_LIMIT) {
                message = message.substring(0, TERMINATION_MESSAGE_LIMIT);
            }
            if (message.isBlank() && exit != 0 && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())) {
                message = tail(logFile, 2048);
            }
            return message.isBlank() ? null : message;
        } catch (IOException e) {
            return null;
        }
    }

    private static String tail(Path file, int bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, f.length() - bytes);
            f.seek(start);
            byte[] b = new byte[(int) (f.length() - start)];
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private void appendLog(String line) throws IOException {
        Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private String containerId() {
        Process p = process;
        return p == null ? null : "sandbox://" + p.pid();
    }

    // ------------------------------------------------------------------------------------ status

    private void publish() {
        PodStatus status = status();
        String json = client.getKubernetesSerialization().asJson(status);
        if (Objects.equals(json, lastPublished) || stopping) {
            return;
        }
        try {
            client.pods().inNamespace(namespace).withName(name).editStatus(p -> {
                p.setStatus(status);
                return p;
            });
            lastPublished = json;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                LOG.warn("pod {}: status update failed: {}", key(), e.getMessage());
            }
        }
    }

    private PodStatus status() {
        String now = ts(Instant.now());
        boolean running = state.getRunning() != null;
        List<PodCondition> conditions = List.of(
                condition("PodScheduled", true, now),
                condition("Initialized", true, now),
                condition("ContainersReady", running && ready, now),
                condition("Ready", running && ready, now));
        var cs = new ContainerStatusBuilder().withName(container.getName()).withImage(container.getImage())
                .withImageID(image == null || image.binDir() == null ? "" : "file://" + image.binDir())
                .withReady(running && ready).withStarted(running).withRestartCount(restartCount)
                .withState(state).withLastState(lastState == null ? new ContainerState() : lastState)
                .withContainerID(running ? containerId() : null).build();
        PodStatusBuilder b = new PodStatusBuilder().withPhase(phase).withConditions(conditions).withHostIP("127.0.0.1")
                .withStartTime(ts(startTime)).withContainerStatuses(cs).withQosClass("BestEffort");
        if (ip != null) {
            b.withPodIP(ip).withPodIPs(new PodIPBuilder().withIp(ip).build());
        }
        return b.build();
    }

    /** Conditions keep their transition time while their status stays the same. */
    private final Map<String, PodCondition> conditionHistory = new LinkedHashMap<>();

    private PodCondition condition(String type, boolean status, String now) {
        String s = status ? "True" : "False";
        PodCondition previous = conditionHistory.get(type);
        if (previous != null && previous.getStatus().equals(s)) {
            return previous;
        }
        PodCondition c = new PodConditionBuilder().withType(type).withStatus(s).withLastTransitionTime(now).build();
        conditionHistory.put(type, c);
        return c;
    }

    private static ContainerState waiting(String reason, String message) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build();
    }

    private static String ts(Instant i) {
        return i.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private void sleep(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < end) {
            try {
                Thread.sleep(Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            }
        }
    }
}
