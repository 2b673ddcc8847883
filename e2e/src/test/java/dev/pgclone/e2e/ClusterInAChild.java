package dev.pgclone.e2e;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;

/** Started by {@link ClusterCleanupIT} in its own JVM, which the test then kills: a cluster with a running postgres pod. */
public final class ClusterInAChild {

    private ClusterInAChild() {}

    public static void main(String[] args) throws Exception {
        LocalCluster cluster = LocalCluster.start(new LocalCluster.Options().btrfsBytes(1L << 30));
        SampleProduction.create(cluster, new SampleProduction.Options().name("doomed").scale(1));
        System.out.println("UP " + cluster.workDir());
        System.out.flush();
        Thread.sleep(120_000);
        cluster.close();
    }
}
