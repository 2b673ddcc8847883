package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.testing.ApiServerTest;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which SQL runs on a clone and in which order, read from a spec.postClone and its ConfigMap. */
@EnableKubernetesMockClient(crud = true)
@ApiServerTest
class PostCloneScriptsTest {

    static KubernetesClient client;

    @Test
    void inlineSqlFirstThenTheConfigMapsKeysInKeyOrderEachWithTheSpecsTimeout() {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName("masking").withNamespace("prod").endMetadata()
                .withData(Map.of("02-orders.sql", "UPDATE orders SET note = NULL", "01-users.sql", "UPDATE users SET email = NULL")).build())
                .create();

        List<SqlScript> scripts = PostCloneScripts.of(configMaps(), "prod", postClone("DELETE FROM sessions", "masking", "2m"), "cloneSource prod/orders: ")
                .orElseThrow();

        assertThat(scripts).extracting(SqlScript::name).containsExactly("cloneSource prod/orders: postClone.sql",
                "cloneSource prod/orders: masking/01-users.sql", "cloneSource prod/orders: masking/02-orders.sql");
        assertThat(scripts).extracting(SqlScript::sql).containsExactly("DELETE FROM sessions", "UPDATE users SET email = NULL",
                "UPDATE orders SET note = NULL");
        assertThat(scripts).extracting(SqlScript::timeout).containsOnly(Duration.ofMinutes(2));
    }

    @Test
    void nothingToRunWithoutPostCloneOrWithOnlyBlanks() {
        assertThat(PostCloneScripts.of(configMaps(), "shop", null, "")).hasValue(List.of());
        assertThat(PostCloneScripts.of(configMaps(), "shop", postClone("  ", " ", null), "")).hasValue(List.of());
    }

    @Test
    void aConfigMapThatDoesNotExistGivesNothingForTheCallerToReport() {
        assertThat(PostCloneScripts.of(configMaps(), "shop", postClone("SELECT 1", "not-there", null), "")).isEmpty();
    }

    @Test
    void theCloneSourcesMandatoryScriptsRunBeforeTheClonesOwn() {
        SqlScript masking = new SqlScript("cloneSource prod/orders: postClone.sql", "UPDATE users SET email = NULL");
        SqlScript own = new SqlScript("postClone.sql", "CREATE ROLE tester");
        SqlScript ownMigration = new SqlScript("migrations/001.sql", "ALTER TABLE orders ADD note text");

        assertThat(PostCloneScripts.inOrder(List.of(masking), List.of(own, ownMigration))).containsExactly(masking, own, ownMigration);
        assertThat(PostCloneScripts.inOrder(List.of(), List.of(own))).containsExactly(own);
    }

    private static PostCloneScripts.ConfigMaps configMaps() {
        return PostCloneScripts.ConfigMaps.of(client);
    }

    private static PostCloneSpec postClone(String sql, String configMap, String timeout) {
        PostCloneSpec p = new PostCloneSpec();
        p.setSql(sql);
        p.setConfigMapName(configMap);
        p.setTimeout(timeout);
        return p;
    }
}
