package dev.pgclone.e2e;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The start-up every end-to-end test shares: a local cluster with the committed CRDs, and the real operator jar on it. */
final class EndToEnd {

    /** The CRDs the operator serves: the committed ones unless -Dpgclone.crd.dir says otherwise. */
    static final Path CRDS = Path.of(System.getProperty("pgclone.crd.dir", "../crds"));
    static final Duration OPERATOR_READY_TIMEOUT = Duration.ofSeconds(90);

    private EndToEnd() {}

    /** A local cluster on a btrfs image of this apparent size, with the operator's CRDs installed. */
    static LocalCluster cluster(long btrfsBytes) {
        return LocalCluster.start(new LocalCluster.Options().btrfsBytes(btrfsBytes).operatorCrds(CRDS));
    }

    /** The operator jar started against the cluster, logging to operator.log in its work directory. */
    static OperatorProcess operator(LocalCluster cluster) {
        return operator(cluster, Map.of());
    }

    /**
     * On the real control plane: RBAC refused the operator nothing during the test (its audit log
     * has every request of the operator's ServiceAccount), so the chart grants all it uses.
     */
    static void assertOperatorNeverForbidden(LocalCluster cluster) {
        if (cluster.controlPlane() == null) {
            return;
        }
        String operator = cluster.operatorAccess().orElseThrow().user();
        org.assertj.core.api.Assertions.assertThat(cluster.controlPlane().auditLog().forbidden(operator))
                .as("requests of the operator (%s) that RBAC refused: the chart lacks these permissions", operator).isEmpty();
    }

    /** The operator jar configured as the chart's Deployment configures it, plus these environment variables (values the chart would set). */
    static OperatorProcess operator(LocalCluster cluster, Map<String, String> env) {
        return cluster.startOperator(OperatorProcess.defaultJar(), cluster.workDir().resolve("operator.log"), OPERATOR_READY_TIMEOUT, env);
    }
}
