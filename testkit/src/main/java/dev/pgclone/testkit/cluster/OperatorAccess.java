package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's identity on the real control plane, as the Helm chart gives it: the chart is
 * rendered (helm template in a child JVM, default values, release {@value #RELEASE} in {@value #NAMESPACE}), its
 * ServiceAccount and RBAC objects are applied, and the operator gets a kubeconfig with a token of
 * that ServiceAccount (TokenRequest). A permission the chart lacks therefore fails the operator
 * here as it would in a cluster. The chart Deployment's plain environment variables come along, so
 * the jar runs configured as the Deployment configures it.
 */
public final class OperatorAccess {

    public static final String RELEASE = "pgclone";
    public static final String NAMESPACE = "pgclone-system";
    private static final Logger LOG = LoggerFactory.getLogger(OperatorAccess.class);
    private static final Set<Class<?>> IDENTITY_KINDS = Set.of(ServiceAccount.class, ClusterRole.class, ClusterRoleBinding.class,
            Role.class, RoleBinding.class);
    /** Set by OperatorProcess itself (key file, heap) rather than taken from the Deployment. */
    private static final Set<String> NOT_FROM_DEPLOYMENT = Set.of("PGCLONE_OPERATOR_KEY", "JAVA_TOOL_OPTIONS");
    /** Long enough for any test or sandbox session; the token dies with the cluster anyway. */
    private static final long TOKEN_SECONDS = 7 * 24 * 3600L;

    private final Path kubeconfig;
    private final Map<String, String> env;
    private final String serviceAccount;

    private OperatorAccess(Path kubeconfig, Map<String, String> env, String serviceAccount) {
        this.kubeconfig = kubeconfig;
        this.env = env;
        this.serviceAccount = serviceAccount;
    }

    /** The chart: the system property pgclone.chart.dir, else helm/pgclone-operator in the working directory or a parent. */
    public static Path chartDir() {
        String configured = System.getProperty("pgclone.chart.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path relative = Path.of("helm", "pgclone-operator");
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(relative).resolve("Chart.yaml"))) {
                return dir.resolve(relative);
            }
        }
        throw new IllegalStateException("the Helm chart helm/pgclone-operator was not found above " + Path.of("").toAbsolutePath()
                + "; set -Dpgclone.chart.dir");
    }

    /** Renders the chart, applies its identity objects with the admin client and writes the operator's kubeconfig. */
    static OperatorAccess install(KubernetesClient admin, ControlPlane controlPlane, Path kubeconfig) {
        String yaml = render(chartDir());
        List<HasMetadata> objects = objects(admin.getKubernetesSerialization(), yaml);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .createOr(existing -> existing.update());
        String sa = null;
        Map<String, String> env = new LinkedHashMap<>();
        for (HasMetadata o : objects) {
            if (IDENTITY_KINDS.contains(o.getClass())) {
                if (o.getMetadata().getNamespace() == null && !(o instanceof ClusterRole) && !(o instanceof ClusterRoleBinding)) {
                    o.getMetadata().setNamespace(NAMESPACE);
                }
                admin.resource(o).patch(PatchContext.of(PatchType.SERVER_SIDE_APPLY), o);
                if (o instanceof ServiceAccount) {
                    sa = o.getMetadata().getName();
                }
            } else if (o instanceof Deployment d) {
                for (EnvVar e : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
                    if (NOT_FROM_DEPLOYMENT.contains(e.getName())) {
                        continue;
                    }
                    if (e.getValue() != null) {
                        env.put(e.getName(), e.getValue());
                    } else if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                            && "metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
                        env.put(e.getName(), NAMESPACE);
                    }
                }
            }
        }
        if (sa == null) {
            throw new IllegalStateException("the chart rendered no ServiceAccount");
        }
        String token = admin.serviceAccounts().inNamespace(NAMESPACE).withName(sa)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(TOKEN_SECONDS).endSpec().build())
                .getStatus().getToken();
        writeKubeconfig(kubeconfig, controlPlane, sa, token);
        LOG.info("operator identity from the chart: ServiceAccount {}/{}, RBAC applied, kubeconfig {}", NAMESPACE, sa, kubeconfig);
        return new OperatorAccess(kubeconfig, Map.copyOf(env), sa);
    }

    /** helm template, in a child JVM ({@link ChartRenderer} says why). */
    static String render(Path chart) {
        String jvm = ProcessHandle.current().info().command().orElse("java");
        Exec.Result r = Exec.run(java.time.Duration.ofMinutes(2), List.of(jvm, "-cp", System.getProperty("java.class.path"),
                ChartRenderer.class.getName(), chart.toAbsolutePath().toString(), RELEASE, NAMESPACE), null);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("rendering the chart " + chart + " failed (exit " + r.exitCode() + "): " + r.stderr());
        }
        return r.stdout();
    }

    /**
     * The objects of a multi-document YAML stream (a rendered chart, generated manifests); kinds
     * without a model class come back as GenericKubernetesResource.
     */
    public static List<HasMetadata> objects(KubernetesSerialization serialization, String yaml) {
        Object parsed = serialization.unmarshal(yaml);
        List<HasMetadata> out = new ArrayList<>();
        if (parsed instanceof List<?> list) {
            list.stream().filter(HasMetadata.class::isInstance).map(HasMetadata.class::cast).forEach(out::add);
        } else if (parsed instanceof KubernetesResourceList<?> list) {
            out.addAll(list.getItems());
        } else if (parsed instanceof HasMetadata one) {
            out.add(one);
        }
        return out;
    }

    private static void writeKubeconfig(Path file, ControlPlane controlPlane, String sa, String token) {
        try {
            String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(controlPlane.caFile()));
            String yaml = """
                    # the operator's ServiceAccount %3$s/%4$s on the local control plane (written by the local cluster)
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: pgclone-local
                      cluster:
                        server: %1$s
                        certificate-authority-data: %2$s
                    contexts:
                    - name: pgclone-operator
                      context:
                        cluster: pgclone-local
                        user: pgclone-operator
                        namespace: %3$s
                    current-context: pgclone-operator
                    users:
                    - name: pgclone-operator
                      user:
                        token: %5$s
                    """.formatted(controlPlane.url(), ca, NAMESPACE, sa, token);
            // created owner-only before the token is written: the work directory is readable by pods' uids
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the operator's kubeconfig " + file, e);
        }
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /** The chart Deployment's environment (literal values and the Pod's namespace), without the key and JVM options. */
    public Map<String, String> env() {
        return env;
    }

    /** system:serviceaccount:NAMESPACE:NAME, the user RBAC sees. */
    public String user() {
        return "system:serviceaccount:" + NAMESPACE + ":" + serviceAccount;
    }
}
