package dev.pgclone.operator.postgres;

/**
 * The outcome of {@link SourceCheckpointer#backup}.
 *
 * @param succeeded       pg_backup_stop returned after the snapshot of the data volume was cut
 * @param durationSeconds wall time from connecting to pg_backup_stop, millisecond precision
 * @param message         one line without the password: what happened and, on failure, what to check
 * @param backupLabel     the backup_label text pg_backup_stop returned (null on failure): the clone's
 *                        recovery starts at its checkpoint and must reach the backup's end
 * @param fromStandby     the source was in recovery (a standby): it ran a restartpoint, not a CHECKPOINT
 */
public record BackupResult(boolean succeeded, double durationSeconds, String message, String backupLabel, boolean fromStandby) {

    public static BackupResult failed(double seconds, String message) {
        return new BackupResult(false, seconds, message, null, false);
    }
}
