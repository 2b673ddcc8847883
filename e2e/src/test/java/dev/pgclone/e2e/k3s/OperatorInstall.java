package dev.pgclone.e2e.k3s;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.MountableFile;

/**
 * The operator on K3s as a user installs it: an image of the packaged jar, then the Helm chart
 * (helm/pgclone-operator) where it exists, else the manifests the build generates (the CRDs in
 * crds/ and operator/target/kubernetes/kubernetes.yml).
 */
final class OperatorInstall {

    static final String NAMESPACE = "pgclone-system";
    static final String IMAGE_REPOSITORY = "pgclone-operator";
    static final String IMAGE_TAG = "e2e";

    private OperatorInstall() {}

    static void install(K3sContainer k3s, KubernetesClient client, Path repo) throws Exception {
        loadImage(k3s, repo.resolve("operator/target/quarkus-app"));
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .createOr(existing -> existing.update());
        Path chart = repo.resolve("helm/pgclone-operator");
        List<HasMetadata> objects = Files.isDirectory(chart) ? fromChart(client, chart) : fromGeneratedManifests(client, repo);
        for (HasMetadata o : objects) {
            if (o.getMetadata().getNamespace() == null && !clusterScoped(o)) {
                o.getMetadata().setNamespace(NAMESPACE);
            }
            client.resource(o).createOr(existing -> existing.update());
        }
        Deployment deployment = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("the operator's manifests have no Deployment"));
        client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace()).withName(deployment.getMetadata().getName())
                .waitUntilCondition(d -> d != null && d.getStatus() != null && d.getStatus().getReadyReplicas() != null
                        && d.getStatus().getReadyReplicas() > 0, 5, TimeUnit.MINUTES);
    }

    /**
     * Builds an image of operator/target/quarkus-app in the Docker daemon and imports it into
     * K3s' containerd, which cannot see the daemon's images; pods use it with imagePullPolicy Never.
     */
    static void loadImage(K3sContainer k3s, Path quarkusApp) throws Exception {
        if (!Files.isRegularFile(quarkusApp.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(quarkusApp + "/quarkus-run.jar not found: run make build first");
        }
        String image = IMAGE_REPOSITORY + ":" + IMAGE_TAG;
        new ImageFromDockerfile(image, false)
                .withFileFromPath("quarkus-app", quarkusApp)
                .withDockerfileFromBuilder(b -> b.from("eclipse-temurin:17-jre")
                        .copy("quarkus-app", "/deployments")
                        .user("185")
                        .entryPoint("java", "-jar", "/deployments/quarkus-run.jar")
                        .build())
                .get();
        Path tar = Files.createTempFile("pgclone-operator-image", ".tar");
        try {
            try (InputStream in = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
                Files.copy(in, tar, StandardCopyOption.REPLACE_EXISTING);
            }
            k3s.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/pgclone-operator.tar");
            var imported = k3s.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/pgclone-operator.tar");
            if (imported.getExitCode() != 0) {
                throw new IllegalStateException("importing the operator image into K3s failed: " + imported.getStderr());
            }
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    private static List<HasMetadata> fromChart(KubernetesClient client, Path chart) throws IOException {
        String values = Files.readString(chart.resolve("values.yaml"));
        if (!values.contains("repository:") || !values.contains("pullPolicy:")) {
            throw new IllegalStateException(chart + "/values.yaml has no image.repository / image.pullPolicy: the K3s suite sets those to run "
                    + "the image it built");
        }
        String rendered = new Helm(chart).template().withName("pgclone").withNamespace(NAMESPACE)
                .set("image.repository", IMAGE_REPOSITORY).set("image.tag", IMAGE_TAG).set("image.pullPolicy", "Never").call();
        return load(client, rendered);
    }

    /**
     * The build's generated manifests: the CRDs, and Quarkus' kubernetes.yml with the image
     * replaced. Its RBAC covers only the custom resources (the operator's child types are
     * watched through informers the generator does not see), so the children's verbs are granted
     * here as the chart does; the ServiceMonitor is left out, K3s has no Prometheus operator.
     */
    private static List<HasMetadata> fromGeneratedManifests(KubernetesClient client, Path repo) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (Stream<Path> crds = Files.list(repo.resolve("crds"))) {
            for (Path crd : crds.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList()) {
                out.addAll(load(client, Files.readString(crd)));
            }
        }
        Path generated = repo.resolve("operator/target/kubernetes/kubernetes.yml");
        for (HasMetadata o : load(client, Files.readString(generated))) {
            if ("ServiceMonitor".equals(o.getKind())) {
                continue;
            }
            if (o instanceof Deployment d) {
                d.getMetadata().setNamespace(NAMESPACE);
                var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
                container.setImage(IMAGE_REPOSITORY + ":" + IMAGE_TAG);
                container.setImagePullPolicy("Never");
            }
            if (o instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding b) {
                b.getSubjects().forEach(s -> s.setNamespace(NAMESPACE));
            }
            if (o instanceof io.fabric8.kubernetes.api.model.rbac.RoleBinding b) {
                b.getSubjects().forEach(s -> s.setNamespace(NAMESPACE));
            }
            out.add(o);
        }
        out.add(new ClusterRoleBuilder().withNewMetadata().withName("pgclone-operator-children").endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups("").withResources("pods", "persistentvolumeclaims", "secrets", "configmaps", "services",
                                "events").withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build(),
                        new PolicyRuleBuilder().withApiGroups("snapshot.storage.k8s.io").withResources("volumesnapshots")
                                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build(),
                        new PolicyRuleBuilder().withApiGroups("events.k8s.io").withResources("events").withVerbs("create", "patch").build())
                .build());
        out.add(new ClusterRoleBindingBuilder().withNewMetadata().withName("pgclone-operator-children").endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("pgclone-operator-children").endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("pgclone-operator").withNamespace(NAMESPACE).endSubject()
                .build());
        return out;
    }

    private static List<HasMetadata> load(KubernetesClient client, String yaml) {
        return client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }

    private static boolean clusterScoped(HasMetadata o) {
        return List.of("CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Namespace").contains(o.getKind());
    }
}
