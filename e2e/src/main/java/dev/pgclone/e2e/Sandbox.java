package dev.pgclone.e2e;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code make sandbox}: a local cluster with a sample production database under write load, the
 * real operator jar running against it, and a sample DatabaseClone; prints what to try and runs
 * until Ctrl-C, then removes everything it made (processes, mount, loop device, files).
 * <p>
 * Options (system properties): {@code -Dsandbox.storage=copy} forces plain copies instead of
 * btrfs, {@code -Dsandbox.scale=N} sets the pgbench scale (default 10, about 150 MB).
 */
public final class Sandbox {

    private Sandbox() {}

    public static void main(String[] args) throws Exception {
        LocalCluster.StorageChoice storage = "copy".equalsIgnoreCase(System.getProperty("sandbox.storage"))
                ? LocalCluster.StorageChoice.COPY : LocalCluster.StorageChoice.AUTO;
        int scale = Integer.getInteger("sandbox.scale", 10);
        Path crds = Path.of(System.getProperty("pgclone.crd.dir", "crds"));
        Path jar = OperatorProcess.defaultJar();
        if (!Files.isRegularFile(jar)) {
            System.err.println("The operator jar " + jar.toAbsolutePath() + " does not exist: run ./mvnw -B package -DskipTests first.");
            System.exit(2);
        }
        Sandbox.Parts parts = new Sandbox.Parts();
        // Ctrl-C runs the shutdown hooks and then halts the JVM, so the hook itself stops
        // everything, in order: the operator and the load first, then the cluster
        Thread hook = new Thread(() -> {
            System.out.println("\nStopping the sandbox: operator, write load, pods, storage ...");
            parts.close();
            System.out.println("Sandbox stopped; nothing left behind.");
        }, "sandbox-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            parts.cluster = LocalCluster.start(new LocalCluster.Options().storage(storage).operatorCrds(crds));
            System.out.println("Creating the sample production database (pgbench scale " + scale + ") ...");
            parts.prod = SampleProduction.create(parts.cluster, new SampleProduction.Options().scale(scale));
            parts.prod.psql("CREATE ROLE app LOGIN PASSWORD 'production-app-password'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
            parts.prod.startLoad(Duration.ofHours(12));
            System.out.println("Starting the operator " + jar + " ...");
            parts.operator = parts.cluster.startOperator(jar, parts.cluster.workDir().resolve("operator.log"), Duration.ofSeconds(120), Map.of());
            Path manifest = parts.cluster.workDir().resolve("orders-staging.yaml");
            Files.writeString(manifest, sampleClone(parts.prod), StandardCharsets.UTF_8);
            parts.cluster.client().load(Files.newInputStream(manifest)).createOrReplace();
            System.out.println("Applied DatabaseClone orders-staging; waiting for it to become Ready ...");
            GenericKubernetesResource clone = parts.cluster.client().genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone")
                    .inNamespace("default").withName("orders-staging")
                    .waitUntilCondition(Sandbox::ready, 180, TimeUnit.SECONDS);
            printWelcome(parts.cluster, parts.prod, parts.operator, manifest, clone);
            new CountDownLatch(1).await();
        } catch (RuntimeException e) {
            System.err.println("The sandbox failed: " + e.getMessage());
            if (parts.operator != null) {
                System.err.println("Operator log tail:\n" + parts.operator.logTail());
            }
            parts.close();
            Runtime.getRuntime().removeShutdownHook(hook);
            System.exit(1);
        }
    }

    /** What the sandbox started; closed once, from the shutdown hook or after a failed start. */
    private static final class Parts {
        LocalCluster cluster;
        SampleProduction prod;
        OperatorProcess operator;
        private boolean closed;

        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (operator != null) {
                operator.close();
            }
            if (prod != null) {
                prod.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    static String sampleClone(SampleProduction prod) {
        return """
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata:
                  name: orders-staging
                  namespace: default
                spec:
                  %s
                  credentials:
                    roles: [app]
                  postClone:
                    sql: "UPDATE pgbench_branches SET filler = 'masked in the clone';"
                  ttl: 24h
                """.formatted(prod.cloneSpecYaml(2));
    }

    @SuppressWarnings("unchecked")
    static boolean ready(GenericKubernetesResource c) {
        if (c == null || !(c.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
                || !(status.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().anyMatch(o -> o instanceof Map<?, ?> m && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
    }

    private static String describe(LocalCluster cluster) {
        if (cluster.controlPlane() == null) {
            return "the fabric8 mock API server (CLUSTER=mock: CRUD only, no validation, RBAC or controllers)";
        }
        return "Kubernetes " + cluster.controlPlane().version() + " control plane at " + cluster.controlPlane().url()
                + "; the operator runs as " + cluster.operatorAccess().map(a -> a.user()).orElse("?") + " with the Helm chart's RBAC";
    }

    private static void printWelcome(LocalCluster cluster, SampleProduction prod, OperatorProcess operator, Path manifest,
                                     GenericKubernetesResource clone) throws IOException {
        String cloneIp = cluster.client().pods().inNamespace("default").withName("orders-staging").get().getStatus().getPodIP();
        // the local kube-proxy gives the clone's Service a cluster IP that routes to the clone's Pod
        String serviceIp = cluster.client().services().inNamespace("default").withName("orders-staging").get().getSpec().getClusterIP();
        String psqlBin = "/usr/lib/postgresql/" + prod.major() + "/bin/psql";
        Path second = cluster.workDir().resolve("second-clone.yaml");
        Files.writeString(second, sampleClone(prod).replace("name: orders-staging", "name: pr-1234"), StandardCharsets.UTF_8);
        String kc = "export KUBECONFIG=" + cluster.kubeconfig();
        String banner = """

                ==================================================================================
                 pgclone sandbox is running
                ==================================================================================
                 cluster:    %s
                 storage:    %s
                 operator:   pid %d, log %s
                 production: pod %s at %s:5432 under a pgbench write load (password %s)
                 clone:      orders-staging is Ready at %s:5432
                 pod logs:   %s
                %s
                 Try, in another terminal:

                   %s
                   kubectl get dbc
                   kubectl get pods,pvc,volumesnapshots
                   kubectl describe databaseclone orders-staging
                   kubectl auth can-i --list --as=%s

                   # the clone's superuser password and a session in the clone
                   PGPASSWORD=$(kubectl get secret orders-staging-superuser -o jsonpath='{.data.password}' | base64 -d) \\
                     %s -h %s -U postgres -c 'SELECT count(*) FROM pgbench_history'
                   # the same through the clone's Service (kubectl get svc orders-staging: CLUSTER-IP; no DNS here)
                   PGPASSWORD=$(kubectl get secret orders-staging-superuser -o jsonpath='{.data.password}' | base64 -d) \\
                     %s -h %s -U postgres -c 'SELECT inet_server_addr(), count(*) FROM pgbench_history'
                   # the same query in production keeps growing; the clone's count stays as it was
                   PGPASSWORD=%s %s -h %s -U postgres -c 'SELECT count(*) FROM pgbench_history'

                   # another clone, e.g. one per pull request
                   kubectl apply -f %s
                   kubectl wait --for=condition=Ready databaseclone/pr-1234 --timeout=120s
                   kubectl delete databaseclone pr-1234

                 Press Ctrl-C to stop; everything the sandbox made is removed.
                ==================================================================================
                """.formatted(describe(cluster), cluster.storage().describe(), operator.pid(), operator.log(), prod.podName(), prod.host(), prod.password(),
                cloneIp, cluster.workDir().resolve("logs"),
                cluster.storage().copyOnWrite() ? "" : "\n WARNING: no btrfs here, the sandbox COPIES volumes (slow, and not crash-consistent under load)\n",
                kc, cluster.operatorAccess().map(a -> a.user()).orElse("system:anonymous"), psqlBin, cloneIp, psqlBin, serviceIp, prod.password(), psqlBin, prod.host(), second);
        System.out.println(banner);
        System.out.flush();
    }
}
