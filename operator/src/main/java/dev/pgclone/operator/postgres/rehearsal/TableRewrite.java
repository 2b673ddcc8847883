package dev.pgclone.operator.postgres.rehearsal;

/**
 * A table (or index, or materialized view) whose data file was replaced: its
 * {@code pg_class.relfilenode} changed, as it does when ALTER TABLE, VACUUM FULL, CLUSTER or
 * REINDEX rewrites it. Sizes are {@code pg_total_relation_size} for tables, {@code pg_relation_size} otherwise.
 */
public record TableRewrite(String relation, String kind, long bytesBefore, long bytesAfter) {}
