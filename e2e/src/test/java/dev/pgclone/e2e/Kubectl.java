package dev.pgclone.e2e;

import dev.pgclone.testkit.cluster.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** The real kubectl against a local cluster's kubeconfig; tests using it are skipped, saying why, where it is absent. */
final class Kubectl {

    static final Path BINARY = dev.pgclone.testkit.cluster.ClusterCrds.kubectl();

    private final Path kubeconfig;

    Kubectl(Path kubeconfig) {
        this.kubeconfig = kubeconfig;
    }

    static void assumePresent() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "kubectl not found at " + BINARY
                + ": the kubectl smoke checks are skipped (set -Dpgclone.kubectl=/path/to/kubectl to run them)");
    }

    Exec.Result run(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        return Exec.run(timeout, cmd, Map.of("KUBECONFIG", kubeconfig.toString()));
    }

    String ok(String... args) {
        return run(Duration.ofSeconds(60), args).ok();
    }

    /** Starts kubectl in the background (for kubectl wait while something else drives the cluster). */
    Process start(Path output, String... args) throws java.io.IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        return pb.start();
    }
}
