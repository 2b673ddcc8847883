package dev.pgclone.e2e.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real API server's audit log of write requests (see {@link ControlPlane}): what each user
 * asked to change. Tests use it to show that the operator never wrote to an object it must not
 * touch, whatever else (Kubernetes' own controllers) changed that object meanwhile.
 */
public final class AuditLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One write request as the API server answered it. */
    public record Write(String user, String verb, String namespace, String resource, String subresource, String name, int code,
                        String requestUri) {
        /** The server carried it out (a refused create, such as a 409 on a taken name, changed nothing). */
        public boolean accepted() {
            return code >= 200 && code < 300;
        }

        @Override
        public String toString() {
            return user + " " + verb + " " + requestUri + " -> " + code;
        }
    }

    private final Path file;

    AuditLog(Path file) {
        this.file = file;
    }

    /** Every write so far (the file is written as each request completes). */
    public List<Write> writes() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Write> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode e = JSON.readTree(line);
                JsonNode ref = e.path("objectRef");
                out.add(new Write(e.path("user").path("username").asText(), e.path("verb").asText(), ref.path("namespace").asText(""),
                        ref.path("resource").asText(""), ref.path("subresource").asText(""), ref.path("name").asText(""),
                        e.path("responseStatus").path("code").asInt(0), e.path("requestURI").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + file, e);
        }
        return out;
    }

    /** Writes by this user to this object (any subresource); a create names its object only once it exists, so creates count by name too. */
    public List<Write> writesTo(String user, String namespace, String resource, String name) {
        return writes().stream().filter(w -> w.user().equals(user) && w.namespace().equals(namespace) && w.resource().equals(resource)
                && w.name().equals(name)).toList();
    }
}
