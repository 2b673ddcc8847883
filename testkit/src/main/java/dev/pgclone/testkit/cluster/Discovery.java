package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersions;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The discovery documents kubectl and fabric8's generic client read before anything else: which
 * groups and versions exist and which resources each serves. The fabric8 mock answers them with an
 * empty list, so they are built here from the built-in types plus every CRD stored in the server,
 * read afresh on each request (a CRD applied a moment ago is usable at once, as on a real cluster).
 */
final class Discovery {

    private final Supplier<List<CustomResourceDefinition>> crds;

    Discovery(Supplier<List<CustomResourceDefinition>> crds) {
        this.crds = crds;
    }

    List<ApiResourceInfo> resources() {
        List<ApiResourceInfo> all = new ArrayList<>(ApiResourceInfo.builtIns());
        for (CustomResourceDefinition crd : crds.get()) {
            var spec = crd.getSpec();
            var names = spec.getNames();
            for (CustomResourceDefinitionVersion v : spec.getVersions()) {
                if (Boolean.FALSE.equals(v.getServed())) {
                    continue;
                }
                boolean status = v.getSubresources() != null && v.getSubresources().getStatus() != null;
                all.add(new ApiResourceInfo(spec.getGroup(), v.getName(), names.getPlural(), names.getSingular(), names.getKind(),
                        "Namespaced".equals(spec.getScope()), listOrEmpty(names.getShortNames()), listOrEmpty(names.getCategories()),
                        status));
            }
        }
        return all;
    }

    /** The CRD version that serves a kind, for its printer columns. */
    Optional<CustomResourceDefinitionVersion> crdVersion(String group, String version, String plural) {
        return crds.get().stream()
                .filter(c -> c.getSpec().getGroup().equals(group) && c.getSpec().getNames().getPlural().equals(plural))
                .flatMap(c -> c.getSpec().getVersions().stream())
                .filter(v -> v.getName().equals(version))
                .findFirst();
    }

    APIVersions coreVersions(String serverAddress) {
        return new APIVersionsBuilder().withVersions("v1")
                .addNewServerAddressByClientCIDR("0.0.0.0/0", serverAddress).build();
    }

    APIGroupList groups() {
        Map<String, List<String>> versions = groupVersions();
        List<APIGroup> groups = new ArrayList<>();
        versions.forEach((group, vs) -> {
            if (!group.isEmpty()) {
                groups.add(group(group, vs));
            }
        });
        return new APIGroupListBuilder().withGroups(groups).build();
    }

    Optional<APIGroup> group(String name) {
        List<String> vs = groupVersions().get(name);
        return vs == null || name.isEmpty() ? Optional.empty() : Optional.of(group(name, vs));
    }

    /** The resources of one group/version, with a status subresource entry where the type has one. */
    Optional<APIResourceList> resourceList(String group, String version) {
        List<APIResource> resources = new ArrayList<>();
        for (ApiResourceInfo r : resources()) {
            if (!r.group().equals(group) || !r.version().equals(version)) {
                continue;
            }
            resources.add(new APIResourceBuilder().withName(r.plural()).withSingularName(r.singular()).withKind(r.kind())
                    .withNamespaced(r.namespaced()).withVerbs(ApiResourceInfo.VERBS).withShortNames(r.shortNames())
                    .withCategories(r.categories()).build());
            if (r.statusSubresource()) {
                resources.add(new APIResourceBuilder().withName(r.plural() + "/status").withSingularName("").withKind(r.kind())
                        .withNamespaced(r.namespaced()).withVerbs("get", "patch", "update").build());
            }
        }
        if (resources.isEmpty()) {
            return Optional.empty();
        }
        String gv = group.isEmpty() ? version : group + "/" + version;
        return Optional.of(new APIResourceListBuilder().withGroupVersion(gv).withResources(resources).build());
    }

    Optional<ApiResourceInfo> find(String group, String version, String plural) {
        return resources().stream()
                .filter(r -> r.group().equals(group) && r.version().equals(version) && r.plural().equals(plural))
                .findFirst();
    }

    private Map<String, List<String>> groupVersions() {
        Map<String, List<String>> versions = new LinkedHashMap<>();
        for (ApiResourceInfo r : resources()) {
            List<String> vs = versions.computeIfAbsent(r.group(), g -> new ArrayList<>());
            if (!vs.contains(r.version())) {
                vs.add(r.version());
            }
        }
        return versions;
    }

    private static APIGroup group(String name, List<String> versions) {
        APIGroupBuilder b = new APIGroupBuilder().withName(name);
        for (String v : versions) {
            b.addToVersions(new GroupVersionForDiscoveryBuilder().withGroupVersion(name + "/" + v).withVersion(v).build());
        }
        // the first version listed is the preferred one, as the API server orders them
        b.withPreferredVersion(new GroupVersionForDiscoveryBuilder().withGroupVersion(name + "/" + versions.get(0))
                .withVersion(versions.get(0)).build());
        return b.build();
    }

    private static List<String> listOrEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }
}
