package dev.pgclone.e2e;

import dev.pgclone.testkit.cluster.BtrfsStorage;
import dev.pgclone.testkit.cluster.Exec;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.Processes;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The end-to-end scenarios on the local sandbox cluster: the real operator jar, btrfs snapshots
 * (or copies where btrfs cannot be used), postgres pods as local processes, a production database
 * under a pgbench write load. The JVM's shared cluster and operator, with production and the
 * scenarios' clones in a namespace of this class's own, deleted at its end.
 */
@ExtendWith(SharedCluster.Resolver.class)
class SandboxScenariosIT extends CloneScenarios {

    private LocalScenarioCluster cluster;

    @BeforeAll
    void start(SharedCluster shared) {
        cluster = LocalScenarioCluster.start(shared);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected ScenarioCluster cluster() {
        return cluster;
    }

    /** {@link ScenarioCluster} on a {@link LocalCluster}. */
    static final class LocalScenarioCluster implements ScenarioCluster {

        static final int SCALE = 5;
        static final String NS = "e2e-scenarios";

        final LocalCluster local;
        private final SharedCluster.TestNamespaces namespaces;
        private SampleProduction prod;

        private LocalScenarioCluster(LocalCluster local, SharedCluster.TestNamespaces namespaces) {
            this.local = local;
            this.namespaces = namespaces;
        }

        static LocalScenarioCluster start(SharedCluster shared) {
            LocalScenarioCluster c = new LocalScenarioCluster(shared.cluster(), shared.namespaces(NS));
            try {
                c.prod = SampleProduction.create(c.local, new SampleProduction.Options().namespace(NS).scale(SCALE));
                // the scenarios take a few minutes; the load stops by itself should a JVM be killed mid-way
                c.prod.startLoad(Duration.ofMinutes(15));
                return c;
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }

        @Override
        public String describe() {
            return "local sandbox cluster, " + (local.storage().copyOnWrite() ? "btrfs" : "copy") + " storage";
        }

        @Override
        public KubernetesClient client() {
            return local.client();
        }

        @Override
        public Path kubeconfig() {
            return local.kubeconfig();
        }

        @Override
        public Source source() {
            return new Source(NS, prod.pvcName(), SampleProduction.DATA_DIRECTORY, prod.postgresImage(), prod.uid(), prod.secretName(), null,
                    prod.major(), SCALE);
        }

        @Override
        public String sqlInProduction(String sql) {
            return prod.psql(sql);
        }

        @Override
        public Endpoint reach(String namespace, String pod) {
            // pods listen on their own loopback address: the test reaches them directly
            return new Endpoint(client().pods().inNamespace(namespace).withName(pod).get().getStatus().getPodIP(), 5432, null);
        }

        @Override
        public Optional<String> sharingUnmeasurable() {
            return local.storage().copyOnWrite() ? Optional.empty()
                    : Optional.of("the local cluster fell back to plain copies (no root or no btrfs-progs here), so every clone holds a full copy");
        }

        @Override
        public long exclusiveBytes(String namespace, String pvcName) {
            return local.storage().exclusiveBytes(Volumes.volumeHandle(client(), namespace, pvcName));
        }

        @Override
        public long sourceBytes() {
            String handle = Volumes.volumeHandle(client(), NS, prod.pvcName());
            return local.storage() instanceof BtrfsStorage btrfs ? btrfs.totalBytes(handle) : local.storage().exclusiveBytes(handle);
        }

        /**
         * This machine has only one PostgreSQL major installed, so a real older data directory
         * cannot be made here: production's data is restored from a snapshot into a volume whose
         * PG_VERSION is then set one major lower, which is exactly what the bootstrap script reads.
         */
        @Override
        public MajorMismatch majorMismatch(String namespace) {
            KubernetesClient client = client();
            String base = "older-major-base";
            String pvc = "older-major-data";
            client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName(base).withNamespace(namespace).endMetadata()
                    .withNewSpec().withNewSource().withPersistentVolumeClaimName(prod.pvcName()).endSource().endSpec().build()).create();
            client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(base)
                    .waitUntilCondition(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()), 60, TimeUnit.SECONDS);
            client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(pvc).endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce")
                        .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName(base).endDataSource()
                        .withNewResources().withRequests(Map.of("storage", new Quantity("10Gi"))).endResources()
                    .endSpec().build()).create();
            Volumes.waitBound(client, namespace, pvc, Duration.ofSeconds(60));
            client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(base).delete();
            String dataMajor = Integer.toString(Integer.parseInt(prod.major()) - 1);
            try {
                Files.writeString(Volumes.hostPath(client, namespace, pvc).resolve(SampleProduction.DATA_DIRECTORY).resolve("PG_VERSION"),
                        dataMajor + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String volume = Volumes.volumeHandle(client, namespace, pvc);
            return new MajorMismatch(pvc, SampleProduction.DATA_DIRECTORY, prod.postgresImage(), prod.uid(), dataMajor, prod.major(), () -> {
                client.persistentVolumeClaims().inNamespace(namespace).withName(pvc).delete();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !local.storage().hasVolume(volume));
            });
        }

        @Override
        public Optional<Long> otherUid() {
            return Exec.isRoot() ? Optional.of(prod.uid() == 1001 ? 1002L : 1001L) : Optional.empty();
        }

        @Override
        public String otherUidUnavailableReason() {
            return "not running as root, so the local kubelet runs every pod as this user's uid";
        }

        @Override
        public Footprint footprint(String namespace, String clone) {
            KubernetesClient client = client();
            List<String> volumes = new ArrayList<>();
            Path hostPath = null;
            if (client.persistentVolumeClaims().inNamespace(namespace).withName(clone).get() != null) {
                try {
                    volumes.add(Volumes.volumeHandle(client, namespace, clone));
                    hostPath = Volumes.hostPath(client, namespace, clone);
                } catch (RuntimeException notBoundYet) {
                    // a clone that never got a volume has none to leave behind
                }
            }
            String snapshotHandle = null;
            VolumeSnapshot own = client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(clone).get();
            if (own != null && own.getStatus() != null && own.getStatus().getBoundVolumeSnapshotContentName() != null) {
                VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class)
                        .withName(own.getStatus().getBoundVolumeSnapshotContentName()).get();
                snapshotHandle = content == null || content.getStatus() == null ? null : content.getStatus().getSnapshotHandle();
            }
            Path volumePath = hostPath;
            String snapshot = snapshotHandle;
            return () -> {
                List<String> left = new ArrayList<>();
                volumes.stream().filter(local.storage()::hasVolume).forEach(v -> left.add("volume " + v));
                if (snapshot != null && local.storage().hasSnapshot(snapshot)) {
                    left.add("storage snapshot " + snapshot);
                }
                if (volumePath != null) {
                    List<Long> pids = Processes.withWorkingDirectoryUnder(volumePath);
                    if (!pids.isEmpty()) {
                        left.add("processes " + pids + " on " + volumePath);
                    }
                    left.addAll(mountsUnder(volumePath));
                }
                return left;
            };
        }

        private static List<String> mountsUnder(Path path) {
            try {
                return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" ")[1])
                        .filter(m -> m.startsWith(path.toString())).map(m -> "mount " + m).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Duration readyTimeout() {
            return Duration.ofSeconds(150);
        }

        /** Stops production's load and deletes the namespace; the shared cluster and operator stay for the next class. */
        @Override
        public void close() {
            try {
                if (prod != null) {
                    prod.close();
                }
            } finally {
                namespaces.close();
            }
        }
    }
}
