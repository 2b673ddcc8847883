package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one step of a migration did: a statement (SQL path) or a session of the team's own tool
 * (Job path).
 *
 * @param number      1-based, in the order the steps started
 * @param script      the script the statement came from (ConfigMap key or {@code inline}); for a session, its application_name
 * @param line        line in that script where the statement starts (0 for a session)
 * @param sql         the statement as written; for a session, the last query seen in pg_stat_activity; at most 2,000 characters
 * @param pid         the backend that ran it
 * @param started     when it started
 * @param duration    how long it ran (statement: measured by the client; session: from first to last sample)
 * @param walBytes    WAL the whole clone generated while it ran ({@code pg_current_wal_insert_lsn} difference):
 *                    the workload's writes are included, which a read-only workload keeps small
 * @param locks       relation locks first seen during this step (a lock taken in a transaction stays held until
 *                    its COMMIT, so its hold can outlast the statement that took it)
 * @param blocked     sessions that waited behind this step's backend while it ran or held its locks
 * @param rewrites    relations whose data file this step replaced
 * @param sqlState    SQLSTATE of the error that ended it, or null
 * @param error       the server's one-line message, or null
 */
public record StepEvidence(int number, String script, int line, String sql, int pid, Instant started, Duration duration,
                           long walBytes, List<LockHold> locks, List<LockWait> blocked, List<TableRewrite> rewrites,
                           String sqlState, String error) {

    public StepEvidence {
        locks = List.copyOf(locks);
        blocked = List.copyOf(blocked);
        rewrites = List.copyOf(rewrites);
    }

    public boolean failed() {
        return sqlState != null || error != null;
    }
}
