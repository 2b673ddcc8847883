package dev.pgclone.operator.spec;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The server settings a clone of a CloneSource may set. A setting is a tool against the masking
 * when it changes what the server does with the rows or the statements rather than how fast it
 * does it: {@code session_replication_role=replica} silences the triggers masking may rely on,
 * {@code log_statement=all} writes every statement of the masking session to the Pod's log,
 * {@code shared_preload_libraries} loads code into the server that holds the unmasked copy, and WAL
 * or vacuum settings keep old row versions around. So the built-in list is the other way round:
 * only settings that size memory and parallelism or steer the planner, which a consumer
 * legitimately tunes for a test workload and which cannot see or move a row. A CloneSource
 * replaces the list with its own {@code spec.postgres.allowedParameters}.
 *
 * <p>Clones that name a PVC or snapshot of their own namespace are not limited: whoever may create
 * them may as well run their own server on that volume.
 */
public final class ParameterAllowList {

    /** Setting names: lowercase identifiers, with a dot for extension settings (pg_stat_statements.max). */
    private static final Pattern SETTING_NAME = Pattern.compile("^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?$");

    static final Set<String> BUILT_IN = Set.of(
            // memory and connections
            "shared_buffers", "work_mem", "maintenance_work_mem", "autovacuum_work_mem", "hash_mem_multiplier", "temp_buffers",
            "effective_cache_size", "huge_pages", "max_connections", "max_locks_per_transaction",
            // parallelism
            "max_worker_processes", "max_parallel_workers", "max_parallel_workers_per_gather", "max_parallel_maintenance_workers",
            "min_parallel_table_scan_size", "min_parallel_index_scan_size", "parallel_setup_cost", "parallel_tuple_cost",
            // planner costs and limits
            "random_page_cost", "seq_page_cost", "cpu_tuple_cost", "cpu_index_tuple_cost", "cpu_operator_cost",
            "effective_io_concurrency", "maintenance_io_concurrency", "default_statistics_target", "from_collapse_limit",
            "join_collapse_limit", "geqo", "geqo_threshold", "plan_cache_mode", "constraint_exclusion", "cursor_tuple_fraction",
            "jit", "jit_above_cost", "jit_inline_above_cost", "jit_optimize_above_cost",
            // planner methods
            "enable_async_append", "enable_bitmapscan", "enable_gathermerge", "enable_hashagg", "enable_hashjoin",
            "enable_incremental_sort", "enable_indexonlyscan", "enable_indexscan", "enable_material", "enable_memoize",
            "enable_mergejoin", "enable_nestloop", "enable_parallel_append", "enable_parallel_hash", "enable_partition_pruning",
            "enable_partitionwise_aggregate", "enable_partitionwise_join", "enable_presorted_aggregate", "enable_seqscan",
            "enable_sort", "enable_tidscan");

    private ParameterAllowList() {}

    /** The clone's settings the CloneSource does not allow, sorted; empty when all are allowed. */
    public static List<String> refused(Map<String, String> parameters, CloneSource source) {
        if (parameters == null || parameters.isEmpty()) {
            return List.of();
        }
        Set<String> allowed = allowed(source);
        // PostgreSQL matches names case-insensitively; the spec validator already insists on lowercase, this does not rely on it
        return parameters.keySet().stream().filter(k -> k == null || !allowed.contains(k.strip().toLowerCase(Locale.ROOT)))
                .map(String::valueOf).sorted().toList();
    }

    /** What a clone of this source that sets {@code refused} is told to do about it. */
    public static String message(List<String> refused, CloneSource source) {
        String ref = source.getMetadata().getNamespace() + "/" + source.getMetadata().getName();
        boolean own = source.getSpec().getPostgres() != null && source.getSpec().getPostgres().getAllowedParameters() != null;
        List<String> list = own ? source.getSpec().getPostgres().getAllowedParameters() : List.of();
        String allowed = !own ? "the operator's built-in sizing and planner settings (e.g. work_mem, maintenance_work_mem, shared_buffers,"
                + " effective_cache_size, max_connections, random_page_cost, max_parallel_workers_per_gather, enable_*)"
                : list.isEmpty() ? "no settings" : String.join(", ", list.stream().sorted().toList());
        return "spec.postgres.parameters " + String.join(", ", refused) + (refused.size() == 1 ? " is" : " are")
                + " not allowed for clones of CloneSource " + ref + ", which allows " + allowed
                + ": remove " + (refused.size() == 1 ? "it" : "them") + ", or ask the owners of namespace "
                + source.getMetadata().getNamespace() + " to add " + (refused.size() == 1 ? "it" : "them")
                + " to the CloneSource's spec.postgres.allowedParameters";
    }

    /** Problems of a CloneSource's own list, for its validator. */
    public static List<String> problems(List<String> allowedParameters) {
        if (allowedParameters == null) {
            return List.of();
        }
        return allowedParameters.stream().filter(p -> p == null || !SETTING_NAME.matcher(p).matches())
                .map(p -> "spec.postgres.allowedParameters: \"" + p + "\" is not a PostgreSQL setting name: use the lowercase name, e.g. work_mem")
                .toList();
    }

    private static Set<String> allowed(CloneSource source) {
        var pg = source.getSpec().getPostgres();
        return pg == null || pg.getAllowedParameters() == null ? BUILT_IN : Set.copyOf(pg.getAllowedParameters());
    }
}
