package dev.pgclone.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real API server's audit log (see {@link ControlPlane}): every request of the operator and
 * every write of anyone, with the answer. Tests use it to show that the operator never wrote to an
 * object it must not touch, whatever else (Kubernetes' own controllers) changed that object
 * meanwhile, and that RBAC never refused the operator a request (the chart grants all it needs).
 */
public final class AuditLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One write request as the API server answered it. */
    public record Write(String user, String verb, String namespace, String resource, String subresource, String name, int code,
                        String requestUri, String authorization) {
        /** The server carried it out (a refused create, such as a 409 on a taken name, changed nothing). */
        public boolean accepted() {
            return code >= 200 && code < 300;
        }

        @Override
        public String toString() {
            return user + " " + verb + " " + requestUri + " -> " + code;
        }
    }

    private static final java.util.Set<String> READS = java.util.Set.of("get", "list", "watch");

    private final Path file;

    AuditLog(Path file) {
        this.file = file;
    }

    /** Every logged request so far (the file is written as each request completes); reads only of the operator. */
    public List<Write> writes() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Write> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException partial) {
                    if (i == lines.size() - 1) {
                        // the API server is appending this line right now
                        break;
                    }
                    throw partial;
                }
                JsonNode ref = e.path("objectRef");
                out.add(new Write(e.path("user").path("username").asText(), e.path("verb").asText(), ref.path("namespace").asText(""),
                        ref.path("resource").asText(""), ref.path("subresource").asText(""), ref.path("name").asText(""),
                        e.path("responseStatus").path("code").asInt(0), e.path("requestURI").asText(),
                        e.path("annotations").path("authorization.k8s.io/decision").asText("")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + file, e);
        }
        return out;
    }

    /** Requests of this user that authorization (RBAC) refused; other 403s (a terminating namespace, a quota) are not its. */
    public List<Write> forbidden(String user) {
        return writes().stream().filter(w -> w.user().equals(user) && "forbid".equals(w.authorization())).toList();
    }

    /** Writes by this user to this object (any subresource); a create names its object only once it exists, so creates count by name too. */
    public List<Write> writesTo(String user, String namespace, String resource, String name) {
        return writesTo(writes(), user, namespace, resource, name);
    }

    /** The same over requests read once, for a caller asking about several objects. */
    public static List<Write> writesTo(List<Write> logged, String user, String namespace, String resource, String name) {
        return logged.stream().filter(w -> w.user().equals(user) && w.namespace().equals(namespace) && w.resource().equals(resource)
                && w.name().equals(name) && !READS.contains(w.verb())).toList();
    }
}
