package dev.pgclone.operator.cnpg;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The fields of a CloudNativePG Cluster the resolver reads (docs/cloudnativepg.md, "Cluster").
 *
 * @param healthy status.instancesStatus.healthy; null when the status has no instancesStatus
 * @param pgDataImage status.pgDataImageInfo.image: the image that last ran on the data directory
 * @param pgDataMajor status.pgDataImageInfo.majorVersion
 * @param instanceNames status.instanceNames; null when the status has none
 * @param uid the Cluster's metadata.uid
 */
record CnpgCluster(String name, String imageName, CatalogRef catalogRef, boolean superuserAccess, String superuserSecretName,
        boolean walStorage, long postgresUid, String currentPrimary, String targetPrimary, String statusImage, String pgDataImage,
        OptionalInt pgDataMajor, List<String> healthy, List<String> instanceNames, String uid) {

    /** spec.imageCatalogRef: {@code kind} is ImageCatalog (in the Cluster's namespace) or ClusterImageCatalog. */
    record CatalogRef(String kind, String name, OptionalInt major) {}

    static CnpgCluster of(GenericKubernetesResource resource) {
        Map<String, Object> fields = resource.getAdditionalProperties();
        Object spec = fields.get("spec");
        Object status = fields.get("status");
        CatalogRef catalog = Fields.present(spec, "imageCatalogRef")
                ? new CatalogRef(Fields.string(spec, "imageCatalogRef", "kind").orElse(null),
                        Fields.string(spec, "imageCatalogRef", "name").orElse(null), intOf(spec, "imageCatalogRef", "major"))
                : null;
        List<String> healthy = Fields.present(status, "instancesStatus")
                ? Fields.strings(status, "instancesStatus", CloudNativePG.INSTANCES_HEALTHY)
                : null;
        String name = resource.getMetadata().getName();
        return new CnpgCluster(name,
                Fields.string(spec, "imageName").orElse(null),
                catalog,
                Fields.bool(spec, "enableSuperuserAccess").orElse(false),
                Fields.string(spec, "superuserSecret", "name").orElse(name + CloudNativePG.SUPERUSER_SECRET_SUFFIX),
                Fields.present(spec, "walStorage"),
                Fields.number(spec, "postgresUID").orElse(CloudNativePG.DEFAULT_POSTGRES_UID),
                Fields.string(status, "currentPrimary").orElse(null),
                Fields.string(status, "targetPrimary").orElse(null),
                Fields.string(status, "image").orElse(null),
                Fields.string(status, "pgDataImageInfo", "image").orElse(null),
                intOf(status, "pgDataImageInfo", "majorVersion"),
                healthy,
                Fields.present(status, "instanceNames") ? Fields.strings(status, "instanceNames") : null,
                resource.getMetadata().getUid());
    }

    static OptionalInt intOf(Object root, String... path) {
        var n = Fields.number(root, path);
        return n.isPresent() && n.getAsLong() > 0 && n.getAsLong() < Integer.MAX_VALUE ? OptionalInt.of((int) n.getAsLong()) : OptionalInt.empty();
    }

    /**
     * Whether CloudNativePG's status lists this instance (status.instanceNames, else any list of
     * status.instancesStatus): labels and owner references on a Pod can be written by anyone who
     * may create Pods, the Cluster's status only by CloudNativePG.
     */
    boolean lists(String instance) {
        if (instanceNames != null) {
            return instanceNames.contains(instance);
        }
        return healthy != null && healthy.contains(instance);
    }

    /** A switchover or failover is under way: the primary is changing. */
    boolean primaryChanging() {
        return targetPrimary != null && !targetPrimary.equals(currentPrimary);
    }
}
