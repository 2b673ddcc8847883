package dev.pgclone.operator.postgres.rehearsal;

/**
 * {@code EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)} of a named query, run in a transaction that is
 * rolled back (so a data-changing query changes nothing).
 *
 * @param shape       the plan's node types as an indented tree with relation and index names, no costs or
 *                      timings: two plans have the same shape when these strings are equal
 * @param executionMs the plan's Execution Time
 * @param planJson    the JSON plan as PostgreSQL printed it
 * @param error       SQLSTATE and message when EXPLAIN failed, else null
 */
public record PlanCapture(String shape, double executionMs, long sharedBuffersHit, long sharedBuffersRead,
                          String planJson, String error) {}
