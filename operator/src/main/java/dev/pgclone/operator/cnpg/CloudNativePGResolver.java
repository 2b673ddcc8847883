package dev.pgclone.operator.cnpg;

import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns "this instance of CloudNativePG Cluster X" or "CloudNativePG Backup B" into what a snapshot
 * of it, or a restore from it, needs. Reads only: the API's discovery, and objects in the given
 * namespace (the source's), plus a ClusterImageCatalog when the Cluster names one. A name found in
 * a spec is never followed into another namespace; PVCs are found by CloudNativePG's labels and
 * must also bear the name CloudNativePG gives them and be mounted by the instance's Pod.
 *
 * <p>Bad or unexpected input (objects missing, fields absent or mistyped) makes a {@link
 * Resolution.Problem}, never an exception; API errors other than 404 propagate.
 */
public final class CloudNativePGResolver {

    private static final String VERSION = "v1";

    /** How long CloudNativePG's kinds, once served, are not asked for again: a clone of a Cluster's CloneSource resolves on each reconcile. */
    static final java.time.Duration DISCOVERY_KEPT = java.time.Duration.ofMinutes(1);

    private final KubernetesClient client;
    private volatile Map<String, ResourceDefinitionContext> served = Map.of();
    private volatile long servedUntil;

    public CloudNativePGResolver(KubernetesClient client) {
        this.client = Objects.requireNonNull(client);
    }

    // ------------------------------------------------------------------------------------- Cluster

    public Resolution<ResolvedInstance> resolveInstance(String namespace, String clusterName, InstanceChoice choice) {
        Map<String, ResourceDefinitionContext> api = api();
        if (!api.containsKey(CloudNativePG.CLUSTER)) {
            return notInstalled(CloudNativePG.CLUSTER);
        }
        GenericKubernetesResource found = client.genericKubernetesResources(api.get(CloudNativePG.CLUSTER))
                .inNamespace(namespace).withName(clusterName).get();
        if (found == null) {
            return Resolution.problem(CnpgReasons.CLUSTER_NOT_FOUND, "Cluster " + clusterName + " in namespace " + namespace
                    + " does not exist: name an existing CloudNativePG Cluster of namespace " + namespace + " as the source");
        }
        CnpgCluster cluster = CnpgCluster.of(found);
        Map<String, Pod> pods = instancePods(namespace, cluster);

        Resolution<Chosen> chosen = choose(cluster, pods, choice);
        if (!(chosen instanceof Resolution.Resolved<Chosen> c)) {
            return retype(chosen);
        }
        Pod pod = c.value().pod();
        String instance = pod.getMetadata().getName();

        Resolution<Volumes> volumes = volumes(namespace, cluster, pod);
        if (!(volumes instanceof Resolution.Resolved<Volumes> v)) {
            return retype(volumes);
        }
        Resolution<Image> image = currentImage(namespace, cluster, api);
        if (!(image instanceof Resolution.Resolved<Image> i)) {
            return retype(image);
        }

        List<String> notes = new ArrayList<>();
        if (c.value().note() != null) {
            notes.add(c.value().note());
        }
        if (!cluster.superuserAccess()) {
            notes.add("superuser access is disabled (spec.enableSuperuserAccess): the CHECKPOINT before the snapshot is skipped");
        }
        String walPvc = v.value().walPvc();
        return Resolution.of(new ResolvedInstance(cluster.name(), instance, instance.equals(cluster.currentPrimary()),
                v.value().dataPvc(), walPvc, CloudNativePG.DATA_DIRECTORY, walPvc == null ? null : CloudNativePG.WAL_DIRECTORY,
                cluster.postgresUid(), i.value().image(), i.value().major(),
                cluster.superuserAccess() ? cluster.superuserSecretName() : null,
                cluster.superuserAccess() && secretOfCluster(namespace, cluster),
                pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
                notes.isEmpty() ? null : String.join("; ", notes)));
    }

    /** The superuser Secret's controller is this Cluster (by uid), as for the Secret CloudNativePG generates. */
    private boolean secretOfCluster(String namespace, CnpgCluster cluster) {
        var secret = client.secrets().inNamespace(namespace).withName(cluster.superuserSecretName()).get();
        return secret != null && cluster.uid() != null && secret.getMetadata().getOwnerReferences() != null
                && secret.getMetadata().getOwnerReferences().stream().anyMatch(o -> Boolean.TRUE.equals(o.getController())
                        && cluster.uid().equals(o.getUid()) && CloudNativePG.CLUSTER.equals(o.getKind()));
    }

    private record Chosen(Pod pod, String note) {}

    private Resolution<Chosen> choose(CnpgCluster cluster, Map<String, Pod> pods, InstanceChoice choice) {
        return switch (choice.kind()) {
            case PRIMARY -> primary(cluster, pods, null);
            case PREFER_STANDBY -> {
                Optional<Pod> replica = pods.values().stream()
                        .filter(p -> isReplica(p) && ready(p) && healthy(cluster, p))
                        .filter(p -> !p.getMetadata().getName().equals(cluster.currentPrimary())
                                && !p.getMetadata().getName().equals(cluster.targetPrimary()))
                        .min(Comparator.comparing(p -> p.getMetadata().getName()));
                if (replica.isPresent()) {
                    yield Resolution.of(new Chosen(replica.get(), null));
                }
                Resolution<Chosen> primary = primary(cluster, pods, "no Ready replica: using the primary " + cluster.currentPrimary());
                if (primary.problem().filter(p -> p.reason().equals(CnpgReasons.INSTANCE_NOT_READY)).isPresent()) {
                    yield Resolution.problem(CnpgReasons.NO_READY_INSTANCE, "no instance of Cluster " + cluster.name()
                            + " is Ready (neither a replica nor the primary " + cluster.currentPrimary()
                            + "): waiting for CloudNativePG to bring one back");
                }
                yield primary;
            }
            case NAMED -> named(cluster, pods, choice.instance());
        };
    }

    private Resolution<Chosen> primary(CnpgCluster cluster, Map<String, Pod> pods, String note) {
        if (cluster.primaryChanging()) {
            return switchover(cluster);
        }
        String name = cluster.currentPrimary();
        if (name == null) {
            return Resolution.problem(CnpgReasons.NO_READY_INSTANCE, "Cluster " + cluster.name()
                    + " has no primary yet (status.currentPrimary is empty): waiting for CloudNativePG to create it");
        }
        Pod pod = pods.get(name);
        if (pod == null || !ready(pod)) {
            return Resolution.problem(CnpgReasons.INSTANCE_NOT_READY, "the primary " + name + " of Cluster " + cluster.name()
                    + (pod == null ? " has no Pod" : " is not Ready") + ": waiting for it, or choose preferStandby to use a Ready replica");
        }
        return Resolution.of(new Chosen(pod, note));
    }

    private Resolution<Chosen> named(CnpgCluster cluster, Map<String, Pod> pods, String name) {
        Pod pod = pods.get(name);
        if (pod == null) {
            return Resolution.problem(CnpgReasons.INSTANCE_NOT_FOUND, "Cluster " + cluster.name() + " has no instance " + name
                    + ": name one of its instances " + new java.util.TreeSet<>(pods.keySet())
                    + ", or choose primary or preferStandby");
        }
        if (cluster.primaryChanging() && (name.equals(cluster.currentPrimary()) || name.equals(cluster.targetPrimary()))) {
            return switchover(cluster);
        }
        if (!ready(pod)) {
            return Resolution.problem(CnpgReasons.INSTANCE_NOT_READY, "instance " + name + " of Cluster " + cluster.name()
                    + " is not Ready: waiting for it, or choose preferStandby to use any Ready instance");
        }
        return Resolution.of(new Chosen(pod, null));
    }

    private static <T> Resolution<T> switchover(CnpgCluster cluster) {
        return Resolution.problem(CnpgReasons.SWITCHOVER_IN_PROGRESS, "Cluster " + cluster.name() + " is changing its primary from "
                + (cluster.currentPrimary() == null ? "none" : cluster.currentPrimary()) + " to " + cluster.targetPrimary()
                + " (status.currentPrimary and status.targetPrimary differ): waiting for the switchover or failover to finish");
    }

    /**
     * The Cluster's instance Pods by name: labelled for it, named as their instance label says, listed
     * in its status, not being deleted. Labels alone are not enough: whoever may create Pods in the
     * namespace can write them, and the Pod chosen receives the superuser's credentials.
     */
    private Map<String, Pod> instancePods(String namespace, CnpgCluster listed) {
        String cluster = listed.name();
        Map<String, Pod> pods = new TreeMap<>();
        for (Pod pod : client.pods().inNamespace(namespace).withLabel(CloudNativePG.CLUSTER_LABEL, cluster).list().getItems()) {
            String name = pod.getMetadata().getName();
            if (name.equals(label(pod.getMetadata().getLabels(), CloudNativePG.INSTANCE_NAME_LABEL))
                    && pod.getMetadata().getDeletionTimestamp() == null && listed.lists(name)) {
                pods.put(name, pod);
            }
        }
        return pods;
    }

    private static boolean isReplica(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String role = label(labels, CloudNativePG.INSTANCE_ROLE_LABEL);
        return CloudNativePG.ROLE_REPLICA.equals(role != null ? role : label(labels, CloudNativePG.LEGACY_ROLE_LABEL));
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Listed healthy by CloudNativePG, when its status lists instances at all. */
    private static boolean healthy(CnpgCluster cluster, Pod pod) {
        return cluster.healthy() == null || cluster.healthy().contains(pod.getMetadata().getName());
    }

    private static String label(Map<String, String> labels, String key) {
        return labels == null ? null : labels.get(key);
    }

    // ------------------------------------------------------------------------------------- volumes

    private record Volumes(String dataPvc, String walPvc) {}

    private Resolution<Volumes> volumes(String namespace, CnpgCluster cluster, Pod pod) {
        String instance = pod.getMetadata().getName();
        List<PersistentVolumeClaim> pvcs = client.persistentVolumeClaims().inNamespace(namespace)
                .withLabel(CloudNativePG.CLUSTER_LABEL, cluster.name()).list().getItems();
        Set<String> mounted = pod.getSpec() == null || pod.getSpec().getVolumes() == null ? Set.of()
                : pod.getSpec().getVolumes().stream().map(Volume::getPersistentVolumeClaim).filter(Objects::nonNull)
                        .map(c -> c.getClaimName()).filter(Objects::nonNull).collect(Collectors.toSet());
        List<String> tablespaces = pvcs.stream()
                .filter(p -> instance.equals(label(p.getMetadata().getLabels(), CloudNativePG.INSTANCE_NAME_LABEL))
                        && CloudNativePG.PVC_ROLE_TABLESPACE.equals(label(p.getMetadata().getLabels(), CloudNativePG.PVC_ROLE_LABEL)))
                .map(p -> p.getMetadata().getName()).sorted().toList();
        if (!tablespaces.isEmpty()) {
            return Resolution.problem(CnpgReasons.TABLESPACES_UNSUPPORTED, "instance " + instance + " of Cluster " + cluster.name()
                    + " keeps tablespaces on PVCs " + tablespaces + ", which a clone of its data and WAL volumes would lack: "
                    + "clone a Cluster without spec.tablespaces");
        }
        Resolution<String> data = pvc(cluster, instance, pvcs, mounted, CloudNativePG.PVC_ROLE_DATA, instance);
        if (!(data instanceof Resolution.Resolved<String> d)) {
            return retype(data);
        }
        if (!cluster.walStorage()) {
            return Resolution.of(new Volumes(d.value(), null));
        }
        Resolution<String> wal = pvc(cluster, instance, pvcs, mounted, CloudNativePG.PVC_ROLE_WAL, instance + CloudNativePG.WAL_PVC_SUFFIX);
        if (!(wal instanceof Resolution.Resolved<String> w)) {
            return retype(wal);
        }
        return Resolution.of(new Volumes(d.value(), w.value()));
    }

    /**
     * The instance's PVC of a role: labelled for the Cluster, the instance and the role, bearing
     * the name CloudNativePG gives it, and mounted by the instance's Pod. A PVC whose labels and
     * name disagree is not used: its labels may have been edited, or it may be another instance's.
     */
    private static Resolution<String> pvc(CnpgCluster cluster, String instance, List<PersistentVolumeClaim> pvcs, Set<String> mounted,
            String role, String expectedName) {
        String what = (role.equals(CloudNativePG.PVC_ROLE_DATA) ? "data" : "WAL") + " PVC " + expectedName + " of instance " + instance
                + " of Cluster " + cluster.name();
        Optional<PersistentVolumeClaim> byName = pvcs.stream().filter(p -> p.getMetadata().getName().equals(expectedName)).findFirst();
        List<String> labelledElsewhere = pvcs.stream()
                .filter(p -> instance.equals(label(p.getMetadata().getLabels(), CloudNativePG.INSTANCE_NAME_LABEL))
                        && role.equals(label(p.getMetadata().getLabels(), CloudNativePG.PVC_ROLE_LABEL))
                        && !p.getMetadata().getName().equals(expectedName))
                .map(p -> p.getMetadata().getName()).sorted().toList();
        if (byName.isEmpty()) {
            return Resolution.problem(CnpgReasons.PVC_MISSING, "the " + what + " does not exist (labelled " + CloudNativePG.CLUSTER_LABEL
                    + "=" + cluster.name() + ")" + (labelledElsewhere.isEmpty() ? "" : "; PVCs " + labelledElsewhere
                    + " are labelled as its, under another name, and are not used")
                    + ": waiting for CloudNativePG to recreate it, or choose another instance");
        }
        Map<String, String> labels = byName.get().getMetadata().getLabels();
        String claimedInstance = label(labels, CloudNativePG.INSTANCE_NAME_LABEL);
        String claimedRole = label(labels, CloudNativePG.PVC_ROLE_LABEL);
        if (!instance.equals(claimedInstance) || !role.equals(claimedRole)) {
            return Resolution.problem(CnpgReasons.PVC_MISSING, "the " + what + " is labelled " + CloudNativePG.INSTANCE_NAME_LABEL + "="
                    + claimedInstance + " and " + CloudNativePG.PVC_ROLE_LABEL + "=" + claimedRole + ", not as instance " + instance
                    + "'s " + role + ": restore the labels CloudNativePG gave it, or choose another instance");
        }
        if (!mounted.contains(expectedName)) {
            return Resolution.problem(CnpgReasons.PVC_MISSING, "the " + what + " is not mounted by Pod " + instance
                    + ": waiting for CloudNativePG to reconcile the instance, or choose another instance");
        }
        return Resolution.of(expectedName);
    }

    // ------------------------------------------------------------------------------------- image

    private record Image(String image, int major) {}

    /**
     * The image the Cluster's data runs with, first found of: status.pgDataImageInfo (the image that
     * last ran on the data directory, with its major), status.image (what CloudNativePG resolved for
     * the Pods), spec.imageName, the image spec.imageCatalogRef names. The major is the tag's, else
     * spec.imageCatalogRef.major.
     */
    private Resolution<Image> currentImage(String namespace, CnpgCluster cluster, Map<String, ResourceDefinitionContext> api) {
        if (cluster.pgDataImage() != null && cluster.pgDataMajor().isPresent()) {
            return Resolution.of(new Image(cluster.pgDataImage(), cluster.pgDataMajor().getAsInt()));
        }
        String image = cluster.statusImage() != null ? cluster.statusImage() : cluster.imageName();
        if (image == null) {
            if (cluster.catalogRef() == null) {
                return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "Cluster " + cluster.name() + " names no image (neither "
                        + "spec.imageName, spec.imageCatalogRef nor status.image): waiting for CloudNativePG to report status.image");
            }
            if (cluster.catalogRef().major().isEmpty()) {
                return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "Cluster " + cluster.name()
                        + " has spec.imageCatalogRef without a major: set spec.imageCatalogRef.major");
            }
            return catalogImage(namespace, cluster, api, cluster.catalogRef().major().getAsInt());
        }
        OptionalInt major = ImageReferences.major(image);
        if (major.isEmpty() && cluster.catalogRef() != null) {
            major = cluster.catalogRef().major();
        }
        if (major.isEmpty()) {
            return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "the PostgreSQL major of Cluster " + cluster.name() + " cannot be told from "
                    + "its image " + image + ", whose tag does not start with it: set spec.imageName to an image tagged with its "
                    + "version (such as ghcr.io/cloudnative-pg/postgresql:16.4), or use spec.imageCatalogRef");
        }
        return Resolution.of(new Image(image, major.getAsInt()));
    }

    /** The image of a major in the catalog spec.imageCatalogRef names: an ImageCatalog of the Cluster's namespace, or a ClusterImageCatalog. */
    private Resolution<Image> catalogImage(String namespace, CnpgCluster cluster, Map<String, ResourceDefinitionContext> api, int major) {
        CnpgCluster.CatalogRef ref = cluster.catalogRef();
        String kind = ref.kind();
        if (!CloudNativePG.IMAGE_CATALOG.equals(kind) && !CloudNativePG.CLUSTER_IMAGE_CATALOG.equals(kind) || ref.name() == null) {
            return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "spec.imageCatalogRef of Cluster " + cluster.name() + " names " + kind + " "
                    + ref.name() + ": name an ImageCatalog or a ClusterImageCatalog");
        }
        String where = CloudNativePG.IMAGE_CATALOG.equals(kind) ? " in namespace " + namespace : "";
        if (!api.containsKey(kind)) {
            return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "Cluster " + cluster.name() + " takes its image from " + kind + " "
                    + ref.name() + ", and the API server serves no " + CloudNativePG.API_VERSION + " " + kind
                    + ": upgrade CloudNativePG, or set spec.imageName");
        }
        var resources = client.genericKubernetesResources(api.get(kind));
        GenericKubernetesResource catalog = CloudNativePG.IMAGE_CATALOG.equals(kind)
                ? resources.inNamespace(namespace).withName(ref.name()).get()
                : resources.withName(ref.name()).get();
        if (catalog == null) {
            return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, kind + " " + ref.name() + where + ", which spec.imageCatalogRef of Cluster "
                    + cluster.name() + " names, does not exist: create it, or point spec.imageCatalogRef at an existing one");
        }
        List<Integer> majors = new ArrayList<>();
        for (Map<?, ?> entry : Fields.maps(catalog.getAdditionalProperties().get("spec"), "images")) {
            OptionalInt m = CnpgCluster.intOf(entry, "major");
            Optional<String> image = Fields.string(entry, "image");
            if (m.isPresent() && m.getAsInt() == major && image.isPresent()) {
                return Resolution.of(new Image(image.get(), major));
            }
            m.ifPresent(majors::add);
        }
        return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, kind + " " + ref.name() + where + " has no image of PostgreSQL " + major
                + " (it has " + majors + "): add one to its spec.images");
    }

    // ------------------------------------------------------------------------------------- Backup

    public Resolution<ResolvedBackup> resolveBackup(String namespace, String backupName) {
        Map<String, ResourceDefinitionContext> api = api();
        if (!api.containsKey(CloudNativePG.BACKUP)) {
            return notInstalled(CloudNativePG.BACKUP);
        }
        GenericKubernetesResource found = client.genericKubernetesResources(api.get(CloudNativePG.BACKUP))
                .inNamespace(namespace).withName(backupName).get();
        if (found == null) {
            return Resolution.problem(CnpgReasons.BACKUP_NOT_FOUND, "Backup " + backupName + " in namespace " + namespace
                    + " does not exist: name an existing CloudNativePG Backup of namespace " + namespace + " as the source");
        }
        CnpgBackup backup = CnpgBackup.of(found);
        String method = backup.statusMethod() != null ? backup.statusMethod() : backup.specMethod();
        if (!CloudNativePG.BACKUP_METHOD_VOLUME_SNAPSHOT.equals(backup.specMethod())
                || !CloudNativePG.BACKUP_METHOD_VOLUME_SNAPSHOT.equals(method)) {
            return Resolution.problem(CnpgReasons.BACKUP_NOT_VOLUME_SNAPSHOT, "Backup " + backupName + " was taken with method " + method
                    + ", which leaves no VolumeSnapshot to clone: name a Backup with spec.method " + CloudNativePG.BACKUP_METHOD_VOLUME_SNAPSHOT
                    + ", or clone the Cluster");
        }
        if (CloudNativePG.BACKUP_PHASE_FAILED.equals(backup.phase())) {
            return Resolution.problem(CnpgReasons.BACKUP_FAILED, "Backup " + backupName + " failed"
                    + (backup.error() == null ? "" : " (" + backup.error() + ")") + ": name a completed Backup, or take a new one");
        }
        if (!CloudNativePG.BACKUP_PHASE_COMPLETED.equals(backup.phase())) {
            return Resolution.problem(CnpgReasons.BACKUP_NOT_READY, "Backup " + backupName + " is "
                    + (backup.phase() == null ? "not started" : backup.phase()) + ", not completed: waiting for it to complete");
        }
        if (!backup.ofType(CloudNativePG.PVC_ROLE_TABLESPACE).isEmpty()) {
            return Resolution.problem(CnpgReasons.TABLESPACES_UNSUPPORTED, "Backup " + backupName + " has tablespace snapshots "
                    + backup.ofType(CloudNativePG.PVC_ROLE_TABLESPACE).stream().map(CnpgBackup.Element::name).toList()
                    + ", which a clone of its data and WAL snapshots would lack: name a Backup of a Cluster without spec.tablespaces");
        }
        List<CnpgBackup.Element> data = backup.ofType(CloudNativePG.PVC_ROLE_DATA);
        List<CnpgBackup.Element> wal = backup.ofType(CloudNativePG.PVC_ROLE_WAL);
        if (data.size() != 1 || wal.size() > 1) {
            return Resolution.problem(CnpgReasons.BACKUP_SNAPSHOT_MISSING, "Backup " + backupName + " lists " + data.size() + " "
                    + CloudNativePG.PVC_ROLE_DATA + " and " + wal.size() + " " + CloudNativePG.PVC_ROLE_WAL
                    + " snapshots in status.snapshotBackupStatus.elements, not one and at most one: name another Backup");
        }
        Resolution<VolumeSnapshot> dataSnapshot = snapshot(namespace, backupName, data.get(0).name());
        if (!(dataSnapshot instanceof Resolution.Resolved<VolumeSnapshot> ds)) {
            return retype(dataSnapshot);
        }
        String walSnapshot = null;
        if (!wal.isEmpty()) {
            Resolution<VolumeSnapshot> w = snapshot(namespace, backupName, wal.get(0).name());
            if (w.problem().isPresent()) {
                return retype(w);
            }
            walSnapshot = wal.get(0).name();
        }

        String label = decoded(annotation(ds.value(), CloudNativePG.BACKUP_LABEL_FILE_ANNOTATION));
        if (label == null) {
            label = decoded(backup.backupLabelFile());
        }
        boolean online = Boolean.TRUE.equals(backup.online()) || label != null;
        if (online && label == null) {
            return Resolution.problem(CnpgReasons.BACKUP_LABEL_MISSING, "Backup " + backupName + " is an online backup, and neither its "
                    + "VolumeSnapshot " + data.get(0).name() + " (annotation " + CloudNativePG.BACKUP_LABEL_FILE_ANNOTATION
                    + ") nor its status.backupLabelFile holds a readable backup_label, without which its data cannot start: "
                    + "name another Backup");
        }

        if (backup.cluster() == null || !api.containsKey(CloudNativePG.CLUSTER)) {
            return backup.cluster() == null
                    ? Resolution.problem(CnpgReasons.CLUSTER_NOT_FOUND, "Backup " + backupName + " names no spec.cluster: name another Backup")
                    : notInstalled(CloudNativePG.CLUSTER);
        }
        GenericKubernetesResource clusterFound = client.genericKubernetesResources(api.get(CloudNativePG.CLUSTER))
                .inNamespace(namespace).withName(backup.cluster()).get();
        if (clusterFound == null) {
            return Resolution.problem(CnpgReasons.CLUSTER_NOT_FOUND, "Cluster " + backup.cluster() + " of Backup " + backupName
                    + " no longer exists in namespace " + namespace + ", and the image and uid to run the backup with are read from it: "
                    + "name a Backup of an existing Cluster");
        }
        CnpgCluster cluster = CnpgCluster.of(clusterFound);
        OptionalInt major = backup.major();
        if (major.isEmpty()) {
            String fromLabel = label(ds.value().getMetadata().getLabels(), CloudNativePG.MAJOR_VERSION_LABEL);
            major = fromLabel != null && fromLabel.matches("\\d{2,3}") ? OptionalInt.of(Integer.parseInt(fromLabel)) : OptionalInt.empty();
        }
        Resolution<Image> image = currentImage(namespace, cluster, api);
        if (major.isPresent()) {
            int wanted = major.getAsInt();
            Optional<Image> current = image.resolved();
            if (current.map(c -> c.major() != wanted).orElse(true)) {
                if (cluster.catalogRef() != null) {
                    image = catalogImage(namespace, cluster, api, wanted);
                } else if (current.isPresent()) {
                    return Resolution.problem(CnpgReasons.IMAGE_UNKNOWN, "Backup " + backupName + " was taken with PostgreSQL " + wanted
                            + " and Cluster " + cluster.name() + " now runs " + current.get().major() + " (" + current.get().image()
                            + "): name a Backup taken since, or give the Cluster a spec.imageCatalogRef whose catalog has both majors");
                }
            }
        }
        if (!(image instanceof Resolution.Resolved<Image> i)) {
            return retype(image);
        }
        return Resolution.of(new ResolvedBackup(backupName, cluster.name(), backup.instance(), data.get(0).name(), walSnapshot, online,
                label, i.value().image(), i.value().major(), cluster.postgresUid(), CloudNativePG.DATA_DIRECTORY,
                walSnapshot == null ? null : CloudNativePG.WAL_DIRECTORY));
    }

    /** A VolumeSnapshot a Backup lists: it must exist, carry that Backup's label, and be ready to use. */
    private Resolution<VolumeSnapshot> snapshot(String namespace, String backup, String name) {
        VolumeSnapshot snapshot = client.resources(VolumeSnapshot.class).inNamespace(namespace).withName(name).get();
        if (snapshot == null || !backup.equals(label(snapshot.getMetadata().getLabels(), CloudNativePG.BACKUP_NAME_LABEL))) {
            return Resolution.problem(CnpgReasons.BACKUP_SNAPSHOT_MISSING, "VolumeSnapshot " + name + ", which Backup " + backup + " lists, "
                    + (snapshot == null ? "does not exist" : "is not labelled " + CloudNativePG.BACKUP_NAME_LABEL + "=" + backup)
                    + " in namespace " + namespace + ": name another Backup");
        }
        if (snapshot.getStatus() == null || !Boolean.TRUE.equals(snapshot.getStatus().getReadyToUse())) {
            return Resolution.problem(CnpgReasons.BACKUP_NOT_READY, "VolumeSnapshot " + name + " of Backup " + backup
                    + " is not ready to use: waiting for it");
        }
        return Resolution.of(snapshot);
    }

    private static String annotation(VolumeSnapshot snapshot, String key) {
        return snapshot.getMetadata().getAnnotations() == null ? null : snapshot.getMetadata().getAnnotations().get(key);
    }

    /** Text CloudNativePG stores base64 (standard alphabet); null when absent, empty or not base64. */
    private static String decoded(String base64) {
        if (base64 == null || base64.isBlank()) {
            return null;
        }
        try {
            String text = new String(Base64.getDecoder().decode(base64.strip()), StandardCharsets.UTF_8);
            return text.isEmpty() ? null : text;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------- API

    /**
     * The postgresql.cnpg.io/v1 kinds the API server serves, from its discovery: without
     * CloudNativePG's CRDs a real API server answers 404 (fabric8: null), the mock an empty list.
     */
    /** The kinds found by the last discovery that found any, for {@link #DISCOVERY_KEPT}; an absent CloudNativePG is asked again each time. */
    private Map<String, ResourceDefinitionContext> api() {
        if (!served.isEmpty() && System.nanoTime() - servedUntil < 0) {
            return served;
        }
        Map<String, ResourceDefinitionContext> kinds = discover();
        served = kinds;
        servedUntil = System.nanoTime() + DISCOVERY_KEPT.toNanos();
        return kinds;
    }

    private Map<String, ResourceDefinitionContext> discover() {
        APIResourceList list;
        try {
            list = client.getApiResources(CloudNativePG.API_VERSION);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Map.of();
            }
            throw e;
        }
        Map<String, ResourceDefinitionContext> kinds = new HashMap<>();
        if (list != null && list.getResources() != null) {
            for (APIResource r : list.getResources()) {
                if (r.getName() != null && !r.getName().contains("/") && r.getKind() != null) {
                    kinds.put(r.getKind(), new ResourceDefinitionContext.Builder().withGroup(CloudNativePG.GROUP).withVersion(VERSION)
                            .withKind(r.getKind()).withPlural(r.getName()).withNamespaced(Boolean.TRUE.equals(r.getNamespaced())).build());
                }
            }
        }
        return kinds;
    }

    private static <T> Resolution<T> notInstalled(String kind) {
        return Resolution.problem(CnpgReasons.API_MISSING, "the API server serves no " + CloudNativePG.API_VERSION + " " + kind
                + ": CloudNativePG is not installed in this Kubernetes cluster; install it, or choose another kind of source");
    }

    private static <T> Resolution<T> retype(Resolution<?> problem) {
        Resolution.Problem<?> p = (Resolution.Problem<?>) problem;
        return Resolution.problem(p.reason(), p.message());
    }
}
