package dev.pgclone.testkit.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Just enough OpenAPI v3 for kubectl apply/create to choose server-side field validation: kubectl
 * looks for a PATCH operation of the object's kind that accepts the {@code fieldValidation} query
 * parameter, and without it falls back to client-side validation with the OpenAPI v2 protobuf
 * document, which this server cannot produce. The documents carry no schemas; the local API
 * server does not validate objects against them (a real cluster does).
 */
final class OpenApi {

    private final Discovery discovery;

    OpenApi(Discovery discovery) {
        this.discovery = discovery;
    }

    /** /openapi/v3: one entry per group/version. */
    Map<String, Object> root() {
        Map<String, Object> paths = new LinkedHashMap<>();
        for (ApiResourceInfo r : discovery.resources()) {
            String key = r.group().isEmpty() ? "api/" + r.version() : "apis/" + r.group() + "/" + r.version();
            paths.putIfAbsent(key, Map.of("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + hash(key)));
        }
        return Map.of("paths", paths);
    }

    /** /openapi/v3/api/v1 or /openapi/v3/apis/group/version. */
    Optional<Map<String, Object>> groupVersion(String group, String version) {
        Map<String, Object> paths = new LinkedHashMap<>();
        for (ApiResourceInfo r : discovery.resources()) {
            if (!r.group().equals(group) || !r.version().equals(version)) {
                continue;
            }
            String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
            String path = prefix + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
            Map<String, Object> patch = new LinkedHashMap<>();
            patch.put("x-kubernetes-group-version-kind", Map.of("group", group, "version", version, "kind", r.kind()));
            patch.put("parameters", List.of(Map.of("name", "fieldValidation", "in", "query", "schema", Map.of("type", "string"))));
            patch.put("responses", Map.of("200", Map.of("description", "OK")));
            paths.put(path, Map.of("patch", patch));
        }
        if (paths.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Map.of("openapi", "3.0.0", "info", Map.of("title", "pgclone local cluster", "version", "v1.32.0"),
                "paths", paths));
    }

    /** Changes whenever the set of types changes, so kubectl's cache of these documents stays right. */
    private String hash(String key) {
        int h = key.hashCode();
        for (ApiResourceInfo r : discovery.resources()) {
            h = 31 * h + r.hashCode();
        }
        return Integer.toHexString(h);
    }
}
