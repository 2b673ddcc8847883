package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.BtrfsStorage;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.Processes;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local cluster on its own, without the operator: what kubectl sees, snapshots and restores,
 * the kubelet, garbage collection. One cluster for the class (starting one takes a second or two).
 */
class LocalClusterIT {

    static final String NS = "default";
    static LocalCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = EndToEnd.cluster(2L << 30);
        client = cluster.client();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            Path dir = cluster.workDir();
            cluster.close();
            Leftovers.assertNoneUnder(dir);
        }
    }

    @Test
    void kubectlDiscoversAppliesGetsDescribesAndWaits() throws Exception {
        Kubectl.assumePresent();
        Kubectl kubectl = new Kubectl(cluster.kubeconfig());
        assertThat(kubectl.ok("api-resources")).contains("databaseclones", "dbc", "volumesnapshots", "persistentvolumeclaims");

        Path manifest = cluster.workDir().resolve("clone.yaml");
        Files.writeString(manifest, """
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata:
                  name: kubectl-made
                spec:
                  source:
                    pvcName: nowhere
                  postgres:
                    image: postgres:15
                """);
        assertThat(kubectl.ok("apply", "-f", manifest.toString())).contains("databaseclone.pgclone.dev/kubectl-made created");
        assertThat(kubectl.ok("apply", "-f", manifest.toString())).contains("unchanged");
        assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName("kubectl-made").get())
                .isNotNull();

        Path waitOut = cluster.workDir().resolve("wait.out");
        Process wait = kubectl.start(waitOut, "wait", "--for=condition=Ready", "databaseclone/kubectl-made", "--timeout=60s");
        // what the operator would do: the status subresource gets a Ready condition
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(waitOut));
        client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName("kubectl-made").subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), """
                        {"status":{"phase":"Ready","conditions":[{"type":"Ready","status":"True","reason":"CloneReady",
                        "message":"test","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""");
        assertThat(wait.waitFor(60, TimeUnit.SECONDS)).as("kubectl wait finished").isTrue();
        assertThat(Files.readString(waitOut)).contains("condition met");
        assertThat(wait.exitValue()).isZero();

        String table = kubectl.ok("get", "dbc");
        assertThat(table).contains("PHASE", "kubectl-made", "Ready");
        var made = client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName("kubectl-made").get();
        event("about-it", "DatabaseClone", "kubectl-made", made.getMetadata().getUid(), "snapshot requested for this clone");
        event("about-another", "DatabaseClone", "someone-else", "0000", "an event about another clone");
        String described = kubectl.ok("describe", "databaseclone", "kubectl-made");
        assertThat(described).contains("Name:", "kubectl-made", "Pvc Name:", "nowhere", "snapshot requested for this clone")
                .doesNotContain("an event about another clone");
        assertThat(kubectl.run(Duration.ofSeconds(30), "get", "pods,pvc,volumesnapshots").exitCode()).isZero();
        // what a user does first in the sandbox (the POST carries fieldValidation=Strict)
        assertThat(kubectl.ok("create", "secret", "generic", "made-by-kubectl", "--from-literal=password=s3cret"))
                .contains("secret/made-by-kubectl created");
        assertThat(new String(java.util.Base64.getDecoder().decode(client.secrets().inNamespace(NS).withName("made-by-kubectl").get()
                .getData().get("password")), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("s3cret");
        assertThat(kubectl.ok("create", "configmap", "made-by-kubectl", "--from-literal=greeting=hello"))
                .contains("configmap/made-by-kubectl created");
        assertThat(client.configMaps().inNamespace(NS).withName("made-by-kubectl").get().getData()).containsEntry("greeting", "hello");
        kubectl.ok("delete", "secret/made-by-kubectl", "configmap/made-by-kubectl");
        kubectl.ok("delete", "databaseclone", "kubectl-made");
    }

    private static void event(String name, String kind, String objectName, String uid, String message) {
        client.v1().events().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.EventBuilder()
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewInvolvedObject().withApiVersion("pgclone.dev/v1alpha1").withKind(kind).withName(objectName).withNamespace(NS)
                    .withUid(uid).endInvolvedObject()
                .withType("Normal").withReason("Test").withMessage(message).withCount(1)
                .withFirstTimestamp("2026-01-01T00:00:00Z").withLastTimestamp("2026-01-01T00:00:00Z")
                .build()).create();
    }

    @Test
    void snapshotAndRestoreGiveACopyOnWriteCopyOfAVolume() throws Exception {
        Volumes.createBound(client, NS, "src", "1Gi");
        Path src = Volumes.hostPath(client, NS, "src");
        byte[] data = new byte[24 << 20];
        new Random(1).nextBytes(data);
        Files.write(src.resolve("blob"), data);

        client.resource(new VolumeSnapshotBuilder().withNewMetadata().withName("src-snap").withNamespace(NS).endMetadata()
                .withNewSpec().withNewSource().withPersistentVolumeClaimName("src").endSource().endSpec().build()).create();
        VolumeSnapshot vs = client.resources(VolumeSnapshot.class).inNamespace(NS).withName("src-snap")
                .waitUntilCondition(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()), 30, TimeUnit.SECONDS);
        assertThat(vs.getStatus().getRestoreSize()).isEqualTo(new Quantity("1Gi"));
        assertThat(vs.getStatus().getCreationTime()).isNotBlank();
        VolumeSnapshotContent content = client.resources(VolumeSnapshotContent.class).withName(vs.getStatus().getBoundVolumeSnapshotContentName()).get();
        assertThat(content.getSpec().getDeletionPolicy()).isEqualTo("Delete");
        String handle = content.getStatus().getSnapshotHandle();
        assertThat(cluster.storage().hasSnapshot(handle)).isTrue();

        // written after the snapshot: must not show up in the restore
        Files.writeString(src.resolve("later"), "after the snapshot");
        client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("restored").endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce")
                    .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName("src-snap").endDataSource()
                    .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources()
                .endSpec().build()).create();
        Volumes.waitBound(client, NS, "restored", Duration.ofSeconds(30));
        Path restored = Volumes.hostPath(client, NS, "restored");
        assertThat(Files.readAllBytes(restored.resolve("blob"))).isEqualTo(data);
        assertThat(restored.resolve("later")).doesNotExist();
        Files.writeString(restored.resolve("blob"), "changed in the restore");
        assertThat(Files.readAllBytes(src.resolve("blob"))).as("source unchanged by writes to the restore").isEqualTo(data);

        String restoredHandle = Volumes.volumeHandle(client, NS, "restored");
        Files.delete(restored.resolve("blob"));
        Files.write(restored.resolve("blob2"), data);
        if (cluster.storage() instanceof BtrfsStorage btrfs) {
            // a fresh writable snapshot of the snapshot shares every extent: it holds next to nothing of its own
            client.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("restored-fresh").endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce")
                        .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName("src-snap").endDataSource()
                        .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources()
                    .endSpec().build()).create();
            Volumes.waitBound(client, NS, "restored-fresh", Duration.ofSeconds(30));
            String fresh = Volumes.volumeHandle(client, NS, "restored-fresh");
            assertThat(btrfs.totalBytes(fresh)).as("bytes the fresh restore references").isGreaterThanOrEqualTo(data.length);
            assertThat(btrfs.exclusiveBytes(fresh)).as("bytes only the fresh restore holds").isLessThan(1 << 20);
            assertThat(btrfs.exclusiveBytes(restoredHandle)).as("a restore that was rewritten holds its new data")
                    .isGreaterThanOrEqualTo(data.length);
        }

        // deleting the snapshot removes its content and storage snapshot; the restore lives on
        client.resources(VolumeSnapshot.class).inNamespace(NS).withName("src-snap").delete();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(client.resources(VolumeSnapshotContent.class).withName(content.getMetadata().getName()).get()).isNull();
            assertThat(cluster.storage().hasSnapshot(handle)).isFalse();
        });
        assertThat(Files.readAllBytes(restored.resolve("blob2"))).isEqualTo(data);

        // deleting a PVC removes its PV and volume
        client.persistentVolumeClaims().inNamespace(NS).withName("restored").delete();
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(cluster.storage().hasVolume(restoredHandle)).isFalse();
            assertThat(client.persistentVolumes().withName(restoredHandle).get()).isNull();
        });
    }

    @Test
    void copyStorageSnapshotsAndRestoresByCopying() throws Exception {
        try (LocalCluster copies = LocalCluster.start(new LocalCluster.Options().storage(LocalCluster.StorageChoice.COPY))) {
            KubernetesClient c = copies.client();
            assertThat(copies.storage().copyOnWrite()).isFalse();
            assertThat(copies.storage().describe()).contains("COPIES");
            Volumes.createBound(c, NS, "a", "1Gi");
            Files.writeString(Volumes.hostPath(c, NS, "a").resolve("f"), "hello");
            c.resource(new VolumeSnapshotBuilder().withNewMetadata().withName("a-snap").withNamespace(NS).endMetadata()
                    .withNewSpec().withNewSource().withPersistentVolumeClaimName("a").endSource().endSpec().build()).create();
            c.resources(VolumeSnapshot.class).inNamespace(NS).withName("a-snap")
                    .waitUntilCondition(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()), 30, TimeUnit.SECONDS);
            c.persistentVolumeClaims().inNamespace(NS).resource(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("b").endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce")
                        .withNewDataSource().withApiGroup("snapshot.storage.k8s.io").withKind("VolumeSnapshot").withName("a-snap").endDataSource()
                        .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources()
                    .endSpec().build()).create();
            Volumes.waitBound(c, NS, "b", Duration.ofSeconds(30));
            assertThat(Files.readString(Volumes.hostPath(c, NS, "b").resolve("f"))).isEqualTo("hello");
            assertThat(copies.storage().exclusiveBytes(Volumes.volumeHandle(c, NS, "b"))).isPositive();
            Path dir = copies.workDir();
            copies.close();
            Leftovers.assertNoneUnder(dir);
        }
    }

    @Test
    void kubeletRunsPostgresToReadyOnItsOwnAddressAsThePodUser() throws Exception {
        try (SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().name("kubelet").scale(1))) {
            Pod pod = client.pods().inNamespace(NS).withName(prod.podName()).get();
            String ip = pod.getStatus().getPodIP();
            assertThat(ip).matches("127\\.0\\.0\\.([2-9]|[1-9][0-9]+)");
            assertThat(pod.getStatus().getContainerStatuses().get(0).getReady()).isTrue();
            assertThat(prod.psql("SELECT count(*) FROM pgbench_accounts")).isEqualTo("100000");
            assertThat(prod.psql("SELECT inet_server_addr()")).isEqualTo(ip);
            assertThat(prod.psql("SHOW archive_mode")).isEqualTo("on");

            Path data = Volumes.hostPath(client, NS, prod.pvcName()).resolve(SampleProduction.DATA_DIRECTORY);
            long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
            String uidLine = Files.readAllLines(Path.of("/proc", Long.toString(postmaster), "status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            assertThat(uidLine.split("\\s+")[1]).as("postmaster's real uid").isEqualTo(Long.toString(prod.uid()));

            // deletion: Terminating while postgres shuts down, then gone, with no process left on the volume
            client.pods().inNamespace(NS).withName(prod.podName()).delete();
            await().atMost(Duration.ofSeconds(45)).untilAsserted(() -> assertThat(client.pods().inNamespace(NS).withName(prod.podName()).get()).isNull());
            assertThat(Processes.alive(postmaster)).isFalse();
            assertThat(Processes.withWorkingDirectoryUnder(data)).isEmpty();
        }
    }

    @Test
    void aStoppedLocalDataDirectoryCanBeImportedAsAPvcAndServed() throws Exception {
        String major = dev.pgclone.testkit.postgres.LocalPostgresInstall.requireMajor();
        Path source = Files.createTempDirectory("pgclone-import-");
        try {
            Path data = source.resolve("data");
            // someone's own database, owned by the postgres OS user (Debian's package creates it)
            long uid = dev.pgclone.testkit.cluster.Exec.isRoot() ? (Integer) Files.getAttribute(Path.of("/var/lib/postgresql"), "unix:uid")
                    : (Integer) Files.getAttribute(source, "unix:uid");
            List<String> asOwner = dev.pgclone.testkit.cluster.Exec.isRoot() ? List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--init-groups", "--")
                    : List.of();
            Files.setPosixFilePermissions(source, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            var initdb = new java.util.ArrayList<>(asOwner);
            initdb.addAll(List.of(dev.pgclone.testkit.postgres.LocalPostgresInstall.bin(major, "initdb").toString(), "-D", data.toString(),
                    "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"));
            dev.pgclone.testkit.cluster.Exec.run(Duration.ofMinutes(2), initdb, null).ok();

            Volumes.importDataDirectory(cluster, NS, "imported", data, "pgdata", "5Gi");
            Path inVolume = Volumes.hostPath(client, NS, "imported").resolve("pgdata");
            assertThat(inVolume.resolve("PG_VERSION")).hasContent(major);
            assertThat((Integer) Files.getAttribute(inVolume.resolve("global/pg_control"), "unix:uid")).isEqualTo((int) uid);

            client.pods().inNamespace(NS).resource(new PodBuilder()
                    .withNewMetadata().withName("imported").endMetadata()
                    .withNewSpec().withTerminationGracePeriodSeconds(10L)
                        .withNewSecurityContext().withRunAsUser(uid).endSecurityContext()
                        .addNewContainer().withName("postgres").withImage("postgres:" + major)
                            .withArgs("-D", "/data/pgdata", "-k", "/run/pg", "-c", "listen_addresses=$(POD_IP)")
                            .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                            .withNewReadinessProbe().withNewExec().withCommand("pg_isready", "-h", "/run/pg").endExec().withPeriodSeconds(1).endReadinessProbe()
                            .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                            .addNewVolumeMount().withName("run").withMountPath("/run/pg").endVolumeMount()
                        .endContainer()
                        .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName("imported").endPersistentVolumeClaim().endVolume()
                        .addNewVolume().withName("run").withNewEmptyDir().endEmptyDir().endVolume()
                    .endSpec().build()).create();
            client.pods().inNamespace(NS).withName("imported").waitUntilCondition(SampleProductionReady::ready, 30, TimeUnit.SECONDS);
            client.pods().inNamespace(NS).withName("imported").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace(NS).withName("imported").get() == null);
            assertThat(data.resolve("postmaster.pid")).as("the source directory itself was never used").doesNotExist();
        } finally {
            dev.pgclone.testkit.cluster.Exec.run(Duration.ofMinutes(1), List.of("rm", "-rf", source.toString()), null);
        }
    }

    /** Pod readiness as the kubelet reports it. */
    static final class SampleProductionReady {
        static boolean ready(Pod p) {
            return p != null && p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                    .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        }
    }

    @Test
    void kubeletRestartsACrashingContainerWithItsTerminationMessage() {
        client.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("crasher").endMetadata()
                .withNewSpec().withRestartPolicy("Always").withTerminationGracePeriodSeconds(5L)
                    .withNewSecurityContext().withRunAsUser(999L).endSecurityContext()
                    .addNewContainer().withName("main").withImage("postgres:" + dev.pgclone.testkit.postgres.LocalPostgresInstall.requireMajor())
                        .withCommand("sh", "-c", "echo \"data is PostgreSQL 14, image runs 15\" > \"$PGCLONE_TERMINATION_LOG\"; exit 3")
                    .endContainer()
                .endSpec().build()).create();
        Pod crashed = client.pods().inNamespace(NS).withName("crasher").waitUntilCondition(p -> p.getStatus() != null
                && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                && p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1, 30, TimeUnit.SECONDS);
        var status = crashed.getStatus().getContainerStatuses().get(0);
        assertThat(status.getLastState().getTerminated().getExitCode()).isEqualTo(3);
        assertThat(status.getLastState().getTerminated().getReason()).isEqualTo("Error");
        assertThat(status.getLastState().getTerminated().getMessage()).contains("data is PostgreSQL 14, image runs 15");
        assertThat(status.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(status.getReady()).isFalse();
        // restarted after the first back-off (10 s)
        client.pods().inNamespace(NS).withName("crasher").waitUntilCondition(p -> p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 2,
                30, TimeUnit.SECONDS);
        client.pods().inNamespace(NS).withName("crasher").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(NS).withName("crasher").get() == null);
    }

    @Test
    void kubeletReportsAMissingPostgresVersionAsImagePullError() {
        client.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("no-such-major").endMetadata()
                .withNewSpec().addNewContainer().withName("postgres").withImage("postgres:99").endContainer().endSpec().build()).create();
        Pod pod = client.pods().inNamespace(NS).withName("no-such-major").waitUntilCondition(p -> p.getStatus() != null
                && p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                && "ErrImagePull".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason()), 30, TimeUnit.SECONDS);
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage()).contains("postgresql-99");
        client.pods().inNamespace(NS).withName("no-such-major").delete();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().inNamespace(NS).withName("no-such-major").get() == null);
    }

    @Test
    void garbageCollectorDeletesObjectsWhoseOwnersAreGone() {
        ConfigMap owner = client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata()
                .build()).create();
        ConfigMap keeper = client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("keeper").endMetadata()
                .build()).create();
        var ownedBy = (java.util.function.Function<ConfigMap, io.fabric8.kubernetes.api.model.OwnerReference>) o -> new OwnerReferenceBuilder()
                .withApiVersion("v1").withKind("ConfigMap").withName(o.getMetadata().getName()).withUid(o.getMetadata().getUid()).build();
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("orphan-to-be")
                .withOwnerReferences(ownedBy.apply(owner)).endMetadata().build()).create();
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("two-owners")
                .withOwnerReferences(ownedBy.apply(owner), ownedBy.apply(keeper)).endMetadata().build()).create();
        GenericKubernetesResource customOwned = new GenericKubernetesResource();
        customOwned.setApiVersion("snapshot.storage.k8s.io/v1");
        customOwned.setKind("VolumeSnapshot");
        customOwned.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("owned-snapshot").withNamespace(NS)
                .withOwnerReferences(ownedBy.apply(owner)).build());
        customOwned.setAdditionalProperty("spec", Map.of("source", Map.of("persistentVolumeClaimName", "nowhere")));
        client.resource(customOwned).create();

        client.configMaps().inNamespace(NS).withName("owner").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(client.secrets().inNamespace(NS).withName("orphan-to-be").get()).isNull();
            assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS).withName("owned-snapshot").get()).isNull();
        });
        // one owner left: kept (the collector handled the owner's deletion above, this one with it)
        assertThat(client.secrets().inNamespace(NS).withName("two-owners").get()).isNotNull();
        client.configMaps().inNamespace(NS).withName("keeper").delete();
    }

}
