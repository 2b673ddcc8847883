package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local cluster with the operator running on it, shared by the end-to-end classes of a test JVM
 * that need nothing special from either (the operator configured as the chart configures it). The
 * control plane, the CRDs, the chart's RBAC and the operator start once instead of once per class;
 * each test keeps to namespaces of its own ({@link #namespaces}, never used by another class),
 * deleted when it ends, so the classes stay independent of each other and of their order.
 *
 * <p>Started by the first test that declares a {@code SharedCluster} parameter (with
 * {@code @ExtendWith(SharedCluster.Resolver.class)}); kept in JUnit's root store, which closes it when
 * the run ends, and then the same cleanup guarantees hold as for a cluster of one's own: no process,
 * mount, loop device or directory left ({@link Leftovers}; a failure there fails the run). Should the
 * JVM be killed first, the cluster's shutdown hook and the next cluster's stale-cluster sweep remain.
 *
 * <p>The operator runs with an image allow-list ({@link #ALLOWED_IMAGES}), as the chart's values
 * advise: {@code AttackIT} needs one to show that an image outside it is refused, and every other
 * class's images are in it.
 *
 * <p>Classes that keep a cluster of their own, and why: {@code ClusterCleanupIT} (it kills clusters
 * to test how they are cleaned up), {@code LocalClusterIT} (it tests the cluster itself, without an
 * operator), {@code ServiceProxyIT} (no cluster at all).
 */
final class SharedCluster implements AutoCloseable {

    /** Apparent size of the btrfs image (sparse): room for the largest class's production and clones at once. */
    static final long BTRFS_BYTES = 4L << 30;
    static final Duration NAMESPACE_GONE_TIMEOUT = Duration.ofMinutes(2);
    /**
     * The shared operator's {@code PGCLONE_ALLOWED_IMAGES} (the chart's {@code allowedImages}): the
     * official image and CloudNativePG's, of any major, which is what the classes' clones, CloneSources
     * and the examples name; anything else is refused with ImageNotAllowed.
     */
    static final String ALLOWED_IMAGES = "postgres:*,ghcr.io/cloudnative-pg/postgresql:*";
    /** The shared operator's {@code PGCLONE_REHEARSAL_ALLOWED_IMAGES} (the chart's {@code rehearsal.allowedMigrationImages}): psql from the official image. */
    static final String ALLOWED_MIGRATION_IMAGES = "postgres:*";

    private final LocalCluster cluster;
    private final OperatorProcess operator;
    /** Namespaces the tests deleted, whose deletion may still be under way. */
    private final Set<String> deleting = ConcurrentHashMap.newKeySet();

    private SharedCluster(LocalCluster cluster, OperatorProcess operator) {
        this.cluster = cluster;
        this.operator = operator;
    }

    private static SharedCluster start() {
        long started = System.nanoTime();
        LocalCluster cluster = EndToEnd.cluster(BTRFS_BYTES);
        try {
            SharedCluster shared = new SharedCluster(cluster, EndToEnd.operator(cluster, Map.of("PGCLONE_ALLOWED_IMAGES", ALLOWED_IMAGES,
                    "PGCLONE_REHEARSAL_ALLOWED_IMAGES", ALLOWED_MIGRATION_IMAGES)));
            System.out.printf("shared cluster and operator up in %.1f s (once for the test JVM)%n", (System.nanoTime() - started) / 1e9);
            return shared;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    LocalCluster cluster() {
        return cluster;
    }

    KubernetesClient client() {
        return cluster.client();
    }

    OperatorProcess operator() {
        return operator;
    }

    /**
     * Creates these namespaces for one test; closing the result deletes them, deletes their Pods at
     * once and waits until those are gone (the kubelet stopped their processes). The rest of a
     * namespace's deletion (the namespace controller's passes, some 15 s on the control plane) goes on
     * while the next class runs in namespaces of its own; the cluster waits for all of it before its
     * leftover check.
     */
    TestNamespaces namespaces(String... names) {
        KubernetesClient client = cluster.client();
        List<String> created = new ArrayList<>();
        try {
            for (String name : names) {
                assertThat(client.namespaces().withName(name).get()).as("namespace %s left by an earlier test", name).isNull();
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
                created.add(name);
            }
        } catch (RuntimeException | AssertionError e) {
            new TestNamespaces(this, created).close();
            throw e;
        }
        return new TestNamespaces(this, created);
    }

    /** A test's namespaces; {@link #close()} deletes them and waits until no Pod of theirs is left. */
    record TestNamespaces(SharedCluster owner, List<String> names) implements AutoCloseable {
        @Override
        public void close() {
            long started = System.nanoTime();
            KubernetesClient client = owner.client();
            for (String name : names) {
                client.namespaces().withName(name).delete();
                owner.deleting.add(name);
            }
            // The namespace controller waits 5 s before it empties a deleted namespace (time for HA
            // API servers to see the deletion); the Pods are what the next class must not share the
            // machine with, so they are deleted now, as kubectl delete pods --all would. The namespace
            // is Terminating already, so the API server refuses new Pods in it; one that slipped in
            // meanwhile is deleted on the next poll.
            await().atMost(NAMESPACE_GONE_TIMEOUT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                for (String name : names) {
                    List<Pod> pods = client.pods().inNamespace(name).list().getItems();
                    pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                            .forEach(p -> client.pods().inNamespace(name).withName(p.getMetadata().getName()).delete());
                    assertThat(pods).as("Pods of deleted namespace %s", name).isEmpty();
                }
            });
            System.out.printf("namespaces %s deleted, their Pods gone in %.1f s%n", names, (System.nanoTime() - started) / 1e9);
        }
    }

    /** Waits until every namespace a test deleted is gone from the API server. */
    private void awaitNamespacesGone() {
        long started = System.nanoTime();
        for (String name : deleting) {
            try {
                client().namespaces().withName(name).waitUntilCondition(ns -> ns == null, NAMESPACE_GONE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (KubernetesClientTimeoutException e) {
                throw new AssertionError("namespace " + name + " not gone " + NAMESPACE_GONE_TIMEOUT.toSeconds() + " s after the wait began: "
                        + whatHolds(name), e);
            }
        }
        System.out.printf("the %d namespaces the tests deleted are gone (%.1f s waited at the end)%n", deleting.size(),
                (System.nanoTime() - started) / 1e9);
    }

    /** What keeps a namespace from going: the namespace controller's conditions, and the objects left in it with their finalizers. */
    private String whatHolds(String name) {
        KubernetesClient client = client();
        Namespace ns = client.namespaces().withName(name).get();
        List<String> held = new ArrayList<>();
        if (ns != null && ns.getStatus() != null && ns.getStatus().getConditions() != null) {
            ns.getStatus().getConditions().stream().filter(c -> "True".equals(c.getStatus()))
                    .forEach(c -> held.add(c.getType() + ": " + c.getMessage()));
        }
        for (HasMetadata o : Stream.of(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(name).list().getItems(),
                client.genericKubernetesResources("pgclone.dev/v1alpha1", "CloneSource").inNamespace(name).list().getItems(),
                client.resources(VolumeSnapshot.class).inNamespace(name).list().getItems(),
                client.persistentVolumeClaims().inNamespace(name).list().getItems()).flatMap(List::stream).toList()) {
            held.add(o.getKind() + " " + o.getMetadata().getName() + " finalizers " + o.getMetadata().getFinalizers());
        }
        return String.join("; ", held);
    }

    @Override
    public void close() throws Exception {
        Path workDir = cluster.workDir();
        try {
            awaitNamespacesGone();
            assertThat(operator.alive()).as("the shared operator ran until the end; its log: %s", operator.log()).isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        } finally {
            try {
                operator.close();
            } finally {
                cluster.close();
            }
        }
        Leftovers.assertNoneUnder(workDir);
        System.out.printf("shared cluster stopped: nothing left under %s%n", workDir);
    }

    /** Hands a test the JVM's shared cluster, starting it on first use. */
    static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == SharedCluster.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(ExtensionContext.Namespace.create(SharedCluster.class))
                    .computeIfAbsent(SharedCluster.class, k -> start(), SharedCluster.class);
        }
    }
}
