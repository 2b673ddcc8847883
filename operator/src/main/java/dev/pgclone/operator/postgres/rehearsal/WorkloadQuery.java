package dev.pgclone.operator.postgres.rehearsal;

/**
 * One of the application's queries, run against the clone while the migration runs.
 *
 * @param name          what reports call it (unique in a rehearsal)
 * @param sql           one statement; pgbench-style variables ({@code :id}) are filled in from {@code \set} lines
 *                      of a pgbench script, otherwise the statement runs as written
 * @param ratePerSecond target executions per second over all its sessions (0: as fast as they can)
 * @param concurrency   sessions running it at once (at least 1)
 */
public record WorkloadQuery(String name, String sql, double ratePerSecond, int concurrency) {}
