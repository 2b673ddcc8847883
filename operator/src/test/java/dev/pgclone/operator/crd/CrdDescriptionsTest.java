package dev.pgclone.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl explain} prints a field's CRD description and nothing else, so every property of
 * every committed CRD (each file in crds/, however many kinds there are) must have one that says
 * something: more than the field's own name, in a few words.
 */
class CrdDescriptionsTest {

    private static final Path COMMITTED = Path.of("..", "crds");
    private static final int MIN_WORDS = 3;

    @Test
    void everyPropertyOfEveryCommittedCrdHasADescription() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(COMMITTED)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yml") || p.getFileName().toString().endsWith(".yaml"))
                    .sorted().toList();
        }
        assertThat(files).as("CRDs in %s", COMMITTED.toAbsolutePath()).isNotEmpty();
        List<String> undocumented = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            JsonNode crd = new YAMLMapper().readTree(file.toFile());
            String kind = crd.at("/spec/names/kind").asText();
            assertThat(kind).as("spec.names.kind of %s", file).isNotBlank();
            for (JsonNode version : crd.at("/spec/versions")) {
                JsonNode schema = version.at("/schema/openAPIV3Schema");
                assertThat(schema.isMissingNode()).as("%s %s has an openAPIV3Schema", kind, version.get("name")).isFalse();
                checked += walk(schema, kind.toLowerCase(Locale.ROOT), undocumented);
            }
        }
        System.out.printf("%d properties in %d CRDs checked for descriptions%n", checked, files.size());
        assertThat(undocumented).as("properties kubectl explain would show without a description "
                + "(add @JsonPropertyDescription in api/v1alpha1, then make crds)").isEmpty();
    }

    @Test
    void aPropertyWithoutAUsefulDescriptionIsNamed() throws IOException {
        JsonNode schema = new YAMLMapper().readTree("""
                properties:
                  spec:
                    description: "What to clone and how."
                    properties:
                      ttl:
                        description: "ttl"
                      roles:
                        description: "Roles that get new passwords."
                        items:
                          properties:
                            name:
                              type: string
                      limits:
                        description: "Most the container may use."
                        additionalProperties:
                          properties:
                            unit:
                              description: "  "
                  status:
                    description: "What the operator did and sees."
                """);
        List<String> undocumented = new ArrayList<>();
        assertThat(walk(schema, "kind", undocumented)).isEqualTo(7);
        assertThat(undocumented).containsExactly("kind.spec.ttl", "kind.spec.roles[].name", "kind.spec.limits{}.unit");
    }

    /** Visits every property below {@code node}; adds the path of each one without a useful description; returns how many it visited. */
    static int walk(JsonNode node, String path, List<String> undocumented) {
        int visited = 0;
        JsonNode properties = node.get("properties");
        if (properties != null) {
            for (Map.Entry<String, JsonNode> property : properties.properties()) {
                String name = property.getKey();
                String at = path + "." + name;
                visited++;
                if (!useful(name, property.getValue().path("description").asText(""))) {
                    undocumented.add(at);
                }
                visited += walk(property.getValue(), at, undocumented);
            }
        }
        if (node.has("items")) {
            visited += walk(node.get("items"), path + "[]", undocumented);
        }
        if (node.path("additionalProperties").isObject()) {
            visited += walk(node.get("additionalProperties"), path + "{}", undocumented);
        }
        return visited;
    }

    /** More than a restatement of the name: a few words. */
    static boolean useful(String name, String description) {
        String text = description.strip();
        if (text.isEmpty() || text.equalsIgnoreCase(name) || text.replaceAll("[^A-Za-z]", "").equalsIgnoreCase(name)) {
            return false;
        }
        return text.split("\\s+").length >= MIN_WORDS;
    }
}
