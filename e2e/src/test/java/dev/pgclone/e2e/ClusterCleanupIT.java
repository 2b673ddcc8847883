package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Nothing of a local cluster stays on the machine: not after a failed start, not even after its JVM was killed. */
class ClusterCleanupIT {

    static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    @Test
    void aFailedStartLeavesNothingBehind() throws Exception {
        List<Path> before = clusterDirs();
        String mountsBefore = Files.readString(Path.of("/proc/mounts"));
        assertThatThrownBy(() -> LocalCluster.start(new LocalCluster.Options().operatorCrds(TMP.resolve("no-such-crd-dir"))))
                .hasMessageContaining("no-such-crd-dir");
        List<Path> after = clusterDirs();
        // none new (a start also removes the directories of clusters whose JVM was killed)
        assertThat(after).as("work directories").isSubsetOf(before);
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts").isEqualTo(mountsBefore);
    }

    /**
     * SIGTERM (or Ctrl-C's SIGINT) to the JVM of a running cluster, as the sandbox gets it: its
     * shutdown hook stops the pods, the control plane and the storage and removes the directory.
     * Nothing in that JVM may take the signal from it (Helm's Go library did, see ChartRenderer).
     */
    @Test
    void aClusterWhoseJvmGetsSigtermRemovesEverything() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ClusterInAChild.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path dir = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("UP ")) {
                    dir = Path.of(line.substring(3).trim());
                    break;
                }
            }
            assertThat(dir).as("the child cluster came up").isNotNull();
            assertThat(Processes.withWorkingDirectoryUnder(dir)).as("the child's postgres and control plane").isNotEmpty();
            child.destroy();
            assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child JVM ended after SIGTERM").isTrue();
        } finally {
            child.destroyForcibly();
        }
        Leftovers.assertNoneUnder(dir);
    }

    /**
     * A JVM killed with SIGKILL cannot clean up; the next local cluster on the machine removes what
     * it left: its postgres, its mount and loop device, its directory.
     */
    @Test
    void theNextClusterRemovesWhatAKilledOneLeft() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ClusterInAChild.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path dead;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            String dir = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("UP ")) {
                    dir = line.substring(3).trim();
                    break;
                }
            }
            assertThat(dir).as("the child cluster came up").isNotNull();
            dead = Path.of(dir);
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        // its postgres (working in its volume) and its control plane (in controlplane/) outlive the JVM
        List<Long> orphans = new java.util.ArrayList<>(Processes.withWorkingDirectoryUnder(dead));
        List<Long> controlPlane = Processes.withWorkingDirectoryUnder(dead.resolve("controlplane"));
        orphans.removeAll(controlPlane);
        assertThat(orphans).as("the killed cluster's postgres still runs").isNotEmpty();

        try (LocalCluster next = LocalCluster.start(new LocalCluster.Options().btrfsBytes(1L << 30))) {
            Leftovers.assertNoneUnder(dead);
            Path dir = next.workDir();
            next.close();
            Leftovers.assertNoneUnder(dir);
        }
    }

    private static List<Path> clusterDirs() throws Exception {
        try (Stream<Path> s = Files.list(TMP)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pgclone-cluster-")).sorted().toList();
        }
    }
}
