/**
 * What a migration rehearsal measures on the clone, over JDBC: the evidence, not the verdict.
 *
 * <p>A rehearsal opens separate sessions on the clone ({@link dev.pgclone.operator.postgres.rehearsal.CloneSessions}),
 * each under its own {@code application_name} so that samples of {@code pg_stat_activity} tell them apart:
 * <ul>
 *   <li>{@code pgclone-rehearsal/monitor}: {@link dev.pgclone.operator.postgres.rehearsal.LockMonitor}
 *       samples {@code pg_locks}, {@code pg_stat_activity} and {@code pg_blocking_pids} every 100 ms
 *       (10 Hz) for the whole run: which session holds which relation lock in which mode, from when
 *       to when, and who waits behind whom;</li>
 *   <li>{@code pgclone-rehearsal/migration}: the SQL path runs the migration's statements one at a
 *       time on this session, as written (a {@code BEGIN ... COMMIT} in the text is a transaction
 *       block; everything else autocommits), and records a {@link StepEvidence} per statement; the
 *       Job path runs the team's own tool, and every session that is not the rehearsal's own is
 *       the migration's, with a {@link StepEvidence} per session;</li>
 *   <li>{@code pgclone-rehearsal/observer}: what cannot be asked on the migration's own session without
 *       changing its transaction (the WAL insert position before and after each statement, the relations'
 *       files and sizes when the migration holds no lock), and the deadline's {@code pg_cancel_backend};</li>
 *   <li>{@code pgclone-rehearsal/workload/<query name>}: the application's queries, at their rates
 *       and concurrency, before the migration (the baseline) and during it
 *       ({@link QueryReport});</li>
 *   <li>{@code pgclone-rehearsal/checks}: validation queries and {@code EXPLAIN (ANALYZE, BUFFERS)}
 *       of named queries before and after ({@link CheckResult}, {@link PlanComparison}).</li>
 * </ul>
 * The rehearsal package turns this evidence into limits, a verdict and a report.
 */
package dev.pgclone.operator.postgres.rehearsal;
