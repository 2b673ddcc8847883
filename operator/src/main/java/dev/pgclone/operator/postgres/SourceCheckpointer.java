package dev.pgclone.operator.postgres;

import java.time.Duration;

/**
 * Runs {@code CHECKPOINT} on the production source right before its volume is snapshotted, so the
 * clone's crash recovery replays seconds of WAL instead of minutes. A seam like {@link ClonePreparer}:
 * {@link JdbcSourceCheckpointer} is the real one.
 */
public interface SourceCheckpointer {

    /**
     * Blocks for at most about {@code timeout} (the login part is rounded up to whole seconds).
     * Expected failures (unreachable, refused login, no permission, too slow) come back as a failed
     * result, never as an exception.
     */
    CheckpointResult checkpoint(SourceConnection source, Duration timeout);
}
