package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.postgres.Jdbc;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the workload refuses before it opens a connection. */
class WorkloadBuilderTest {

    // nothing listens here: every case fails before connecting
    private static final Jdbc.Target NOWHERE = new Jdbc.Target("127.0.0.1", 1, "postgres", "postgres", "x", "disable");

    @Test
    void refusesQueriesItCouldNotRunAsAsked() {
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery("a", "SELECT 1", 1, 0)))
                .hasMessage("workload query a: concurrency 0 is below 1");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery("a", "SELECT 1", -1, 1)))
                .hasMessageContaining("rate -1.0 is not a number of executions per second");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery("a", "SELECT 1", Double.NaN, 1)))
                .hasMessageContaining("rate NaN");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery(" ", "SELECT 1", 1, 1)))
                .hasMessage("a workload query needs a name");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery("a", "SELECT 1", 1, 1))
                .script(PgbenchScript.parse("a", "SELECT 2;"), 1, 1))
                .hasMessage("two workload queries are named a");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).start()).hasMessage("a workload needs at least one query");
        assertThatThrownBy(() -> Workload.builder(NOWHERE).query(new WorkloadQuery("a", "SELECT 1", 1, 1))
                .lateAfter(Duration.ofSeconds(2)).skipAfter(Duration.ofSeconds(1)).start())
                .hasMessageContaining("skipAfter PT1S is shorter than lateAfter PT2S");
    }

    @Test
    void sessionsAreNamedAfterTheirQuery() {
        assertThat(Workload.applicationName("orders by customer")).isEqualTo("pgclone-rehearsal/workload/orders by customer");
        assertThat(Workload.queryOf(Workload.applicationName("orders by customer"))).isEqualTo("orders by customer");
        assertThat(Workload.queryOf("pgclone-rehearsal/migration")).isNull();
        assertThat(Workload.queryOf(null)).isNull();
        // the longest name the server keeps whole: 63 bytes in all
        assertThat(Workload.applicationName("x".repeat(36))).hasSize(63);
    }
}
