package dev.pgclone.operator.cnpg;

/**
 * A completed CloudNativePG volume-snapshot Backup, ready to be restored.
 *
 * @param instance the instance it was taken of (status.instanceID.podName); null when not reported
 * @param dataSnapshot the VolumeSnapshot of the PG_DATA PVC
 * @param walSnapshot the VolumeSnapshot of the PG_WAL PVC; null when the Cluster had no WAL volume
 * @param online whether it was an online (hot) backup, which needs its backup_label to start
 * @param backupLabel the backup_label file's text, to write into dataDirectory before starting; null for an offline backup
 * @param dataDirectory PGDATA, relative to the root of the data volume
 * @param walDirectory pg_wal, relative to the root of the WAL volume; null without walSnapshot
 */
public record ResolvedBackup(String backup, String cluster, String instance, String dataSnapshot, String walSnapshot, boolean online,
        String backupLabel, String image, int major, long runAsUser, String dataDirectory, String walDirectory) {}
