package dev.pgclone.e2e.k3s;

import dev.pgclone.e2e.ScenarioCluster;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link ScenarioCluster} on a real Kubernetes: K3s in a container, with the upstream snapshot
 * controller and CSI hostpath driver, the operator installed in-cluster, and a production
 * postgres (the official image) on a CSI volume under a pgbench write load.
 */
final class K3sScenarioCluster implements ScenarioCluster {

    static final DockerImageName K3S = DockerImageName.parse("rancher/k3s:v1.31.4-k3s1");
    static final String MAJOR = "15";
    static final String OTHER_MAJOR = "16";
    static final String NS = "default";
    static final String PROD = "orders";
    static final String PVC = "data-orders-0";
    static final long UID = 999;
    static final int SCALE = 5;

    private final K3sContainer k3s;
    private final Path kubeconfig;
    private final KubernetesClient client;
    private final String password;

    private K3sScenarioCluster(K3sContainer k3s, Path kubeconfig, KubernetesClient client) {
        this.k3s = k3s;
        this.kubeconfig = kubeconfig;
        this.client = client;
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        this.password = HexFormat.of().formatHex(b);
    }

    static K3sScenarioCluster start(Path repo) throws Exception {
        K3sContainer k3s = new K3sContainer(K3S);
        k3s.start();
        K3sScenarioCluster c = null;
        try {
            Path kubeconfig = Files.createTempFile("pgclone-k3s-", ".kubeconfig");
            Files.writeString(kubeconfig, k3s.getKubeConfigYaml());
            KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(k3s.getKubeConfigYaml())).build();
            c = new K3sScenarioCluster(k3s, kubeconfig, client);
            UpstreamManifests.install(client);
            OperatorInstall.install(k3s, client, repo);
            c.startProduction();
            return c;
        } catch (Exception | Error e) {
            if (c != null) {
                c.close();
            } else {
                k3s.stop();
            }
            throw e;
        }
    }

    /** The official postgres image on a CSI volume, data in a pgdata subdirectory, a Service, a CloudNativePG-layout Secret, pgbench load. */
    private void startProduction() {
        client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(PVC).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(UpstreamManifests.STORAGE_CLASS)
                    .withNewResources().withRequests(Map.of("storage", new Quantity("2Gi"))).endResources()
                .endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName(PROD + "-0").withLabels(Map.of("app", PROD)).endMetadata()
                .withNewSpec()
                    .addNewContainer().withName("postgres").withImage("postgres:" + MAJOR)
                        .addNewEnv().withName("POSTGRES_PASSWORD").withValue(password).endEnv()
                        .addNewEnv().withName("PGDATA").withValue("/var/lib/postgresql/data/pgdata").endEnv()
                        .withArgs("-c", "wal_level=logical", "-c", "max_wal_size=1GB")
                        .addNewPort().withContainerPort(5432).endPort()
                        .withNewReadinessProbe().withNewExec().withCommand("pg_isready", "-h", "127.0.0.1", "-U", "postgres").endExec()
                            .withPeriodSeconds(2).endReadinessProbe()
                        .addNewVolumeMount().withName("data").withMountPath("/var/lib/postgresql/data").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(PVC).endPersistentVolumeClaim().endVolume()
                .endSpec().build()).create();
        client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName(PROD).endMetadata()
                .withNewSpec().withSelector(Map.of("app", PROD)).addNewPort().withPort(5432).withNewTargetPort(5432).endPort().endSpec()
                .build()).create();
        client.pods().inNamespace(NS).withName(PROD + "-0").waitUntilCondition(K3sScenarioCluster::ready, 5, TimeUnit.MINUTES);
        String host = PROD + "." + NS + ".svc";
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(PROD + "-superuser").endMetadata()
                .withType("kubernetes.io/basic-auth")
                .withStringData(new LinkedHashMap<>(Map.of("username", "postgres", "password", password, "host", host, "port", "5432",
                        "dbname", "postgres", "uri", "postgresql://postgres:" + password + "@" + host + ":5432/postgres")))
                .build()).create();
        exec(PROD + "-0", "postgres", Duration.ofMinutes(10), "pgbench", "-i", "-q", "-s", Integer.toString(SCALE), "--foreign-keys",
                "-U", "postgres", "postgres");
        exec(PROD + "-0", "postgres", Duration.ofSeconds(30), "sh", "-c",
                "nohup pgbench -c 2 -j 2 -T 1800 -n -U postgres postgres >/tmp/pgbench-load.log 2>&1 &");
    }

    static boolean ready(Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    record ExecResult(int exitCode, String output) {}

    ExecResult exec(String pod, String container, Duration timeout, String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExecWatch watch = client.pods().inNamespace(NS).withName(pod).inContainer(container).writingOutput(out).writingError(out)
                .exec(command)) {
            int code = watch.exitCode().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ExecResult r = new ExecResult(code, out.toString(StandardCharsets.UTF_8));
            if (code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " in " + pod + " exited with " + code + ": " + r.output());
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(String.join(" ", command) + " in " + pod + ": " + e, e);
        }
    }

    @Override
    public String describe() {
        return "K3s " + K3S.getVersionPart() + ", CSI hostpath " + UpstreamManifests.HOSTPATH;
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public Path kubeconfig() {
        return kubeconfig;
    }

    @Override
    public Source source() {
        return new Source(NS, PVC, "pgdata", "postgres:" + MAJOR, UID, PROD + "-superuser", UpstreamManifests.SNAPSHOT_CLASS, MAJOR, SCALE);
    }

    @Override
    public String sqlInProduction(String sql) {
        return exec(PROD + "-0", "postgres", Duration.ofMinutes(2), "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d",
                "postgres", "-c", sql).output().strip();
    }

    @Override
    public Endpoint reach(String namespace, String pod) {
        LocalPortForward forward = client.pods().inNamespace(namespace).withName(pod).portForward(5432);
        return new Endpoint("127.0.0.1", forward.getLocalPort(), forward);
    }

    @Override
    public Optional<String> sharingUnmeasurable() {
        return Optional.of("the CSI hostpath driver keeps snapshots as tar archives and restores them as full copies, "
                + "so it has no shared blocks to measure");
    }

    @Override
    public long exclusiveBytes(String namespace, String pvcName) {
        throw new UnsupportedOperationException(sharingUnmeasurable().orElseThrow());
    }

    @Override
    public long sourceBytes() {
        throw new UnsupportedOperationException(sharingUnmeasurable().orElseThrow());
    }

    /** K3s pulls any image: a real mismatch, production's data (PostgreSQL 15) with a postgres:16 image. */
    @Override
    public MajorMismatch majorMismatch(String namespace) {
        return new MajorMismatch(PVC, "pgdata", "postgres:" + OTHER_MAJOR, UID, MAJOR, OTHER_MAJOR, () -> { });
    }

    @Override
    public Optional<Long> otherUid() {
        return Optional.of(1001L);
    }

    @Override
    public String otherUidUnavailableReason() {
        return "";
    }

    /** The hostpath driver's files for the clone's volume and its snapshot, in the plugin's data directory. */
    @Override
    public Footprint footprint(String namespace, String clone) {
        List<String> paths = new ArrayList<>();
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(clone).get();
        if (pvc != null && pvc.getSpec().getVolumeName() != null) {
            PersistentVolume pv = client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get();
            if (pv != null && pv.getSpec().getCsi() != null) {
                paths.add("/csi-data-dir/" + pv.getSpec().getCsi().getVolumeHandle());
            }
        }
        VolumeSnapshot own = client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(clone).get();
        if (own != null && own.getStatus() != null && own.getStatus().getBoundVolumeSnapshotContentName() != null) {
            VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(own.getStatus().getBoundVolumeSnapshotContentName()).get();
            if (content != null && content.getStatus() != null && content.getStatus().getSnapshotHandle() != null) {
                paths.add("/csi-data-dir/" + content.getStatus().getSnapshotHandle() + ".snap");
            }
        }
        return () -> {
            List<String> left = new ArrayList<>();
            for (String p : paths) {
                String found = exec("csi-hostpathplugin-0", "hostpath", Duration.ofSeconds(30), "sh", "-c",
                        "if [ -e '" + p + "' ]; then echo present; else echo gone; fi").output().strip();
                if (found.equals("present")) {
                    left.add(p + " in the CSI hostpath plugin");
                }
            }
            return left;
        };
    }

    @Override
    public Duration readyTimeout() {
        // the first clone pulls nothing new (production pulled postgres:15), but postgres:16 and restores of tar archives take a while
        return Duration.ofMinutes(5);
    }

    @Override
    public void close() {
        try {
            client.close();
            Files.deleteIfExists(kubeconfig);
        } catch (java.io.IOException e) {
            // a temp file; the container is what matters
        } finally {
            k3s.stop();
        }
    }
}
