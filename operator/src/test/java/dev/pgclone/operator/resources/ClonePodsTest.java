package dev.pgclone.operator.resources;

import static dev.pgclone.operator.resources.TestClones.effective;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.postgres.ScramVerifier;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The clone's Pod must pass the restricted Pod Security profile and never carry a secret in its spec. */
class ClonePodsTest {

    private static final String VERIFIER = ScramVerifier.of("operator-only-password", new byte[16]);

    private static Container postgres(Pod pod) {
        assertThat(pod.getSpec().getContainers()).hasSize(1);
        assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
        return pod.getSpec().getContainers().get(0);
    }

    private static Map<String, EnvVar> env(Pod pod) {
        return postgres(pod).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    @Test
    void podRunsUnderTheRestrictedProfile() {
        Pod pod = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);
        var podSecurity = pod.getSpec().getSecurityContext();
        var containerSecurity = postgres(pod).getSecurityContext();

        assertThat(podSecurity.getRunAsNonRoot()).isTrue();
        assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(containerSecurity.getRunAsNonRoot()).isTrue();
        assertThat(containerSecurity.getAllowPrivilegeEscalation()).isFalse();
        assertThat(containerSecurity.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(containerSecurity.getReadOnlyRootFilesystem()).isTrue();
        assertThat(containerSecurity.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(containerSecurity.getCapabilities().getAdd()).isNullOrEmpty();
        // a container-level override of the user or seccomp would undo the pod's
        assertThat(containerSecurity.getRunAsUser()).isNull();
        assertThat(containerSecurity.getSeccompProfile()).isNull();
        assertThat(pod.getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSpec().getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void noFsGroupBecauseRelabellingATerabyteVolumeTakesHours() {
        var podSecurity = ClonePods.desired(effective(TestClones.minimal()), VERIFIER).getSpec().getSecurityContext();
        assertThat(podSecurity.getFsGroup()).isNull();
        assertThat(podSecurity.getFsGroupChangePolicy()).isNull();
        assertThat(podSecurity.getSupplementalGroups()).isNullOrEmpty();
    }

    @Test
    void runsAsTheUidThatOwnsTheDataFiles() {
        assertThat(ClonePods.desired(effective(TestClones.minimal()), VERIFIER).getSpec().getSecurityContext().getRunAsUser())
                .as("the official image's postgres uid when unset").isEqualTo(999L);

        DatabaseClone cnpg = TestClones.minimal();
        cnpg.getSpec().getPostgres().setRunAsUser(26L);
        var security = ClonePods.desired(effective(cnpg), VERIFIER).getSpec().getSecurityContext();
        assertThat(security.getRunAsUser()).isEqualTo(26L);
        assertThat(security.getRunAsGroup()).isEqualTo(26L);
    }

    @Test
    void writablePathsAreEmptyDirsOnAReadOnlyRoot() {
        Pod pod = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);
        Map<String, Volume> volumes = pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        Map<String, VolumeMount> mounts = postgres(pod).getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));

        for (String path : new String[] {"/tmp", "/var/run/postgresql", "/dev/shm"}) {
            assertThat(mounts).as("mount at %s", path).containsKey(path);
            VolumeMount mount = mounts.get(path);
            assertThat(mount.getReadOnly()).as(path).isNotEqualTo(Boolean.TRUE);
            assertThat(volumes.get(mount.getName()).getEmptyDir()).as("volume behind %s", path).isNotNull();
        }
        // postgres' shared memory segments: tmpfs, as /dev/shm is on a node
        assertThat(volumes.get(mounts.get("/dev/shm").getName()).getEmptyDir().getMedium()).isEqualTo("Memory");
        // the work dir of the script lives on the /tmp emptyDir
        assertThat(ClonePods.WORK_DIR).startsWith("/tmp/");
    }

    @Test
    void theDataVolumeIsTheClonesPvcAndTheScriptComesReadOnlyFromItsConfigMap() {
        Pod pod = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);
        Map<String, Volume> volumes = pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        Map<String, VolumeMount> mounts = postgres(pod).getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));

        VolumeMount data = mounts.get("/pgclone/volume");
        assertThat(volumes.get(data.getName()).getPersistentVolumeClaim().getClaimName()).isEqualTo("orders-staging");
        VolumeMount bootstrap = mounts.get("/pgclone/bootstrap");
        assertThat(bootstrap.getReadOnly()).isTrue();
        assertThat(volumes.get(bootstrap.getName()).getConfigMap().getName()).isEqualTo("orders-staging-bootstrap");
        assertThat(postgres(pod).getCommand()).containsExactly("sh", "/pgclone/bootstrap/clone-bootstrap.sh");
        assertThat(env(pod).get("PGCLONE_PARAMETERS_FILE").getValue()).isEqualTo("/pgclone/bootstrap/parameters.conf");
    }

    @Test
    void thePodGetsOnlyTheVerifierOfTheOperatorsPasswordNeverThePublishedOne() {
        Pod pod = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);

        assertThat(env(pod).get("PGCLONE_SUPERUSER_VERIFIER").getValue()).isEqualTo(VERIFIER);
        // the published Secret opens nothing before preparation: the Pod does not even refer to it
        assertThat(postgres(pod).getEnv()).noneSatisfy(e -> assertThat(e.getValueFrom()).isNotNull());
        assertThat(postgres(pod).getEnv()).extracting(EnvVar::getName).doesNotContain("PGCLONE_SUPERUSER_PASSWORD");
        assertThat(postgres(pod).getEnvFrom()).isNullOrEmpty();
        assertThat(postgres(pod).getArgs()).isNullOrEmpty();
    }

    @Test
    void readinessMeansTheFinalServerAnswersOnItsSocket() {
        var clone = TestClones.minimal();
        var probe = postgres(ClonePods.desired(effective(clone), VERIFIER)).getReadinessProbe();
        // -U: a uid without a passwd entry (26 in the official image) would otherwise never be ready
        assertThat(probe.getExec().getCommand())
                .containsExactly("pg_isready", "-q", "-h", "/var/run/postgresql", "-p", "5432", "-U", "postgres");
        assertThat(ClonePods.readinessCommand(effective(clone))).isEqualTo(probe.getExec().getCommand());
        assertThat(probe.getPeriodSeconds()).isPositive();
    }

    @Test
    void theCloneIdMarksTheCopyAsIsolatedForThisCloneOnly() {
        var clone = TestClones.minimal();
        assertThat(postgres(ClonePods.desired(effective(clone), VERIFIER)).getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("PGCLONE_CLONE_ID");
                    assertThat(e.getValue()).isEqualTo(clone.getMetadata().getUid()).isNotBlank();
                });
    }

    @Test
    void aMaskedSnapshotBuildsPodFinishesOnceAndIsNeverRestarted() {
        Pod ordinary = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);
        assertThat(ordinary.getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(postgres(ordinary).getEnv()).extracting(EnvVar::getName).doesNotContain("PGCLONE_BUILD");
        Pod build = ClonePods.desired(effective(TestClones.minimal()), VERIFIER, true);
        // the bootstrap stops postgres, removes the WAL and exits 0: a restart would start postgres on the finished copy again
        assertThat(build.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(postgres(build).getEnv()).filteredOn(e -> "PGCLONE_BUILD".equals(e.getName())).singleElement()
                .extracting(EnvVar::getValue).isEqualTo("masked-snapshot");
    }

    @Test
    void aBuildAndTheSnapshotItPublishesAreNamedAfterTheSourceAndTheBuildsStart() {
        var source = new dev.pgclone.operator.api.v1alpha1.CloneSource();
        source.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("orders").withNamespace("prod").build());
        String build = Names.maskingBuild(source, java.time.Instant.parse("2026-12-07T19:05:42Z"));
        assertThat(build).isEqualTo("orders-mask-202612071905");
        assertThat(Names.maskedSnapshot(build)).isEqualTo("orders-masked-202612071905");
        // a source whose own name holds "-mask-" still maps on its last occurrence
        source.getMetadata().setName("un-mask-me");
        assertThat(Names.maskedSnapshot(Names.maskingBuild(source, java.time.Instant.parse("2026-12-07T19:05:42Z"))))
                .isEqualTo("un-mask-me-masked-202612071905");
        assertThat(("x".repeat(Names.MAX_MASKED_SOURCE_NAME) + "-mask-202612071905").length()).isEqualTo(Names.MAX_LABEL);
        // the start, by the operator's clock, is read back from either name, to the minute
        assertThat(Names.maskingBuildStart(build)).hasValue(java.time.Instant.parse("2026-12-07T19:05:00Z"));
        assertThat(Names.maskingBuildStart(Names.maskedSnapshot(build))).hasValue(java.time.Instant.parse("2026-12-07T19:05:00Z"));
        assertThat(Names.maskingBuildStart("orders-masked-2026120719")).isEmpty();
        assertThat(Names.maskingBuildStart("orders-masked-20261207190x")).isEmpty();
    }

    @Test
    void failuresAreReportedThroughTheTerminationLog() {
        Container c = postgres(ClonePods.desired(effective(TestClones.minimal()), VERIFIER));
        assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    }

    @ParameterizedTest(name = "dataDirectory \"{0}\" -> {1}")
    @CsvSource(value = {
            "<null>, /pgclone/volume",
            "'', /pgclone/volume",
            "'   ', /pgclone/volume",
            "pgdata, /pgclone/volume/pgdata",
            "/pgdata/, /pgclone/volume/pgdata",
            "pgdata//, /pgclone/volume/pgdata",
            "data/16/main, /pgclone/volume/data/16/main",
    }, nullValues = "<null>")
    void pgdataIsTheDataDirectoryInsideTheVolume(String dataDirectory, String expected) {
        DatabaseClone clone = TestClones.minimal();
        clone.getSpec().getSource().setDataDirectory(dataDirectory);

        assertThat(ClonePods.dataDirectory(clone)).isEqualTo(expected);
        assertThat(env(ClonePods.desired(effective(clone), VERIFIER)).get("PGDATA").getValue()).isEqualTo(expected);
    }

    @Test
    void isolationDefaultsToStrict() {
        DatabaseClone clone = TestClones.minimal();
        assertThat(env(ClonePods.desired(effective(clone), VERIFIER)).get("PGCLONE_ISOLATION").getValue()).isEqualTo("strict");
        clone.getSpec().setIsolation("none");
        assertThat(env(ClonePods.desired(effective(clone), VERIFIER)).get("PGCLONE_ISOLATION").getValue()).isEqualTo("none");
    }

    @Test
    void imageSuperuserAndResourcesComeFromTheSpec() {
        DatabaseClone clone = TestClones.minimal();
        clone.getSpec().getPostgres().setImage("ghcr.io/cloudnative-pg/postgresql:16.4");
        clone.getSpec().getPostgres().setSuperuser("admin");
        var resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("2Gi")).build();
        clone.getSpec().getPostgres().setResources(resources);
        Pod pod = ClonePods.desired(effective(clone), VERIFIER);

        assertThat(postgres(pod).getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(env(pod).get("PGCLONE_SUPERUSER").getValue()).isEqualTo("admin");
        assertThat(postgres(pod).getResources()).isEqualTo(resources);
        assertThat(postgres(pod).getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("postgres");
            assertThat(p.getContainerPort()).isEqualTo(5432);
        });
    }

    @Test
    void thePodIsNotServedBeforePreparation() {
        // the Service selects pgclone.dev/prepared=true; only the operator adds it, after preparation
        Pod pod = ClonePods.desired(effective(TestClones.minimal()), VERIFIER);
        assertThat(pod.getMetadata().getLabels()).doesNotContainKey(Labels.PREPARED)
                .containsEntry(Labels.CLONE, "orders-staging")
                .containsEntry(Labels.COMPONENT, "database");
        assertThat(Labels.servingSelector(TestClones.minimal())).containsEntry(Labels.PREPARED, "true");
    }
}
