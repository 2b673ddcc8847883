package dev.pgclone.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.testing.ClusterStandIns;
import dev.pgclone.operator.testing.RecordingPreparer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged application as Quarkus wires it (CDI beans, configuration, the operator SDK
 * extension), against the mock API server: a clone applied as YAML becomes Ready.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorAppTest {

    @Inject
    KubernetesClient client;

    @Inject
    RecordingPreparer preparer;

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URI metricsUri;

    private ClusterStandIns cluster;

    @BeforeEach
    void standIns() {
        cluster = new ClusterStandIns(client).start();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void aCloneAppliedAsYamlBecomesReady() {
        client.load(getClass().getResourceAsStream("/app/source-pvc.yaml")).inNamespace("default").create();
        client.load(getClass().getResourceAsStream("/app/clone.yaml")).inNamespace("default").create();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            DatabaseClone clone = client.resources(DatabaseClone.class).inNamespace("default").withName("orders-staging").get();
            assertThat(clone.getStatus()).isNotNull();
            assertThat(clone.getStatus().getPhase()).isEqualTo("Ready");
        });
        assertThat(preparer.requests()).singleElement()
                .satisfies(r -> assertThat(r.rolePasswords()).containsOnlyKeys("app"));

        String metrics = scrape();
        assertThat(metrics).contains("pgclone_clones{phase=\"Ready\"} 1.0")
                .contains("pgclone_clones{phase=\"Failed\"} 0.0")
                .containsPattern("pgclone_clone_ready_seconds_count(\\{[^}]*\\})? 1\\.0")
                .containsPattern("pgclone_snapshot_ready_seconds_count(\\{[^}]*\\})? 1\\.0")
                .containsPattern("reconciliations_success_total\\{[^}]*controller_name=\"databaseclone\"");
    }

    private String scrape() {
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            var request = java.net.http.HttpRequest.newBuilder(metricsUri).build();
            return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
