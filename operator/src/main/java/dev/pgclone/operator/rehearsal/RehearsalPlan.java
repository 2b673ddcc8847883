package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.MigrationSpec.JobMigrationSpec;
import dev.pgclone.operator.postgres.rehearsal.Validation;
import dev.pgclone.operator.postgres.rehearsal.WorkloadQuery;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated rehearsal spec with every default applied: what the run does.
 *
 * @param database           where the migration, workload and checks run
 * @param inlineSql          migration.sql.inline, or null
 * @param scriptsConfigMap   migration.sql.configMapName, or null
 * @param job                migration.job, or null (then the SQL path)
 * @param migrationTimeout   the migration is cancelled after this long
 * @param lockTimeout        lock_timeout of the migration session (SQL path), or null
 * @param baseline           how long the workload runs before the migration (zero without a workload)
 * @param workload           the workload's queries (the pgbench script is one more entry, see pgbenchScript)
 * @param pgbenchScript      a pgbench custom script, or null
 * @param pgbenchRate        its runs per second over all clients
 * @param pgbenchClients     its sessions
 * @param workloadLockTimeout      lock_timeout of the workload sessions, or null
 * @param workloadStatementTimeout statement_timeout of the workload sessions, or null
 * @param validations        queries run after the migration
 * @param explain            name to query, compared before and after
 * @param limits             what the migration may do
 * @param keepClone          how long the clone stays after the rehearsal, or null (deleted at once)
 */
public record RehearsalPlan(String database, String inlineSql, String scriptsConfigMap, JobMigrationSpec job, Duration migrationTimeout,
                            Duration lockTimeout, Duration baseline, List<WorkloadQuery> workload, String pgbenchScript, double pgbenchRate,
                            int pgbenchClients, Duration workloadLockTimeout, Duration workloadStatementTimeout, List<Validation> validations,
                            Map<String, String> explain, Limits limits, Duration keepClone) {

    public boolean jobPath() {
        return job != null;
    }

    public boolean hasWorkload() {
        return !workload.isEmpty() || pgbenchScript != null;
    }
}
