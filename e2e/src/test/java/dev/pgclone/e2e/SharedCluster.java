package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local cluster with the operator running on it, shared by the end-to-end classes of a test JVM
 * that need nothing special from either (the operator configured as the chart configures it). The
 * control plane, the CRDs, the chart's RBAC and the operator start once instead of once per class;
 * each test keeps to namespaces of its own ({@link #namespaces}), deleted when it ends, so the
 * classes stay independent of each other and of their order.
 *
 * <p>Started by the first test that declares a {@code SharedCluster} parameter (with
 * {@code @ExtendWith(SharedCluster.Resolver.class)}); kept in JUnit's root store, which closes it when
 * the run ends, and then the same cleanup guarantees hold as for a cluster of one's own: no process,
 * mount, loop device or directory left ({@link Leftovers}; a failure there fails the run). Should the
 * JVM be killed first, the cluster's shutdown hook and the next cluster's stale-cluster sweep remain.
 *
 * <p>Classes that keep a cluster of their own, and why: {@code AttackIT} (the operator runs with an
 * image allow-list, and its attacks plant objects in a production the others must not see),
 * {@code ClusterCleanupIT} (it kills clusters to test how they are cleaned up), {@code LocalClusterIT}
 * (it tests the cluster itself, without an operator), {@code ServiceProxyIT} (no cluster at all).
 */
final class SharedCluster implements AutoCloseable {

    /** Apparent size of the btrfs image (sparse): room for the largest class's production and clones at once. */
    static final long BTRFS_BYTES = 4L << 30;
    static final Duration NAMESPACE_GONE_TIMEOUT = Duration.ofMinutes(2);

    private final LocalCluster cluster;
    private final OperatorProcess operator;

    private SharedCluster(LocalCluster cluster, OperatorProcess operator) {
        this.cluster = cluster;
        this.operator = operator;
    }

    private static SharedCluster start() {
        long started = System.nanoTime();
        LocalCluster cluster = EndToEnd.cluster(BTRFS_BYTES);
        try {
            SharedCluster shared = new SharedCluster(cluster, EndToEnd.operator(cluster));
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
     * Creates these namespaces for one test; closing the result deletes them and waits until the
     * API server has removed them (the namespace controller deleted all they held, the kubelet
     * stopped their pods, the provisioner released their volumes), so the next test starts clean.
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
            new TestNamespaces(client, created).close();
            throw e;
        }
        return new TestNamespaces(client, created);
    }

    /** A test's namespaces; {@link #close()} deletes them and waits until they are gone. */
    record TestNamespaces(KubernetesClient client, List<String> names) implements AutoCloseable {
        @Override
        public void close() {
            long started = System.nanoTime();
            for (String name : names) {
                client.namespaces().withName(name).delete();
            }
            for (String name : names) {
                client.namespaces().withName(name).waitUntilCondition(ns -> ns == null,
                        NAMESPACE_GONE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            System.out.printf("namespaces %s deleted in %.1f s%n", names, (System.nanoTime() - started) / 1e9);
        }
    }

    @Override
    public void close() throws Exception {
        Path workDir = cluster.workDir();
        try {
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
