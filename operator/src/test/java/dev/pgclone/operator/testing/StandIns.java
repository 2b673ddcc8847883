package dev.pgclone.operator.testing;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.testkit.cluster.ClusterStandIns;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The test kit's cluster stand-ins, told which of the operator's resources own what (for their garbage collector). */
public final class StandIns {

    private StandIns() {}

    public static ClusterStandIns start(KubernetesClient client) {
        return new ClusterStandIns(client, DatabaseClone.class, RefreshSchedule.class).start();
    }
}
