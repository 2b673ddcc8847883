package dev.pgclone.e2e.k3s;

import dev.pgclone.e2e.CloneScenarios;
import dev.pgclone.e2e.ScenarioCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The end-to-end scenarios of {@link CloneScenarios} on a real Kubernetes (K3s in Docker, through
 * Testcontainers), with the upstream snapshot controller and CSI hostpath driver and the operator
 * installed in-cluster. {@code make e2e-k3s}; where Docker is absent JUnit reports the class as
 * skipped ("Docker is not available"), so {@code make test} never depends on it.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sScenariosIT extends CloneScenarios {

    private K3sScenarioCluster cluster;

    @BeforeAll
    void start() throws Exception {
        cluster = K3sScenarioCluster.start(Path.of(System.getProperty("pgclone.repo.dir", "..")).toAbsolutePath().normalize());
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected ScenarioCluster cluster() {
        return cluster;
    }
}
