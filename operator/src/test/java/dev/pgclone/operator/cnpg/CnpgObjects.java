package dev.pgclone.operator.cnpg;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CloudNativePG's objects as its operator shapes them (names, labels, annotations, the fields the
 * resolver reads and a few around them), written to an API server: a Cluster with its instance
 * Pods and PVCs, a volume-snapshot Backup with its VolumeSnapshots, image catalogs. For tests on
 * the fabric8 mock, and for end-to-end tests that need a CloudNativePG cluster without its operator.
 */
public final class CnpgObjects {

    private final KubernetesClient client;
    private final String namespace;

    public CnpgObjects(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * Minimal CustomResourceDefinitions of CloudNativePG's kinds (names and scope, no schema), so
     * that an API server that serves what is defined (the fabric8 mock in CRUD mode) lists them in
     * its discovery. Not CloudNativePG's CRDs: only what makes the kinds known.
     */
    public static void defineKinds(KubernetesClient client) {
        define(client, CloudNativePG.CLUSTER, "clusters", true);
        define(client, CloudNativePG.BACKUP, "backups", true);
        define(client, CloudNativePG.IMAGE_CATALOG, "imagecatalogs", true);
        define(client, CloudNativePG.CLUSTER_IMAGE_CATALOG, "clusterimagecatalogs", false);
    }

    private static void define(KubernetesClient client, String kind, String plural, boolean namespaced) {
        client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + CloudNativePG.GROUP).endMetadata()
                .withNewSpec().withGroup(CloudNativePG.GROUP).withScope(namespaced ? "Namespaced" : "Cluster")
                .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).withListKind(kind + "List").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion()
                .endSpec().build()).createOr(existing -> existing.update());
    }

    public static ResourceDefinitionContext context(String kind) {
        String plural = kind.toLowerCase() + "s";
        return new ResourceDefinitionContext.Builder().withGroup(CloudNativePG.GROUP).withVersion("v1").withKind(kind)
                .withPlural(plural).withNamespaced(!kind.equals(CloudNativePG.CLUSTER_IMAGE_CATALOG)).build();
    }

    // ---------------------------------------------------------------------------------- Cluster

    /** A Cluster of {@code instances} named {@code <name>-1..n}, the first the primary, with status as a settled cluster has it. */
    public Cluster cluster(String name, int instances) {
        return new Cluster(name, instances);
    }

    public final class Cluster {
        private final String name;
        private final Map<String, Object> spec = new LinkedHashMap<>();
        private final Map<String, Object> status = new LinkedHashMap<>();
        private final List<String> instanceNames = new ArrayList<>();

        private Cluster(String name, int instances) {
            this.name = name;
            for (int i = 1; i <= instances; i++) {
                instanceNames.add(name + "-" + i);
            }
            spec.put("instances", instances);
            spec.put("imageName", "ghcr.io/cloudnative-pg/postgresql:16.4");
            spec.put("storage", Map.of("size", "1Gi"));
            status.put("instances", instances);
            status.put("readyInstances", instances);
            status.put("currentPrimary", instanceNames.get(0));
            status.put("targetPrimary", instanceNames.get(0));
            status.put("image", "ghcr.io/cloudnative-pg/postgresql:16.4");
            status.put("instanceNames", List.copyOf(instanceNames));
            status.put("instancesStatus", Map.of(CloudNativePG.INSTANCES_HEALTHY, List.copyOf(instanceNames)));
            status.put("phase", "Cluster in healthy state");
        }

        public String name() {
            return name;
        }

        public String instance(int n) {
            return instanceNames.get(n - 1);
        }

        public Cluster spec(String field, Object value) {
            put(spec, field, value);
            return this;
        }

        public Cluster status(String field, Object value) {
            put(status, field, value);
            return this;
        }

        public Cluster walStorage() {
            return spec("walStorage", Map.of("size", "1Gi"));
        }

        public Cluster superuserAccess(boolean enabled) {
            return spec("enableSuperuserAccess", enabled);
        }

        public Cluster healthy(String... instances) {
            return status("instancesStatus", Map.of(CloudNativePG.INSTANCES_HEALTHY, List.of(instances)));
        }

        public Cluster catalog(String kind, String catalog, int major) {
            spec.remove("imageName");
            status.remove("image");
            return spec("imageCatalogRef", Map.of("apiGroup", CloudNativePG.GROUP, "kind", kind, "name", catalog, "major", major));
        }

        private void put(Map<String, Object> map, String field, Object value) {
            if (value == null) {
                map.remove(field);
            } else {
                map.put(field, value);
            }
        }

        /** Writes the Cluster alone. */
        public GenericKubernetesResource create() {
            GenericKubernetesResource cluster = new GenericKubernetesResource();
            cluster.setApiVersion(CloudNativePG.API_VERSION);
            cluster.setKind(CloudNativePG.CLUSTER);
            cluster.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
            cluster.setAdditionalProperty("spec", spec);
            cluster.setAdditionalProperty("status", status);
            return client.genericKubernetesResources(context(CloudNativePG.CLUSTER)).inNamespace(namespace).resource(cluster).create();
        }

        /** Writes the Cluster and, for each instance, its Ready Pod and its PVCs (a WAL PVC with spec.walStorage). */
        public GenericKubernetesResource createWithInstances() {
            GenericKubernetesResource created = create();
            boolean wal = spec.containsKey("walStorage");
            for (String instance : instanceNames) {
                boolean primary = instance.equals(status.get("currentPrimary"));
                pod(name, instance, primary ? CloudNativePG.ROLE_PRIMARY : CloudNativePG.ROLE_REPLICA, true, wal);
                pvc(name, instance, CloudNativePG.PVC_ROLE_DATA, instance);
                if (wal) {
                    pvc(name, instance, CloudNativePG.PVC_ROLE_WAL, instance + CloudNativePG.WAL_PVC_SUFFIX);
                }
            }
            return created;
        }
    }

    /** An instance Pod as CloudNativePG makes it: named after the instance, mounting {@code <instance>} and with a WAL volume {@code <instance>-wal}. */
    public Pod pod(String cluster, String instance, String role, boolean ready, boolean wal) {
        PodBuilder pod = new PodBuilder()
                .withNewMetadata().withName(instance).withNamespace(namespace)
                .addToLabels(CloudNativePG.CLUSTER_LABEL, cluster)
                .addToLabels(CloudNativePG.INSTANCE_NAME_LABEL, instance)
                .addToLabels("cnpg.io/podRole", "instance")
                .addToLabels(CloudNativePG.INSTANCE_ROLE_LABEL, role)
                .addToLabels(CloudNativePG.LEGACY_ROLE_LABEL, role)
                .endMetadata()
                .withNewSpec()
                .addNewContainer().withName("postgres").withImage("ghcr.io/cloudnative-pg/postgresql:16.4").endContainer()
                .addNewVolume().withName("pgdata").withNewPersistentVolumeClaim().withClaimName(instance).endPersistentVolumeClaim().endVolume()
                .endSpec();
        if (wal) {
            pod.editSpec().addNewVolume().withName("pg-wal").withNewPersistentVolumeClaim()
                    .withClaimName(instance + CloudNativePG.WAL_PVC_SUFFIX).endPersistentVolumeClaim().endVolume().endSpec();
        }
        Pod created = client.pods().inNamespace(namespace).resource(pod.build()).create();
        created.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                .withPodIP("10.1.0." + (Math.abs(instance.hashCode()) % 250 + 1))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().build());
        return client.pods().inNamespace(namespace).resource(created).updateStatus();
    }

    /** An instance PVC: {@code role} PG_DATA, PG_WAL or PG_TABLESPACE, labelled for {@code instance}, named {@code name}. */
    public PersistentVolumeClaim pvc(String cluster, String instance, String role, String name) {
        return client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels(CloudNativePG.CLUSTER_LABEL, cluster)
                .addToLabels(CloudNativePG.INSTANCE_NAME_LABEL, instance)
                .addToLabels(CloudNativePG.PVC_ROLE_LABEL, role)
                .addToAnnotations("cnpg.io/pvcStatus", "ready")
                .endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
                .endSpec().build()).create();
    }

    /** The superuser Secret {@code <cluster>-superuser} as CloudNativePG generates it: controlled by the Cluster. */
    public io.fabric8.kubernetes.api.model.Secret superuserSecret(String cluster, String host) {
        GenericKubernetesResource owner = client.genericKubernetesResources(context(CloudNativePG.CLUSTER)).inNamespace(namespace)
                .withName(cluster).get();
        return client.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                .withName(cluster + CloudNativePG.SUPERUSER_SECRET_SUFFIX).withNamespace(namespace)
                .addNewOwnerReference().withApiVersion(CloudNativePG.API_VERSION).withKind(CloudNativePG.CLUSTER).withName(cluster)
                .withUid(owner.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                .withStringData(Map.of("username", "postgres", "password", "s3cret", "host", host, "port", "5432")).build()).create();
    }

    public Pod pod(String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    // ---------------------------------------------------------------------------------- catalogs

    /** An ImageCatalog (namespaced) or ClusterImageCatalog with these major → image entries. */
    public GenericKubernetesResource catalog(String kind, String name, Map<Integer, String> images) {
        GenericKubernetesResource catalog = new GenericKubernetesResource();
        catalog.setApiVersion(CloudNativePG.API_VERSION);
        catalog.setKind(kind);
        boolean namespaced = kind.equals(CloudNativePG.IMAGE_CATALOG);
        catalog.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespaced ? namespace : null).build());
        List<Map<String, Object>> entries = new ArrayList<>();
        images.forEach((major, image) -> entries.add(Map.of("major", major, "image", image)));
        catalog.setAdditionalProperty("spec", Map.of("images", entries));
        var ops = client.genericKubernetesResources(context(kind));
        return namespaced ? ops.inNamespace(namespace).resource(catalog).create() : ops.resource(catalog).create();
    }

    // ---------------------------------------------------------------------------------- Backup

    /** The text of a backup_label as pg_backup_stop returns it. */
    public static final String BACKUP_LABEL = """
            START WAL LOCATION: 0/5000028 (file 000000010000000000000005)
            CHECKPOINT LOCATION: 0/5000060
            BACKUP METHOD: streamed
            BACKUP FROM: primary
            START TIME: 2026-12-01 10:00:00 UTC
            LABEL: backup-orders
            START TIMELINE: 1
            """;

    /**
     * A completed online volume-snapshot Backup of {@code instance}, with its data snapshot (named
     * after the Backup) and, with {@code wal}, its WAL snapshot ({@code <backup>-wal}), ready to use
     * and annotated with {@link #BACKUP_LABEL} as CloudNativePG annotates them on completion.
     */
    public Backup backup(String name, String cluster, String instance, boolean wal) {
        return new Backup(name, cluster, instance, wal);
    }

    public final class Backup {
        private final String name;
        private final String cluster;
        private final String instance;
        private final boolean wal;
        private final Map<String, Object> spec = new LinkedHashMap<>();
        private final Map<String, Object> status = new LinkedHashMap<>();
        private String label = BACKUP_LABEL;

        private Backup(String name, String cluster, String instance, boolean wal) {
            this.name = name;
            this.cluster = cluster;
            this.instance = instance;
            this.wal = wal;
            spec.put("cluster", Map.of("name", cluster));
            spec.put("method", CloudNativePG.BACKUP_METHOD_VOLUME_SNAPSHOT);
            status.put("phase", CloudNativePG.BACKUP_PHASE_COMPLETED);
            status.put("method", CloudNativePG.BACKUP_METHOD_VOLUME_SNAPSHOT);
            status.put("online", true);
            status.put("majorVersion", 16);
            status.put("instanceID", Map.of("podName", instance, "ContainerID", "containerd://0123"));
            List<Map<String, Object>> elements = new ArrayList<>();
            elements.add(Map.of("name", name, "type", CloudNativePG.PVC_ROLE_DATA));
            if (wal) {
                elements.add(Map.of("name", name + CloudNativePG.WAL_PVC_SUFFIX, "type", CloudNativePG.PVC_ROLE_WAL));
            }
            status.put("snapshotBackupStatus", Map.of("elements", elements));
            status.put("backupLabelFile", base64(BACKUP_LABEL));
        }

        public Backup spec(String field, Object value) {
            if (value == null) {
                spec.remove(field);
            } else {
                spec.put(field, value);
            }
            return this;
        }

        public Backup status(String field, Object value) {
            if (value == null) {
                status.remove(field);
            } else {
                status.put(field, value);
            }
            return this;
        }

        /** An offline (cold) backup: no backup_label anywhere. */
        public Backup offline() {
            label = null;
            status.remove("backupLabelFile");
            return status("online", false);
        }

        /** Writes the Backup and its VolumeSnapshots. */
        public GenericKubernetesResource create() {
            GenericKubernetesResource backup = new GenericKubernetesResource();
            backup.setApiVersion(CloudNativePG.API_VERSION);
            backup.setKind(CloudNativePG.BACKUP);
            backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
            backup.setAdditionalProperty("spec", spec);
            backup.setAdditionalProperty("status", status);
            GenericKubernetesResource created = client.genericKubernetesResources(context(CloudNativePG.BACKUP)).inNamespace(namespace)
                    .resource(backup).create();
            snapshot(name, instance, CloudNativePG.PVC_ROLE_DATA);
            if (wal) {
                snapshot(name + CloudNativePG.WAL_PVC_SUFFIX, instance + CloudNativePG.WAL_PVC_SUFFIX, CloudNativePG.PVC_ROLE_WAL);
            }
            return created;
        }

        private void snapshot(String snapshotName, String pvc, String role) {
            VolumeSnapshotBuilder snapshot = new VolumeSnapshotBuilder()
                    .withNewMetadata().withName(snapshotName).withNamespace(namespace)
                    .addToLabels(CloudNativePG.CLUSTER_LABEL, cluster)
                    .addToLabels(CloudNativePG.BACKUP_NAME_LABEL, name)
                    .addToLabels(CloudNativePG.MAJOR_VERSION_LABEL, String.valueOf(status.getOrDefault("majorVersion", 16)))
                    .addToAnnotations(CloudNativePG.INSTANCE_NAME_LABEL, instance)
                    .addToAnnotations(CloudNativePG.PVC_ROLE_LABEL, role)
                    .addToAnnotations("cnpg.io/backupStartTime", "2026-12-01T10:00:00Z")
                    .addToAnnotations("cnpg.io/backupEndTime", "2026-12-01T10:01:00Z")
                    .endMetadata()
                    .withNewSpec().withNewSource().withPersistentVolumeClaimName(pvc).endSource().endSpec();
            if (label != null) {
                snapshot.editMetadata().addToAnnotations(CloudNativePG.BACKUP_LABEL_FILE_ANNOTATION, base64(label)).endMetadata();
            }
            VolumeSnapshot created = client.resources(VolumeSnapshot.class).inNamespace(namespace).resource(snapshot.build()).create();
            created.setStatus(new io.fabric8.volumesnapshot.api.model.VolumeSnapshotStatusBuilder().withReadyToUse(true)
                    .withBoundVolumeSnapshotContentName("snapcontent-" + snapshotName).withCreationTime("2026-12-01T10:00:30Z").build());
            client.resources(VolumeSnapshot.class).inNamespace(namespace).resource(created).updateStatus();
        }
    }

    public static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
