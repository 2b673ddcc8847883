package dev.pgclone.operator.app;

import dev.pgclone.testkit.cluster.ClusterStandIns;
import dev.pgclone.operator.testing.StandIns;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.testing.RecordingPreparer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged application as Quarkus wires it (CDI beans, configuration, the operator SDK
 * extension), against the mock API server: a clone applied as YAML becomes Ready, and every custom
 * metric of docs/operating.md, "Operating: metrics, alerts, dashboard", follows a clone's and a RefreshSchedule run's lifecycle. The
 * methods share one application (and its meters), so they run in order and the second one reads
 * what changed.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ApiServerTest
class OperatorAppTest {

    @Inject
    KubernetesClient client;

    @Inject
    RecordingPreparer preparer;

    @io.quarkus.test.common.http.TestHTTPResource("/q/metrics")
    java.net.URI metricsUri;

    /** One for the class, like the API server: the volumes it provisions for one method are the ones the next one snapshots. */
    private static ClusterStandIns cluster;

    @BeforeEach
    void standIns() {
        if (cluster == null) {
            cluster = StandIns.start(client);
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @Test
    @Order(1)
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

    @Test
    @Order(2)
    void aRefreshRunAndDeletingTheClonesShowInTheCustomMetrics() {
        if (client.persistentVolumeClaims().inNamespace("default").withName("data-orders-0").get() == null) {
            client.load(getClass().getResourceAsStream("/app/source-pvc.yaml")).inNamespace("default").create();
        }
        String before = scrape();
        double success = value(before, "pgclone_refresh_total{result=\"success\"}");
        double failure = value(before, "pgclone_refresh_total{result=\"failure\"}");
        double readyObservations = value(before, "pgclone_clone_ready_seconds_count");
        double snapshotObservations = value(before, "pgclone_snapshot_ready_seconds_count");

        // a schedule whose cron will not fire; the refresh-now annotation asks for a run at once
        client.load(getClass().getResourceAsStream("/app/schedule.yaml")).inNamespace("default").create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            RefreshSchedule schedule = client.resources(RefreshSchedule.class).inNamespace("default").withName("orders-metrics").get();
            assertThat(schedule.getStatus()).isNotNull();
            assertThat(schedule.getStatus().getActiveClone()).isNotNull();
            assertThat(schedule.getStatus().condition("Ready")).hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue());
        });
        String afterRun = scrape();
        assertThat(value(afterRun, "pgclone_refresh_total{result=\"success\"}")).as("refreshes that ended serving").isEqualTo(success + 1);
        assertThat(value(afterRun, "pgclone_refresh_total{result=\"failure\"}")).as("failed refreshes").isEqualTo(failure);
        assertThat(value(afterRun, "pgclone_clone_ready_seconds_count")).as("clones timed to Ready").isEqualTo(readyObservations + 1);
        assertThat(value(afterRun, "pgclone_snapshot_ready_seconds_count")).as("snapshots timed to ready").isEqualTo(snapshotObservations + 1);
        long readyNow = client.resources(DatabaseClone.class).inNamespace("default").list().getItems().stream()
                .filter(c -> c.getStatus() != null && "Ready".equals(c.getStatus().getPhase())).count();
        assertThat(readyNow).as("Ready clones in the API server").isPositive();
        assertThat(value(afterRun, "pgclone_clones{phase=\"Ready\"}")).as("pgclone_clones{phase=Ready}").isEqualTo(readyNow);

        // deleting the schedule takes its clone; every other clone is deleted too: none is left Ready
        client.resources(RefreshSchedule.class).inNamespace("default").withName("orders-metrics").delete();
        client.resources(DatabaseClone.class).inNamespace("default").delete();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(client.resources(DatabaseClone.class).inNamespace("default").list().getItems()).isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String afterDelete = scrape();
            for (String phase : new String[] {"Pending", "Snapshotting", "Restoring", "Starting", "Preparing", "Ready", "Failed"}) {
                assertThat(afterDelete).contains("pgclone_clones{phase=\"" + phase + "\"} 0.0");
            }
            assertThat(value(afterDelete, "pgclone_refresh_total{result=\"success\"}")).as("a counter, not a gauge").isEqualTo(success + 1);
        });
    }

    /** The value of the one sample whose name and labels are exactly {@code series} (labels optional for unlabelled series). */
    private static double value(String metrics, String series) {
        java.util.List<Double> values = metrics.lines()
                .filter(l -> l.startsWith(series + " ") || (!series.contains("{") && l.startsWith(series + "{")))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .toList();
        assertThat(values).as("samples of %s in /q/metrics", series).hasSize(1);
        return values.get(0);
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
