package dev.pgclone.operator.cnpg;

/**
 * One instance of a CloudNativePG Cluster, ready to be snapshotted.
 *
 * @param primary whether it is the primary (status.currentPrimary)
 * @param dataPvc the instance's PG_DATA PVC
 * @param walPvc its PG_WAL PVC; null when the Cluster has no spec.walStorage (WAL is then in dataDirectory/pg_wal)
 * @param dataDirectory PGDATA, relative to the root of the data volume
 * @param walDirectory pg_wal, relative to the root of the WAL volume; null without walPvc
 * @param runAsUser the uid owning the files (spec.postgresUID)
 * @param image the PostgreSQL image to run the data with
 * @param superuserSecret the Secret with the superuser's password; null when superuser access is disabled
 * @param secretOfCluster the superuser Secret is controlled by this very Cluster (CloudNativePG made it): only then may
 *                        its credentials go to the instance Pod's IP rather than to the host the Secret names
 * @param podIp the instance Pod's IP
 * @param note what the caller might not expect (a fallback, a skipped step), for an event or a message; null when none
 */
public record ResolvedInstance(String cluster, String instance, boolean primary, String dataPvc, String walPvc, String dataDirectory,
        String walDirectory, long runAsUser, String image, int major, String superuserSecret, boolean secretOfCluster, String podIp,
        String note) {}
