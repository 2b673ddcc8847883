package dev.pgclone.testkit.cluster;

import java.util.List;

/**
 * One resource type as discovery describes it. kubectl maps names, short names and kinds to URL
 * paths only through discovery, so every type a user may name on the command line needs one.
 */
record ApiResourceInfo(String group, String version, String plural, String singular, String kind, boolean namespaced,
                       List<String> shortNames, List<String> categories, boolean statusSubresource) {

    static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The built-in types the operator, the local controllers and a user's kubectl touch. */
    static List<ApiResourceInfo> builtIns() {
        return List.of(
                core("pods", "pod", "Pod", true, List.of("po"), List.of("all"), true),
                core("services", "service", "Service", true, List.of("svc"), List.of("all"), true),
                core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, List.of("pvc"), List.of(), true),
                core("persistentvolumes", "persistentvolume", "PersistentVolume", false, List.of("pv"), List.of(), true),
                core("secrets", "secret", "Secret", true, List.of(), List.of(), false),
                core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of(), false),
                core("events", "event", "Event", true, List.of("ev"), List.of(), false),
                core("namespaces", "namespace", "Namespace", false, List.of("ns"), List.of(), true),
                core("endpoints", "endpoints", "Endpoints", true, List.of("ep"), List.of(), false),
                core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of(), false),
                of("apps", "v1", "deployments", "deployment", "Deployment", true, List.of("deploy"), List.of("all"), true),
                of("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, List.of("sts"), List.of("all"), true),
                of("events.k8s.io", "v1", "events", "event", "Event", true, List.of("ev"), List.of(), false),
                of("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, List.of(), List.of(), false),
                of("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, List.of("sc"), List.of(), false),
                of("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition",
                        false, List.of("crd", "crds"), List.of(), true));
    }

    private static ApiResourceInfo core(String plural, String singular, String kind, boolean namespaced, List<String> shortNames,
                                        List<String> categories, boolean status) {
        return of("", "v1", plural, singular, kind, namespaced, shortNames, categories, status);
    }

    private static ApiResourceInfo of(String group, String version, String plural, String singular, String kind, boolean namespaced,
                                      List<String> shortNames, List<String> categories, boolean status) {
        return new ApiResourceInfo(group, version, plural, singular, kind, namespaced, shortNames, categories, status);
    }
}
