package dev.pgclone.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the end-to-end scenarios ({@link CloneScenarios}) need from a cluster running the operator
 * next to a production database under write load. Implemented by the local sandbox cluster
 * ({@link SandboxScenariosIT}) and by K3s ({@code k3s.K3sScenariosIT}), so the scenarios are
 * written once and a difference between the two is a difference in the clusters, not the tests.
 */
public interface ScenarioCluster extends AutoCloseable {

    /** The production database clones are taken from. */
    record Source(String namespace, String pvcName, String dataDirectory, String image, long uid, String checkpointSecret,
                  String snapshotClass, String major, int pgbenchScale) {}

    /** A source whose data is of another PostgreSQL major version than {@code image}. */
    record MajorMismatch(String pvcName, String dataDirectory, String image, long uid, String dataMajor, String imageMajor,
                         Runnable cleanUp) {}

    /** Where the test reaches a Pod's postgres; closing it ends a port-forward, if one was needed. */
    record Endpoint(String host, int port, AutoCloseable closer) implements AutoCloseable {
        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        @Override
        public void close() throws Exception {
            if (closer != null) {
                closer.close();
            }
        }
    }

    /** What a clone holds outside the API server (processes, volumes, storage snapshots), read while it exists. */
    interface Footprint {
        /** What of it is still there; empty once it is all gone. */
        List<String> remaining();
    }

    /** One line: which cluster and which storage. */
    String describe();

    KubernetesClient client();

    /** A kubeconfig file for kubectl. */
    Path kubeconfig();

    Source source();

    /** SQL in production as its superuser; psql's unaligned, tuples-only output. */
    String sqlInProduction(String sql);

    /** A way from the test to a Pod's port 5432. */
    Endpoint reach(String namespace, String pod);

    /** Why this cluster's storage cannot tell shared from exclusive blocks, or empty when it can. */
    Optional<String> sharingUnmeasurable();

    /** Bytes held by this PVC's volume alone (not shared with the source or other clones). */
    long exclusiveBytes(String namespace, String pvcName);

    /** Bytes the source volume holds in all. */
    long sourceBytes();

    /** A source whose data's major version differs from the image's, made for the test. */
    MajorMismatch majorMismatch(String namespace);

    /** A uid that does not own the source's data and that Pods can run as; empty (with the reason) when the cluster cannot switch uids. */
    Optional<Long> otherUid();

    /** Why {@link #otherUid()} is empty. */
    String otherUidUnavailableReason();

    Footprint footprint(String namespace, String clone);

    /** How long a clone may take to become Ready here (image pulls on a real cluster take longer). */
    java.time.Duration readyTimeout();
}
