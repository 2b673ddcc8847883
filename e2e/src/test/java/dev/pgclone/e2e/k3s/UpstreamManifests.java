package dev.pgclone.e2e.k3s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a cluster needs before the operator can clone on it, installed the way their projects
 * publish them: the VolumeSnapshot CRDs and the snapshot controller (kubernetes-csi/external-snapshotter)
 * and the CSI hostpath driver with its sidecars' RBAC (kubernetes-csi/csi-driver-host-path, as its
 * deploy script applies them). Fetched by URL at test time, pinned to releases; never copied into
 * this repository.
 */
final class UpstreamManifests {

    static final String SNAPSHOTTER = "v8.2.0";
    static final String HOSTPATH = "v1.17.0";
    /** The sidecar versions csi-hostpath-plugin.yaml of {@link #HOSTPATH} runs; their RBAC must match them. */
    static final String PROVISIONER = "v5.2.0";
    static final String ATTACHER = "v4.8.0";
    static final String RESIZER = "v1.13.1";
    static final String HEALTH_MONITOR = "v0.14.0";

    static final String STORAGE_CLASS = "csi-hostpath-sc";
    static final String SNAPSHOT_CLASS = "csi-hostpath-snapclass";

    private static final String RAW = "https://raw.githubusercontent.com/kubernetes-csi/";

    static final List<String> SNAPSHOT_SUPPORT = List.of(
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/client/config/crd/snapshot.storage.k8s.io_volumesnapshotclasses.yaml",
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/client/config/crd/snapshot.storage.k8s.io_volumesnapshotcontents.yaml",
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/client/config/crd/snapshot.storage.k8s.io_volumesnapshots.yaml",
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/deploy/kubernetes/snapshot-controller/rbac-snapshot-controller.yaml",
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/deploy/kubernetes/snapshot-controller/setup-snapshot-controller.yaml");

    static final List<String> HOSTPATH_DRIVER = List.of(
            RAW + "external-provisioner/" + PROVISIONER + "/deploy/kubernetes/rbac.yaml",
            RAW + "external-attacher/" + ATTACHER + "/deploy/kubernetes/rbac.yaml",
            RAW + "external-snapshotter/" + SNAPSHOTTER + "/deploy/kubernetes/csi-snapshotter/rbac-csi-snapshotter.yaml",
            RAW + "external-resizer/" + RESIZER + "/deploy/kubernetes/rbac.yaml",
            RAW + "external-health-monitor/" + HEALTH_MONITOR + "/deploy/kubernetes/external-health-monitor-controller/rbac.yaml",
            RAW + "csi-driver-host-path/" + HOSTPATH + "/deploy/kubernetes-1.30/hostpath/csi-hostpath-driverinfo.yaml",
            RAW + "csi-driver-host-path/" + HOSTPATH + "/deploy/kubernetes-1.30/hostpath/csi-hostpath-plugin.yaml",
            RAW + "csi-driver-host-path/" + HOSTPATH + "/deploy/kubernetes-1.30/hostpath/csi-hostpath-snapshotclass.yaml",
            RAW + "csi-driver-host-path/" + HOSTPATH + "/examples/csi-storageclass.yaml");

    private UpstreamManifests() {}

    static void install(KubernetesClient client) {
        // CRDs first: the controller and the snapshot class need them established
        apply(client, SNAPSHOT_SUPPORT.subList(0, 3));
        for (String crd : List.of("volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots")) {
            client.apiextensions().v1().customResourceDefinitions().withName(crd + ".snapshot.storage.k8s.io")
                    .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                            && c.getStatus().getConditions().stream().anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                            60, TimeUnit.SECONDS);
        }
        apply(client, SNAPSHOT_SUPPORT.subList(3, SNAPSHOT_SUPPORT.size()));
        apply(client, HOSTPATH_DRIVER);
        client.apps().deployments().inNamespace("kube-system").withName("snapshot-controller")
                .waitUntilCondition(d -> d != null && d.getStatus() != null && d.getStatus().getReadyReplicas() != null
                        && d.getStatus().getReadyReplicas() > 0, 5, TimeUnit.MINUTES);
        client.apps().statefulSets().inNamespace("default").withName("csi-hostpathplugin")
                .waitUntilCondition(s -> s != null && s.getStatus() != null && s.getStatus().getReadyReplicas() != null
                        && s.getStatus().getReadyReplicas() > 0, 5, TimeUnit.MINUTES);
    }

    private static void apply(KubernetesClient client, List<String> urls) {
        for (String url : urls) {
            List<HasMetadata> objects = client.load(new ByteArrayInputStream(fetch(url).getBytes(StandardCharsets.UTF_8))).items();
            for (HasMetadata o : objects) {
                if (o.getMetadata().getNamespace() == null && namespaced(o)) {
                    o.getMetadata().setNamespace("default");
                }
                client.resource(o).createOr(existing -> existing.update());
            }
        }
    }

    /** The upstream files leave the namespace of namespaced objects to kubectl's default. */
    private static boolean namespaced(HasMetadata o) {
        return !List.of("CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass", "VolumeSnapshotClass", "CSIDriver",
                "Namespace", "PersistentVolume").contains(o.getKind());
    }

    static String fetch(String url) {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot fetch " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
