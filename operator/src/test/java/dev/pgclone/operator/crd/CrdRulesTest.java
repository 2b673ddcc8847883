package dev.pgclone.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The validation rules the API server enforces, read from the committed CRDs (which CommittedCrdsIT
 * keeps equal to the build's): a clone's source cannot change, a schedule's template source can.
 */
class CrdRulesTest {

    private static final Path CRDS = Path.of("..", "crds");

    @Test
    void aClonesSourceIsImmutableButATemplatesSourceIsNot() throws IOException {
        JSONSchemaProps clone = schema("databaseclones.pgclone.dev-v1.yml");
        assertThat(clone.getXKubernetesValidations()).extracting("rule")
                .containsExactly("!has(oldSelf.spec) || self.spec.source == oldSelf.spec.source");

        JSONSchemaProps template = schema("refreshschedules.pgclone.dev-v1.yml").getProperties().get("spec")
                .getProperties().get("template").getProperties().get("spec");
        assertThat(Serialization.asYaml(template)).doesNotContain("oldSelf");
        assertThat(template.getProperties().get("source").getXKubernetesValidations()).extracting("rule")
                .containsExactly("(has(self.pvcName) ? 1 : 0) + (has(self.snapshotName) ? 1 : 0) + (has(self.cloneSource) ? 1 : 0)"
                                + " + (has(self.cloudNativePG) ? 1 : 0) + (has(self.cloudNativePGBackup) ? 1 : 0) == 1",
                        "!(has(self.cloudNativePG) || has(self.cloudNativePGBackup)) || !(has(self.dataDirectory) || has(self.namespace))",
                        "!has(self.cloneSource) || !(has(self.namespace) || has(self.volumeSnapshotClassName) || has(self.dataDirectory) || has(self.checkpoint))",
                        "!has(self.walPvcName) || has(self.pvcName)",
                        "!has(self.walDirectory) || has(self.walPvcName)");
        // the template is the clone's spec schema, nothing hand-copied that could drift
        assertThat(Serialization.asYaml(withoutDescriptions(template)))
                .isEqualTo(Serialization.asYaml(withoutDescriptions(clone.getProperties().get("spec"))));
    }

    private static JSONSchemaProps withoutDescriptions(JSONSchemaProps spec) {
        spec.setDescription(null);
        return spec;
    }

    private static JSONSchemaProps schema(String file) throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(CRDS.resolve(file)), CustomResourceDefinition.class);
        return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    }
}
