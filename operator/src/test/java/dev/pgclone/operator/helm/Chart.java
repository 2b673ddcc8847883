package dev.pgclone.operator.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.pgclone.testkit.cluster.OperatorAccess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The chart under helm/pgclone-operator, rendered with helm-java and parsed with fabric8's serialization. */
final class Chart {

    static final Path DIR = Path.of("..", "helm", "pgclone-operator");
    static final String RELEASE = "pgclone";
    static final String NAMESPACE = "pgclone-system";
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {}

    /** Renders the chart as `helm template pgclone -n pgclone-system -f values` does. */
    static Rendered render(String valuesYaml) {
        try {
            Path values = Files.createTempFile("pgclone-values", ".yaml");
            try {
                Files.writeString(values, valuesYaml);
                TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(values);
                return new Rendered(template.call());
            } finally {
                Files.deleteIfExists(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects of a multi-document YAML stream; kinds without a model class come back as GenericKubernetesResource. */
    static List<HasMetadata> parse(String yaml) {
        return OperatorAccess.objects(SERIALIZATION, yaml);
    }

    static List<Path> crdFiles(Path dir) {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A permission reduced to what RBAC decides on: API group, resource (with subresource) and verb. */
    record Grant(String group, String resource, String verb) implements Comparable<Grant> {
        @Override
        public int compareTo(Grant o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
        }
    }

    static Set<Grant> grants(List<PolicyRule> rules) {
        Set<Grant> out = new TreeSet<>();
        for (PolicyRule rule : rules) {
            if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
                throw new IllegalStateException("rules with resourceNames are not expected here: " + rule);
            }
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        out.add(new Grant(group, resource, verb));
                    }
                }
            }
        }
        return out;
    }

    record Rendered(String yaml, List<HasMetadata> objects) {
        Rendered(String yaml) {
            this(yaml, parse(yaml));
        }

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type) {
            List<T> found = all(type);
            if (found.size() != 1) {
                throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size());
            }
            return found.get(0);
        }

        Optional<GenericKubernetesResource> kind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.getKind()) && o instanceof GenericKubernetesResource)
                    .map(GenericKubernetesResource.class::cast).findFirst();
        }
    }
}
