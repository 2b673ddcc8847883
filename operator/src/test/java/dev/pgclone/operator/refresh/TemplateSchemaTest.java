package dev.pgclone.operator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * RefreshSchedule's template.spec schema is written out separately from DatabaseClone's spec (see
 * RefreshScheduleTemplate.TemplateSpecSchema); it must stay the clone's schema minus the
 * immutability of source. Reads the committed CRDs, which CommittedCrdsIT keeps equal to the build.
 */
class TemplateSchemaTest {

    private static final Path CRDS = Path.of("..", "crds");

    @Test
    void templateSpecIsTheCloneSpecWithAMutableSource() throws IOException {
        JSONSchemaProps clone = schema("databaseclones.pgclone.dev-v1.yml").getProperties().get("spec");
        JSONSchemaProps template = schema("refreshschedules.pgclone.dev-v1.yml").getProperties().get("spec")
                .getProperties().get("template").getProperties().get("spec");

        JSONSchemaProps cloneSource = clone.getProperties().get("source");
        assertThat(cloneSource.getXKubernetesValidations()).extracting("rule").contains("self == oldSelf");
        assertThat(template.getProperties().get("source").getXKubernetesValidations()).extracting("rule")
                .containsExactly("has(self.pvcName) != has(self.snapshotName)");

        // what may differ: descriptions of spec and source, and source's transition rule
        cloneSource.getXKubernetesValidations().removeIf(v -> v.getRule().contains("oldSelf"));
        for (JSONSchemaProps s : new JSONSchemaProps[] {clone, template}) {
            s.setDescription(null);
            s.getProperties().get("source").setDescription(null);
        }
        assertThat(Serialization.asYaml(template)).isEqualTo(Serialization.asYaml(clone));
    }

    private static JSONSchemaProps schema(String file) throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(CRDS.resolve(file)), CustomResourceDefinition.class);
        return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    }
}
