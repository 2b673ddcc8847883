package dev.pgclone.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Server-side printing: kubectl asks for {@code as=Table} and prints whatever columns the server
 * sends. Without this, {@code kubectl get dbc} would show only NAME and AGE; with it a user sees
 * the printer columns the CRD declares (Phase, Source, Data-As-Of, Endpoint) and the familiar
 * columns of pods and volumes.
 */
final class Tables {

    private record Column(String name, String type, int priority, Function<JsonNode, String> value) {}

    private final Discovery discovery;
    private final ObjectMapper mapper = new ObjectMapper();

    Tables(Discovery discovery, KubernetesSerialization ignored) {
        this.discovery = discovery;
    }

    boolean wanted(String accept) {
        return accept != null && accept.contains("as=Table");
    }

    Optional<MockResponse> convert(String path, MockResponse response) {
        Optional<String[]> resource = resourceOf(path);
        if (resource.isEmpty() || response.getBody() == null) {
            return Optional.empty();
        }
        String group = resource.get()[0];
        String version = resource.get()[1];
        String plural = resource.get()[2];
        try {
            JsonNode body = mapper.readTree(new String(response.getBody().getBytes(), StandardCharsets.UTF_8));
            List<JsonNode> items = new ArrayList<>();
            if (body.has("items")) {
                body.get("items").forEach(items::add);
            } else {
                items.add(body);
            }
            List<Column> columns = columns(group, version, plural);
            ObjectNode table = mapper.createObjectNode();
            table.put("kind", "Table");
            table.put("apiVersion", "meta.k8s.io/v1");
            ObjectNode meta = table.putObject("metadata");
            if (body.path("metadata").has("resourceVersion")) {
                meta.put("resourceVersion", body.path("metadata").path("resourceVersion").asText());
            }
            ArrayNode defs = table.putArray("columnDefinitions");
            for (Column c : columns) {
                ObjectNode d = defs.addObject();
                d.put("name", c.name());
                d.put("type", "date".equals(c.type()) ? "string" : c.type());
                d.put("format", "Name".equals(c.name()) ? "name" : "");
                d.put("description", "");
                d.put("priority", c.priority());
            }
            ArrayNode rows = table.putArray("rows");
            for (JsonNode item : items) {
                ObjectNode row = rows.addObject();
                ArrayNode cells = row.putArray("cells");
                for (Column c : columns) {
                    String v = c.value().apply(item);
                    if ("date".equals(c.type())) {
                        v = age(v);
                    }
                    if ("integer".equals(c.type()) && v != null && v.matches("-?[0-9]+")) {
                        cells.add(Long.parseLong(v));
                    } else {
                        cells.add(v == null ? "" : v);
                    }
                }
                row.set("object", item);
            }
            return Optional.of(new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                    .setBody(mapper.writeValueAsString(table)));
        } catch (IOException | RuntimeException e) {
            // plain JSON still works with kubectl, only without the columns
            return Optional.empty();
        }
    }

    /** group, version, plural of a get/list path; empty for subresources and non-resource paths. */
    static Optional<String[]> resourceOf(String path) {
        String[] p = path.substring(1).split("/");
        int i;
        String group;
        String version;
        if (p.length >= 3 && "api".equals(p[0])) {
            group = "";
            version = p[1];
            i = 2;
        } else if (p.length >= 4 && "apis".equals(p[0])) {
            group = p[1];
            version = p[2];
            i = 3;
        } else {
            return Optional.empty();
        }
        int rest = p.length - i;
        if ("namespaces".equals(p[i]) && rest >= 3) {
            return rest <= 4 ? Optional.of(new String[] {group, version, p[i + 2]}) : Optional.empty();
        }
        return rest <= 2 ? Optional.of(new String[] {group, version, p[i]}) : Optional.empty();
    }

    private List<Column> columns(String group, String version, String plural) {
        List<Column> columns = new ArrayList<>();
        columns.add(new Column("Name", "string", 0, o -> text(o, ".metadata.name")));
        var crd = discovery.crdVersion(group, version, plural);
        if (crd.isPresent() && crd.get().getAdditionalPrinterColumns() != null && !crd.get().getAdditionalPrinterColumns().isEmpty()) {
            for (CustomResourceColumnDefinition c : crd.get().getAdditionalPrinterColumns()) {
                columns.add(new Column(c.getName(), c.getType(), c.getPriority() == null ? 0 : c.getPriority(), o -> text(o, c.getJsonPath())));
            }
            return columns;
        }
        String key = group.isEmpty() ? plural : plural + "." + group;
        switch (key) {
            case "pods" -> {
                columns.add(new Column("Ready", "string", 0, Tables::podReady));
                columns.add(new Column("Status", "string", 0, Tables::podStatus));
                columns.add(new Column("Restarts", "integer", 0, o -> text(o, ".status.containerStatuses[0].restartCount")));
                columns.add(age());
                columns.add(new Column("IP", "string", 1, o -> text(o, ".status.podIP")));
            }
            case "persistentvolumeclaims" -> {
                columns.add(new Column("Status", "string", 0, o -> text(o, ".status.phase")));
                columns.add(new Column("Volume", "string", 0, o -> text(o, ".spec.volumeName")));
                columns.add(new Column("Capacity", "string", 0, o -> text(o, ".status.capacity.storage")));
                columns.add(new Column("Access Modes", "string", 0, o -> accessModes(o.path("spec").path("accessModes"))));
                columns.add(new Column("StorageClass", "string", 0, o -> text(o, ".spec.storageClassName")));
                columns.add(age());
            }
            case "persistentvolumes" -> {
                columns.add(new Column("Capacity", "string", 0, o -> text(o, ".spec.capacity.storage")));
                columns.add(new Column("Access Modes", "string", 0, o -> accessModes(o.path("spec").path("accessModes"))));
                columns.add(new Column("Reclaim Policy", "string", 0, o -> text(o, ".spec.persistentVolumeReclaimPolicy")));
                columns.add(new Column("Status", "string", 0, o -> text(o, ".status.phase")));
                columns.add(new Column("Claim", "string", 0, o -> o.path("spec").has("claimRef")
                        ? text(o, ".spec.claimRef.namespace") + "/" + text(o, ".spec.claimRef.name") : ""));
                columns.add(new Column("StorageClass", "string", 0, o -> text(o, ".spec.storageClassName")));
                columns.add(age());
                columns.add(new Column("Path", "string", 1, o -> text(o, ".spec.hostPath.path")));
            }
            case "services" -> {
                columns.add(new Column("Type", "string", 0, o -> text(o, ".spec.type")));
                // written by the local kube-proxy (ServiceProxy); where psql connects to reach the Service
                columns.add(new Column("Cluster-IP", "string", 0, o -> text(o, ".spec.clusterIP")));
                columns.add(new Column("Port(s)", "string", 0, o -> java.util.stream.StreamSupport.stream(o.path("spec").path("ports").spliterator(), false)
                        .map(p -> p.path("port").asText() + "/" + p.path("protocol").asText("TCP")).collect(java.util.stream.Collectors.joining(","))));
                columns.add(new Column("Selector", "string", 0, o -> o.path("spec").path("selector").toString()));
                columns.add(age());
            }
            case "secrets" -> {
                columns.add(new Column("Type", "string", 0, o -> text(o, ".type")));
                columns.add(new Column("Data", "integer", 0, o -> Integer.toString(o.path("data").size())));
                columns.add(age());
            }
            case "configmaps" -> {
                columns.add(new Column("Data", "integer", 0, o -> Integer.toString(o.path("data").size())));
                columns.add(age());
            }
            case "events" -> {
                columns.add(new Column("Type", "string", 0, o -> text(o, ".type")));
                columns.add(new Column("Reason", "string", 0, o -> text(o, ".reason")));
                columns.add(new Column("Object", "string", 0, o -> text(o, ".involvedObject.kind").toLowerCase() + "/" + text(o, ".involvedObject.name")));
                columns.add(new Column("Message", "string", 0, o -> text(o, ".message")));
            }
            default -> columns.add(age());
        }
        return columns;
    }

    private static Column age() {
        return new Column("Age", "date", 0, o -> text(o, ".metadata.creationTimestamp"));
    }

    private static String podReady(JsonNode pod) {
        JsonNode statuses = pod.path("status").path("containerStatuses");
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode s : statuses) {
            if (s.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    private static String podStatus(JsonNode pod) {
        if (!pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
            return "Terminating";
        }
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            JsonNode waiting = s.path("state").path("waiting");
            if (waiting.has("reason")) {
                return waiting.get("reason").asText();
            }
            JsonNode terminated = s.path("state").path("terminated");
            if (terminated.has("reason")) {
                return terminated.get("reason").asText();
            }
        }
        String phase = text(pod, ".status.phase");
        return phase.isEmpty() ? "Pending" : phase;
    }

    private static String accessModes(JsonNode modes) {
        List<String> out = new ArrayList<>();
        modes.forEach(m -> out.add(switch (m.asText()) {
            case "ReadWriteOnce" -> "RWO";
            case "ReadOnlyMany" -> "ROX";
            case "ReadWriteMany" -> "RWX";
            case "ReadWriteOncePod" -> "RWOP";
            default -> m.asText();
        }));
        return String.join(",", out);
    }

    /** Like the API server's CRD table convertor: date columns are shown as an age. */
    static String age(String timestamp) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        try {
            Duration d = Duration.between(Instant.parse(timestamp), Instant.now());
            if (d.isNegative()) {
                d = Duration.ZERO;
            }
            long s = d.getSeconds();
            if (s < 120) {
                return s + "s";
            }
            if (s < 3600) {
                return (s / 60) + "m" + (s < 600 ? (s % 60) + "s" : "");
            }
            if (s < 48 * 3600) {
                return (s / 3600) + "h" + (s < 10 * 3600 ? ((s % 3600) / 60) + "m" : "");
            }
            return (s / 86400) + "d";
        } catch (DateTimeParseException e) {
            return timestamp;
        }
    }

    /**
     * The subset of JSONPath that printer columns use: dotted fields, [n] indexes and
     * [?(@.field=="value")] filters (the first match is shown).
     */
    static String text(JsonNode root, String jsonPath) {
        JsonNode node = root;
        String path = jsonPath.startsWith("{") ? jsonPath.substring(1, jsonPath.length() - 1) : jsonPath;
        int i = 0;
        while (i < path.length() && node != null && !node.isMissingNode()) {
            char c = path.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
                    end++;
                }
                node = node.get(path.substring(i + 1, end));
                i = end;
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                String inside = path.substring(i + 1, end);
                if (inside.startsWith("?(@.")) {
                    String cond = inside.substring(4, inside.length() - 1);
                    String field = cond.substring(0, cond.indexOf("=="));
                    String value = cond.substring(cond.indexOf("==") + 2).replace("\"", "").replace("'", "");
                    JsonNode match = null;
                    for (JsonNode el : node) {
                        if (value.equals(el.path(field).asText())) {
                            match = el;
                            break;
                        }
                    }
                    node = match;
                } else {
                    node = node.get(Integer.parseInt(inside.trim()));
                }
                i = end + 1;
            } else {
                return "";
            }
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }
}
