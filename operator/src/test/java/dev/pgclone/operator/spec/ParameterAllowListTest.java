package dev.pgclone.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterAllowListTest {

    @Test
    void sizingAndPlannerSettingsAreAllowedByDefault() {
        CloneSource source = source(null);
        assertThat(ParameterAllowList.refused(Map.of("work_mem", "64MB", "shared_buffers", "1GB", "random_page_cost", "1.1",
                "max_parallel_workers_per_gather", "4", "enable_seqscan", "off", "max_connections", "50"), source)).isEmpty();
        assertThat(ParameterAllowList.refused(null, source)).isEmpty();
    }

    @Test
    void settingsThatCouldUndoOrLeakTheMaskingAreRefusedByDefault() {
        CloneSource source = source(null);
        for (String name : List.of("session_replication_role", "log_statement", "log_min_duration_statement", "shared_preload_libraries",
                "session_preload_libraries", "local_preload_libraries", "ssl_cert_file", "archive_command", "primary_conninfo",
                "wal_keep_size", "autovacuum", "fsync", "default_transaction_read_only", "pgaudit.log", "password_encryption")) {
            assertThat(ParameterAllowList.refused(Map.of(name, "x"), source)).as(name).containsExactly(name);
        }
        assertThat(ParameterAllowList.refused(Map.of("Log_Statement", "all"), source)).as("names are case-insensitive in PostgreSQL")
                .containsExactly("Log_Statement");
    }

    @Test
    void aCloneSourceReplacesTheBuiltInList() {
        CloneSource source = source(List.of("log_min_duration_statement", "work_mem"));
        assertThat(ParameterAllowList.refused(Map.of("log_min_duration_statement", "1s", "work_mem", "8MB"), source)).isEmpty();
        assertThat(ParameterAllowList.refused(Map.of("shared_buffers", "1GB", "max_connections", "10"), source))
                .as("not in its list, though built in").containsExactly("max_connections", "shared_buffers");
        assertThat(ParameterAllowList.refused(Map.of("work_mem", "8MB"), source(List.of()))).containsExactly("work_mem");
    }

    @Test
    void theMessageNamesTheSettingsAndWhoCanAllowThem() {
        String message = ParameterAllowList.message(List.of("log_statement", "session_replication_role"), source(null));
        assertThat(message).isEqualTo("spec.postgres.parameters log_statement, session_replication_role are not allowed for clones of"
                + " CloneSource prod/orders, which allows the operator's built-in sizing and planner settings (e.g. work_mem,"
                + " maintenance_work_mem, shared_buffers, effective_cache_size, max_connections, random_page_cost,"
                + " max_parallel_workers_per_gather, enable_*): remove them, or ask the owners of namespace prod to add them to the"
                + " CloneSource's spec.postgres.allowedParameters");
        assertThat(ParameterAllowList.message(List.of("fsync"), source(List.of("work_mem", "jit"))))
                .contains("fsync is not allowed").contains("which allows jit, work_mem: remove it");
    }

    @Test
    void aCloneSourceListHoldsSettingNames() {
        assertThat(ParameterAllowList.problems(List.of("work_mem", "pg_stat_statements.max"))).isEmpty();
        assertThat(ParameterAllowList.problems(List.of("Work_Mem", "work mem"))).containsExactly(
                "spec.postgres.allowedParameters: \"Work_Mem\" is not a PostgreSQL setting name: use the lowercase name, e.g. work_mem",
                "spec.postgres.allowedParameters: \"work mem\" is not a PostgreSQL setting name: use the lowercase name, e.g. work_mem");
    }

    private static CloneSource source(List<String> allowed) {
        CloneSource source = new CloneSource();
        source.setMetadata(new ObjectMetaBuilder().withName("orders").withNamespace("prod").build());
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        SourcePostgresDefaults pg = new SourcePostgresDefaults();
        pg.setImage("postgres:16");
        pg.setAllowedParameters(allowed);
        spec.setPostgres(pg);
        source.setSpec(spec);
        return source;
    }
}
