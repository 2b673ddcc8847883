package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CRDs the local cluster starts with: the operator's (from the committed crds/ directory, so the
 * cluster runs what a user installs) and the three CSI snapshot types the operator uses. The
 * snapshot ones are deliberately minimal (open schemas): the local snapshotter is the only reader
 * besides the operator, and the real CRDs come with the CSI external-snapshotter on a cluster.
 */
public final class ClusterCrds {

    public static final String SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

    private ClusterCrds() {}

    public static void installOperatorCrds(KubernetesClient client, Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
            if (yamls.isEmpty()) {
                throw new IllegalStateException("no CRD files in " + dir.toAbsolutePath() + ": run make crds");
            }
            for (Path f : yamls) {
                try (InputStream in = Files.newInputStream(f)) {
                    client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the operator's CRDs from " + dir.toAbsolutePath(), e);
        }
    }

    /**
     * As the Quickstart says: {@code kubectl apply -f DIR}, so what a real API server refuses in a
     * CRD (a CEL rule it cannot compile or whose cost is over budget) fails here as it would for a
     * user.
     */
    static void applyWithKubectl(Path kubeconfig, Path dir) {
        Path kubectl = kubectl();
        if (!Files.isExecutable(kubectl)) {
            throw new IllegalStateException("kubectl not found at " + kubectl + ": the local cluster applies the CRDs with kubectl apply -f "
                    + dir + " as users do; install kubectl or set -Dpgclone.kubectl");
        }
        Exec.Result r = Exec.run(java.time.Duration.ofMinutes(2), List.of(kubectl.toString(), "apply", "-f", dir.toAbsolutePath().toString()),
                java.util.Map.of("KUBECONFIG", kubeconfig.toString()));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("kubectl apply -f " + dir + " failed (exit " + r.exitCode() + "): " + r.stderr() + r.stdout());
        }
    }

    /** kubectl: -Dpgclone.kubectl, else the first on PATH, else /usr/bin/kubectl (reported missing by the caller). */
    public static Path kubectl() {
        String configured = System.getProperty("pgclone.kubectl");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        Path onPath = Exec.which("kubectl");
        return onPath != null ? onPath : Path.of("/usr/bin/kubectl");
    }

    /** Waits until the API server serves every CRD of the directory (condition Established). */
    static void awaitEstablished(KubernetesClient client, Path dir) {
        for (Path f : yamlFiles(dir)) {
            try (InputStream in = Files.newInputStream(f)) {
                String name = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class).getMetadata().getName();
                client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(crd -> crd != null
                        && crd.getStatus() != null && crd.getStatus().getConditions().stream()
                                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
                        60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
            if (yamls.isEmpty()) {
                throw new IllegalStateException("no CRD files in " + dir.toAbsolutePath() + ": run make crds");
            }
            return yamls;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the operator's CRDs from " + dir.toAbsolutePath(), e);
        }
    }

    public static void installSnapshotCrds(KubernetesClient client) {
        for (CustomResourceDefinition crd : snapshotCrds()) {
            client.resource(crd).create();
        }
    }

    static List<CustomResourceDefinition> snapshotCrds() {
        return List.of(
                crd("volumesnapshots", "volumesnapshot", "VolumeSnapshot", "Namespaced", List.of("vs"), List.of(
                        column("ReadyToUse", "boolean", ".status.readyToUse"),
                        column("SourcePVC", "string", ".spec.source.persistentVolumeClaimName"),
                        column("SourceSnapshotContent", "string", ".spec.source.volumeSnapshotContentName"),
                        column("RestoreSize", "string", ".status.restoreSize"),
                        column("SnapshotClass", "string", ".spec.volumeSnapshotClassName"),
                        column("SnapshotContent", "string", ".status.boundVolumeSnapshotContentName"),
                        column("CreationTime", "date", ".status.creationTime"),
                        column("Age", "date", ".metadata.creationTimestamp"))),
                crd("volumesnapshotcontents", "volumesnapshotcontent", "VolumeSnapshotContent", "Cluster", List.of("vsc", "vscs"), List.of(
                        column("ReadyToUse", "boolean", ".status.readyToUse"),
                        column("RestoreSize", "integer", ".status.restoreSize"),
                        column("DeletionPolicy", "string", ".spec.deletionPolicy"),
                        column("Driver", "string", ".spec.driver"),
                        column("VolumeSnapshot", "string", ".spec.volumeSnapshotRef.name"),
                        column("VolumeSnapshotNamespace", "string", ".spec.volumeSnapshotRef.namespace"),
                        column("Age", "date", ".metadata.creationTimestamp"))),
                crd("volumesnapshotclasses", "volumesnapshotclass", "VolumeSnapshotClass", "Cluster", List.of("vsclass", "vsclasses"), List.of(
                        column("Driver", "string", ".driver"),
                        column("DeletionPolicy", "string", ".deletionPolicy"),
                        column("Age", "date", ".metadata.creationTimestamp"))));
    }

    private static CustomResourceDefinition crd(String plural, String singular, String kind, String scope, List<String> shortNames,
                                                List<CustomResourceColumnDefinition> columns) {
        boolean hasStatus = !"VolumeSnapshotClass".equals(kind);
        var open = new JSONSchemaPropsBuilder().withType("object").withXKubernetesPreserveUnknownFields(true).build();
        var version = new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder()
                .withName("v1").withServed(true).withStorage(true)
                .withNewSchema().withOpenAPIV3Schema(open).endSchema()
                .withAdditionalPrinterColumns(columns);
        if (hasStatus) {
            version.withNewSubresources().withNewStatus().endStatus().endSubresources();
        }
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + SNAPSHOT_GROUP).endMetadata()
                .withNewSpec()
                    .withGroup(SNAPSHOT_GROUP)
                    .withScope(scope)
                    .withNewNames().withPlural(plural).withSingular(singular).withKind(kind).withListKind(kind + "List")
                        .withShortNames(shortNames).endNames()
                    .withVersions(version.build())
                .endSpec()
                .build();
    }

    private static CustomResourceColumnDefinition column(String name, String type, String path) {
        return new CustomResourceColumnDefinitionBuilder().withName(name).withType(type).withJsonPath(path).build();
    }
}
