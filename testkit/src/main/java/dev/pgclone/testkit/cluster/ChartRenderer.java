package dev.pgclone.testkit.cluster;

import com.marcnuri.helm.Helm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code helm template} in a JVM of its own: {@link OperatorAccess} runs it as a child process.
 * helm-java calls Helm's Go library in-process, and once the Go runtime is loaded it takes SIGINT
 * and SIGTERM for itself: the JVM's shutdown hooks no longer run, so Ctrl-C would leave the
 * sandbox's processes, mounts and files behind. The JVM that runs the cluster never loads it.
 * <p>
 * Arguments: chart directory, release name, namespace. Prints the rendered manifests.
 */
public final class ChartRenderer {

    private ChartRenderer() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: ChartRenderer CHART_DIR RELEASE NAMESPACE");
            System.exit(2);
        }
        String yaml = new Helm(Path.of(args[0])).template().withName(args[1]).withNamespace(args[2]).call();
        System.out.write(yaml.getBytes(StandardCharsets.UTF_8), 0, yaml.getBytes(StandardCharsets.UTF_8).length);
        System.out.flush();
        // the Go runtime's threads would keep the JVM alive
        System.exit(0);
    }
}
