package dev.pgclone.operator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.rehearsal.RehearsalValidator;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.clone.SpecValidator;
import dev.pgclone.operator.postgres.SqlScripts;
import dev.pgclone.operator.refresh.ScheduleValidation;
import dev.pgclone.operator.spec.CloneSourceValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest in examples/ is one a user copies, so a typo must fail here, before the sandbox
 * test applies them: each document must match its committed CRD's schema (no unknown field, the
 * declared types, patterns, minimums and required fields, as the API server checks them), bind to
 * the Java model with no unknown property, and pass the checks the operator makes before it acts
 * (SpecValidator, the schedule validator, the CloneSource validator). ConfigMaps referenced by
 * postClone must hold SQL scripts that split into statements. Across files, what the operator would
 * refuse at run time is refused here: a CloneSource's masking ConfigMap must be an example in the
 * CloneSource's namespace, and a clone naming a CloneSource must name an example one that allows the
 * clone's namespace.
 */
public class ExamplesParseTest {

    static final Path EXAMPLES = Path.of("..", "examples");
    static final Path CRDS = Path.of("..", "crds");

    /**
     * Binds like the API server's structural schema: an unknown field is an error, not ignored,
     * even though the model itself ignores fields it does not know (an operator older than its
     * CRDs must keep reading them).
     */
    private static final ObjectMapper STRICT = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setAnnotationIntrospector(new com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector() {
                @Override
                public com.fasterxml.jackson.annotation.JsonIgnoreProperties.Value findPropertyIgnoralByName(
                        com.fasterxml.jackson.databind.cfg.MapperConfig<?> config, com.fasterxml.jackson.databind.introspect.Annotated a) {
                    return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
                }
            });

    private static final Map<String, JsonNode> SCHEMAS = new HashMap<>();

    @BeforeAll
    public static void loadCrds() throws IOException {
        try (Stream<Path> files = Files.list(CRDS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
                JsonNode crd = new YAMLMapper().readTree(file.toFile());
                for (JsonNode version : crd.at("/spec/versions")) {
                    SCHEMAS.put(crd.at("/spec/group").asText() + "/" + version.get("name").asText() + "/" + crd.at("/spec/names/kind").asText(),
                            version.at("/schema/openAPIV3Schema"));
                }
            }
        }
    }

    @Test
    void everyExampleMatchesItsCrdBindsToTheModelAndPassesTheOperatorsChecks() throws IOException {
        List<Path> files = exampleFiles();
        assertThat(files).as("manifests in %s", EXAMPLES.toAbsolutePath()).isNotEmpty();
        Map<String, Integer> kinds = new HashMap<>();
        List<JsonNode> all = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file);
            assertThat(text).as("%s starts with a comment saying what it is and what to change", file.getFileName()).startsWith("#");
            List<JsonNode> documents = documents(text);
            assertThat(documents).as("documents in %s", file.getFileName()).isNotEmpty();
            for (JsonNode doc : documents) {
                String kind = doc.path("kind").asText();
                kinds.merge(kind, 1, Integer::sum);
                all.add(doc);
                List<String> problems = problems(doc);
                assertThat(problems).as("%s (%s %s)", file.getFileName(), kind, doc.at("/metadata/name").asText()).isEmpty();
            }
        }
        assertThat(references(all)).as("references between the examples").isEmpty();
        System.out.printf("%d example files checked: %s%n", files.size(), kinds);
        assertThat(kinds).containsKeys("DatabaseClone", "RefreshSchedule", "ConfigMap", "CloneSource");
        assertThat(all).as("a DatabaseClone of a CloneSource").anySatisfy(d -> assertThat(d.at("/spec/source/cloneSource").isObject()).isTrue());
    }

    @Test
    void aCloneSourceWithABadFieldOrAClonePointingNowhereIsCaught() throws IOException {
        List<JsonNode> source = documents(Files.readString(EXAMPLES.resolve("clonesource.yaml")));
        JsonNode good = source.stream().filter(d -> "CloneSource".equals(d.path("kind").asText())).findFirst().orElseThrow();
        assertThat(problems(good)).isEmpty();

        ObjectNode typo = good.deepCopy();
        ((ObjectNode) typo.path("spec")).set("allowedNamespace", typo.path("spec").path("allowedNamespaces"));
        assertThat(problems(typo)).anySatisfy(p -> assertThat(p).contains("spec.allowedNamespace").contains("unknown field"));

        ObjectNode badAge = good.deepCopy();
        ((ObjectNode) badAge.path("spec")).put("snapshotMaxAge", "1 hour");
        assertThat(problems(badAge)).anySatisfy(p -> assertThat(p).contains("spec.snapshotMaxAge"));

        // the schema allows any string as operator; only the validator knows the four that work
        ObjectNode badOperator = good.deepCopy();
        ((ObjectNode) badOperator.path("spec").path("allowedNamespaceSelector")).putArray("matchExpressions").addObject()
                .put("key", "team").put("operator", "in").putArray("values").add("data");
        assertThat(problems(badOperator)).anySatisfy(p -> assertThat(p).contains("allowedNamespaceSelector").contains("\"in\""));

        JsonNode clone = documents(Files.readString(EXAMPLES.resolve("clone-from-clonesource.yaml"))).get(0);
        assertThat(problems(clone)).isEmpty();
        ObjectNode withPvc = clone.deepCopy();
        ((ObjectNode) withPvc.path("spec").path("source")).put("dataDirectory", "pgdata");
        assertThat(problems(withPvc)).anySatisfy(p -> assertThat(p).contains("come from the CloneSource"));

        assertThat(references(List.of(good, clone))).as("masking ConfigMap left out").singleElement()
                .satisfies(p -> assertThat(p).contains("ConfigMap prod/orders-masking"));
        ObjectNode elsewhere = clone.deepCopy();
        ((ObjectNode) elsewhere.path("metadata")).put("namespace", "qa");
        assertThat(references(List.of(source.get(0), source.get(1), elsewhere))).singleElement()
                .satisfies(p -> assertThat(p).contains("does not allow namespace qa"));
    }

    @Test
    void aMisspelledOrMistypedFieldIsCaught() throws IOException {
        JsonNode good = documents(Files.readString(EXAMPLES.resolve("clone-from-pvc.yaml"))).get(0);
        assertThat(problems(good)).isEmpty();

        ObjectNode typo = good.deepCopy();
        ObjectNode source = (ObjectNode) typo.path("spec").path("source");
        source.set("pvcname", source.remove("pvcName"));
        assertThat(problems(typo)).anySatisfy(p -> assertThat(p).contains("spec.source.pvcname").contains("unknown field"));

        ObjectNode wrongType = good.deepCopy();
        ((ObjectNode) wrongType.path("spec").path("postgres")).put("runAsUser", "postgres");
        assertThat(problems(wrongType)).anySatisfy(p -> assertThat(p).contains("spec.postgres.runAsUser").contains("integer"));

        ObjectNode badTtl = good.deepCopy();
        ((ObjectNode) badTtl.path("spec")).put("ttl", "1 day");
        assertThat(problems(badTtl)).anySatisfy(p -> assertThat(p).contains("spec.ttl"));

        ObjectNode noImage = good.deepCopy();
        ((ObjectNode) noImage.path("spec").path("postgres")).remove("image");
        assertThat(problems(noImage)).anySatisfy(p -> assertThat(p).contains("image"));
    }

    static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    public static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            Iterator<JsonNode> it = new YAMLMapper().readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /** Every problem with one document; empty when it is fine. */
    public static List<String> problems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        String apiVersion = doc.path("apiVersion").asText();
        String kind = doc.path("kind").asText();
        if (doc.at("/metadata/name").asText().isBlank()) {
            problems.add("metadata.name is missing");
        }
        if (apiVersion.startsWith("pgclone.dev/")) {
            JsonNode schema = SCHEMAS.get(apiVersion + "/" + kind);
            if (schema == null) {
                problems.add("no committed CRD for " + apiVersion + " " + kind);
                return problems;
            }
            ObjectNode body = doc.deepCopy();
            body.remove(List.of("apiVersion", "kind", "metadata"));
            checkSchema(body, schema, "", problems);
            if (!problems.isEmpty()) {
                return problems;
            }
            try {
                switch (kind) {
                    case "DatabaseClone" -> {
                        DatabaseClone clone = STRICT.treeToValue(doc, DatabaseClone.class);
                        SpecValidator.problems(clone.getSpec(), clone.getMetadata().getName()).forEach(problems::add);
                    }
                    case "CloneSource" -> {
                        CloneSource source = STRICT.treeToValue(doc, CloneSource.class);
                        problems.addAll(CloneSourceValidator.problems(source.getSpec()));
                        if (source.getMetadata().getNamespace() == null) {
                            problems.add("metadata.namespace is missing: a CloneSource lives beside the production volume, so say which namespace that is");
                        }
                    }
                    case "RefreshSchedule" -> {
                        String p = ScheduleValidation.problems(STRICT.treeToValue(doc, RefreshSchedule.class));
                        if (p != null) {
                            problems.add(p);
                        }
                    }
                    case "MigrationRehearsal" -> problems.addAll(RehearsalValidator.validate(
                            STRICT.treeToValue(doc, MigrationRehearsal.class)).problems());
                    default -> problems.add("no check for kind " + kind + ": add one here");
                }
            } catch (IOException e) {
                problems.add("does not bind to the model: " + e.getMessage());
            }
        } else if ("v1".equals(apiVersion) && "ConfigMap".equals(kind)) {
            JsonNode data = doc.path("data");
            if (!data.isObject() || data.isEmpty()) {
                problems.add("ConfigMap without data");
            }
            data.properties().forEach(e -> {
                if (SqlScripts.split(e.getValue().asText()).isEmpty()) {
                    problems.add("data." + e.getKey() + " holds no SQL statement");
                }
            });
        } else {
            problems.add("unexpected " + apiVersion + " " + kind + " in examples/: add a check for it here");
        }
        return problems;
    }

    /**
     * What the operator would refuse because of another object: a CloneSource whose
     * postClone.configMapName is not an example ConfigMap in its namespace (clones would wait with
     * SourcePostCloneNotFound), and a clone naming a CloneSource that is not among the examples or
     * does not list the clone's namespace (CloneSourceNotFound, NamespaceNotAllowed). Namespaces
     * given by label alone cannot be judged from the files, so the examples must list theirs.
     */
    static List<String> references(List<JsonNode> documents) {
        List<String> problems = new ArrayList<>();
        for (JsonNode doc : documents) {
            String namespace = doc.at("/metadata/namespace").asText("");
            if ("CloneSource".equals(doc.path("kind").asText())) {
                String configMap = doc.at("/spec/postClone/configMapName").asText("");
                if (!configMap.isEmpty() && documents.stream().noneMatch(d -> "ConfigMap".equals(d.path("kind").asText())
                        && configMap.equals(d.at("/metadata/name").asText()) && namespace.equals(d.at("/metadata/namespace").asText("")))) {
                    problems.add("CloneSource " + namespace + "/" + doc.at("/metadata/name").asText() + ": ConfigMap " + namespace + "/"
                            + configMap + " (spec.postClone.configMapName) is not in the examples");
                }
            }
            JsonNode ref = doc.at("/spec/source/cloneSource");
            if ("DatabaseClone".equals(doc.path("kind").asText()) && ref.isObject()) {
                String name = ref.path("namespace").asText() + "/" + ref.path("name").asText();
                JsonNode source = documents.stream().filter(d -> "CloneSource".equals(d.path("kind").asText())
                        && name.equals(d.at("/metadata/namespace").asText() + "/" + d.at("/metadata/name").asText())).findFirst().orElse(null);
                String clone = namespace + "/" + doc.at("/metadata/name").asText();
                if (source == null) {
                    problems.add("DatabaseClone " + clone + ": CloneSource " + name + " is not in the examples");
                } else if (!namespace.equals(ref.path("namespace").asText())) {
                    boolean listed = false;
                    for (JsonNode allowed : source.at("/spec/allowedNamespaces")) {
                        listed |= namespace.equals(allowed.asText());
                    }
                    if (!listed) {
                        problems.add("DatabaseClone " + clone + ": CloneSource " + name + " does not allow namespace "
                                + (namespace.isEmpty() ? "(none given)" : namespace) + " in spec.allowedNamespaces");
                    }
                }
            }
        }
        return problems;
    }

    /** The parts of OpenAPI v3 structural schemas the CRDs use, checked as the API server would. */
    static void checkSchema(JsonNode value, JsonNode schema, String path, List<String> problems) {
        String at = path.isEmpty() ? "(root)" : path;
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                problems.add(at + ": must be an integer or a string");
            }
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(at + ": must be an object, is " + value.getNodeType());
                    return;
                }
                JsonNode properties = schema.path("properties");
                JsonNode additional = schema.path("additionalProperties");
                value.properties().forEach(e -> {
                    String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                    if (properties.has(e.getKey())) {
                        checkSchema(e.getValue(), properties.get(e.getKey()), child, problems);
                    } else if (additional.isObject()) {
                        checkSchema(e.getValue(), additional, child, problems);
                    } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                        problems.add(child + ": unknown field (not in the CRD schema)");
                    }
                });
                for (JsonNode required : schema.path("required")) {
                    if (!value.has(required.asText())) {
                        problems.add((path.isEmpty() ? "" : path + ".") + required.asText() + ": required");
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(at + ": must be an array, is " + value.getNodeType());
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    checkSchema(value.get(i), schema.path("items"), path + "[" + i + "]", problems);
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    problems.add(at + ": must be a string, is " + value.getNodeType());
                } else if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                    problems.add(at + ": \"" + value.asText() + "\" does not match " + schema.get("pattern").asText());
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(at + ": must be an integer, is " + value.getNodeType());
                } else if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
                    problems.add(at + ": must be at least " + schema.get("minimum").asText());
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    problems.add(at + ": must be a number, is " + value.getNodeType());
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(at + ": must be true or false, is " + value.getNodeType());
                }
            }
            default -> {
                if (schema.has("properties")) {
                    checkSchema(value, ((ObjectNode) schema.deepCopy()).put("type", "object"), path, problems);
                }
            }
        }
    }
}
