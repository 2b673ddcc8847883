package dev.pgclone.operator.helm;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every object the chart renders (and the CRDs it installs) is created on the fabric8 mock API
 * server in CRUD mode and read back unchanged, for each value set the chart tests use.
 */
@EnableKubernetesMockClient(crud = true)
@ApiServerTest
class HelmChartApiServerTest {

    static KubernetesClient client;
    static KubernetesMockServer server;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "defaults:",
            "namespace list:watchNamespaces: [team-a, team-b]",
            "own namespace:watchNamespaces: own",
            "two replicas:replicas: 2",
            "metrics:metrics: {serviceMonitor: {enabled: true}, prometheusRule: {enabled: true}}",
            "json logs and dashboard:logFormat: json\ngrafanaDashboard: {enabled: true}",
            "restricted images, own key, network policy:watchNamespaces: [team-a, team-b]\nallowedImages: [\"postgres:*\"]\n"
                    + "operatorKey: {existingSecret: vault-synced}\nnetworkPolicy: {enabled: true}",
    })
    void everyRenderedObjectIsAcceptedByTheApiServerAndReadBack(String valueSet) throws IOException {
        String values = valueSet.substring(valueSet.indexOf(':') + 1);
        for (Path crd : Chart.crdFiles(Chart.DIR.resolve("crds"))) {
            CustomResourceDefinition def = Chart.SERIALIZATION.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
            client.resource(def).createOr(existing -> existing.update());
            assertThat(client.apiextensions().v1().customResourceDefinitions().withName(def.getMetadata().getName()).get()).isNotNull();
        }
        Chart.Rendered rendered = Chart.render(values);
        assertThat(rendered.objects()).isNotEmpty();
        for (HasMetadata object : rendered.objects()) {
            HasMetadata stored = createAndGet(object);
            assertThat(stored).as("%s %s read back", object.getKind(), object.getMetadata().getName()).isNotNull();
            assertThat(stored.getMetadata().getUid()).isNotBlank();
            assertThat(stored.getMetadata().getLabels()).containsAllEntriesOf(object.getMetadata().getLabels());
            assertThat(body(stored)).as("%s %s as stored", object.getKind(), object.getMetadata().getName()).isEqualTo(body(object));
        }
    }

    private static HasMetadata createAndGet(HasMetadata object) {
        if (object instanceof GenericKubernetesResource generic) {
            // kinds without a model class (ServiceMonitor, PrometheusRule): the mock has no discovery, so say where they live
            String[] gv = generic.getApiVersion().split("/");
            var context = new ResourceDefinitionContext.Builder().withGroup(gv[0]).withVersion(gv[1]).withKind(generic.getKind())
                    .withPlural(generic.getKind().toLowerCase(Locale.ROOT) + "s").withNamespaced(true).build();
            var resources = client.genericKubernetesResources(context).inNamespace(generic.getMetadata().getNamespace());
            resources.resource(generic).createOr(existing -> existing.update());
            return resources.withName(generic.getMetadata().getName()).get();
        }
        client.resource(object).createOr(existing -> existing.update());
        return client.resource(object).get();
    }

    /** The object without server-set metadata: what the chart asked for. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HasMetadata object) {
        Map<String, Object> map = Chart.SERIALIZATION.convertValue(object, Map.class);
        map.remove("metadata");
        map.remove("status");
        return map;
    }
}
