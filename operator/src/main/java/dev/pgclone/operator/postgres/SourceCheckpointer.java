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

    /**
     * Runs {@code window} inside an online backup on the source: {@code pg_backup_start} with a fast
     * checkpoint (a restartpoint on a standby), the window (the snapshot of the data volume is cut
     * there), {@code pg_backup_stop}, whose backup label the result carries. One session holds the
     * backup; if the window fails or the session ends, the source aborts the backup by itself.
     * Blocks for at most about {@code timeout} plus the window. Expected failures come back as a
     * failed result, never as an exception; the window's exception ends in one too.
     */
    default BackupResult backup(SourceConnection source, Duration timeout, BackupWindow window) {
        return backup(source, timeout, null, window);
    }

    /**
     * The same, after checking that the session's server is at {@code serverAddress} (the instance
     * whose volumes are snapshotted, whatever Service the connection went through); null: no check.
     * A backup on another server would pair its label with volumes it does not describe.
     */
    BackupResult backup(SourceConnection source, Duration timeout, String serverAddress, BackupWindow window);

    /** What happens between the start and the stop of the backup. */
    @FunctionalInterface
    interface BackupWindow {
        /** @return one line on what was done (for the result's message) */
        String run() throws Exception;
    }
}
