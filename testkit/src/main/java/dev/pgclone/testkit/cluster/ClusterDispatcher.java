package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Sits in front of the fabric8 CRUD dispatcher and answers what kubectl asks a real API server and
 * the mock does not know: the version, discovery of groups and resources, and server-side printing
 * (tables with printer columns) for {@code kubectl get}. Everything else goes to the CRUD store.
 */
final class ClusterDispatcher extends Dispatcher {

    private static final String JSON = "application/json";

    private final KubernetesCrudDispatcher crud;
    private final KubernetesSerialization json = new KubernetesSerialization();
    private final Discovery discovery;
    private final Tables tables;
    private final OpenApi openApi;
    private final Supplier<String> serverAddress;
    private final RequestCounts counts = new RequestCounts();

    ClusterDispatcher(KubernetesCrudDispatcher crud, Supplier<String> serverAddress) {
        this.crud = crud;
        this.serverAddress = serverAddress;
        this.discovery = new Discovery(this::storedCrds);
        this.tables = new Tables(discovery, json);
        this.openApi = new OpenApi(discovery);
    }

    Discovery discovery() {
        return discovery;
    }

    RequestCounts counts() {
        return counts;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        long started = System.nanoTime();
        try {
            return answer(request);
        } finally {
            counts.record(request.getHeader("User-Agent"), request.getMethod(), System.nanoTime() - started);
        }
    }

    private MockResponse answer(RecordedRequest request) {
        String full = request.getPath();
        int q = full.indexOf('?');
        String path = stripSlash(q < 0 ? full : full.substring(0, q));
        if ("GET".equals(request.getMethod())) {
            MockResponse discovered = discovery(path);
            if (discovered != null) {
                return discovered;
            }
        }
        MockResponse response = "GET".equals(request.getMethod()) && !full.contains("watch=") ? fieldFiltered(path, full) : null;
        if (response == null) {
            response = crud.dispatch(request);
        }
        if ("GET".equals(request.getMethod()) && !full.contains("watch=") && response.code() == 200) {
            if (tables.wanted(request.getHeader("Accept"))) {
                return tables.convert(path, response).orElse(response);
            }
            return typedList(path, response);
        }
        return response;
    }

    private MockResponse discovery(String path) {
        String[] p = path.split("/");
        // p[0] is "" because the path starts with '/'
        if ("/version".equals(path)) {
            return ok(Map.of("major", "1", "minor", "32", "gitVersion", "v1.32.0+pgclone-sandbox", "platform", "linux/amd64",
                    "goVersion", "n/a", "compiler", "gc", "buildDate", "2025-01-01T00:00:00Z", "gitCommit", "sandbox",
                    "gitTreeState", "clean"));
        }
        if ("/openapi/v3".equals(path)) {
            return ok(openApi.root());
        }
        if (path.startsWith("/openapi/v3/api/") && p.length == 5) {
            return openApi.groupVersion("", p[4]).<MockResponse>map(this::ok).orElse(notFound());
        }
        if (path.startsWith("/openapi/v3/apis/") && p.length == 6) {
            return openApi.groupVersion(p[4], p[5]).<MockResponse>map(this::ok).orElse(notFound());
        }
        if (path.startsWith("/openapi/")) {
            return notFound();
        }
        if ("/api".equals(path)) {
            return ok(discovery.coreVersions(serverAddress.get()));
        }
        if ("/api/v1".equals(path)) {
            return discovery.resourceList("", "v1").map(this::ok).orElse(null);
        }
        if ("/apis".equals(path)) {
            return ok(discovery.groups());
        }
        if (p.length == 3 && "apis".equals(p[1])) {
            return discovery.group(p[2]).map(this::ok).orElse(notFound());
        }
        if (p.length == 4 && "apis".equals(p[1])) {
            return discovery.resourceList(p[2], p[3]).map(this::ok).orElse(notFound());
        }
        return null;
    }

    /**
     * Lists with field selectors the mock does not index, such as the involvedObject.* fields
     * {@code kubectl describe} selects a resource's Events by: the whole list is read from the
     * store and filtered here. Returns null when the mock can answer by itself.
     */
    private MockResponse fieldFiltered(String path, String full) {
        String selector = queryParam(full, "fieldSelector");
        if (selector == null || selector.isBlank()) {
            return null;
        }
        List<String[]> terms = new java.util.ArrayList<>();
        for (String term : selector.split(",")) {
            boolean negated = term.contains("!=");
            String[] kv = term.split(negated ? "!=" : "==?", 2);
            if (kv.length != 2) {
                return null;
            }
            terms.add(new String[] {kv[0].trim(), kv[1].trim(), negated ? "!" : "="});
        }
        if (terms.stream().allMatch(t -> t[0].startsWith("metadata."))) {
            return null;
        }
        MockResponse all = crud.handleGet(path);
        if (all.code() != 200 || all.getBody() == null) {
            return all;
        }
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            var list = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(new String(all.getBody().getBytes(),
                    java.nio.charset.StandardCharsets.UTF_8));
            var kept = mapper.createArrayNode();
            for (var item : list.path("items")) {
                boolean match = true;
                for (String[] t : terms) {
                    boolean equal = Tables.text(item, "." + t[0]).equals(t[1]);
                    match &= "=".equals(t[2]) == equal;
                }
                if (match) {
                    kept.add(item);
                }
            }
            list.set("items", kept);
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", JSON).setBody(mapper.writeValueAsString(list));
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The mock calls every list "List"; typed clients such as kubectl describe's Event lookup only
     * accept "EventList" and the like (and otherwise show nothing), so lists get their real kind.
     */
    private MockResponse typedList(String path, MockResponse response) {
        var resource = Tables.resourceOf(path);
        if (resource.isEmpty() || response.getBody() == null) {
            return response;
        }
        var type = discovery.find(resource.get()[0], resource.get()[1], resource.get()[2]);
        if (type.isEmpty()) {
            return response;
        }
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            var body = mapper.readTree(new String(response.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8));
            if (!(body instanceof com.fasterxml.jackson.databind.node.ObjectNode list) || !"List".equals(list.path("kind").asText())
                    || !list.has("items")) {
                return response;
            }
            list.put("kind", type.get().kind() + "List");
            list.put("apiVersion", type.get().groupVersion());
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", JSON).setBody(mapper.writeValueAsString(list));
        } catch (java.io.IOException | RuntimeException e) {
            return response;
        }
    }

    private static String queryParam(String full, String name) {
        int q = full.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : full.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The CRDs in the store, read through the CRUD dispatcher itself so there is one source of truth. */
    private List<CustomResourceDefinition> storedCrds() {
        MockResponse r = crud.handleGet("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
        if (r.code() != 200 || r.getBody() == null) {
            return List.of();
        }
        String body = new String(r.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
        CustomResourceDefinitionList list = json.unmarshal(body, CustomResourceDefinitionList.class);
        return list.getItems() == null ? List.of() : list.getItems();
    }

    private MockResponse ok(Object body) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", JSON).setBody(json.asJson(body));
    }

    static MockResponse notFound() {
        return new MockResponse().setResponseCode(404).setHeader("Content-Type", JSON)
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,"
                        + "\"message\":\"the server could not find the requested resource\"}");
    }

    private static String stripSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
