package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.e2e.cluster.LocalCluster;
import dev.pgclone.e2e.cluster.Processes;
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
        assertThat(after).as("work directories").isEqualTo(before);
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts").isEqualTo(mountsBefore);
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
