package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus;
import dev.pgclone.operator.api.v1alpha1.CredentialsSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The clone as the workflow acts on it: the user's spec with what it leaves to others filled in,
 * first from a granted CloneSource, then from {@link Defaults}. Defaults are applied here rather
 * than only by the API server so that a CloneSource's can come between the clone's own values and
 * the built-in ones, and so that the builders in {@code resources/} never decide one themselves:
 * they are handed this and read values. The result lives only in memory for one reconcile;
 * nothing of it (the checkpoint Secret's name above all) is written to the clone's namespace.
 */
public final class EffectiveClone {

    private EffectiveClone() {}

    /**
     * A copy of the clone with every default filled in; the clone itself is not changed.
     *
     * @param clone  a clone whose spec passed {@link SpecValidator#problems}
     * @param source the granted CloneSource, or null when the clone names a PVC or snapshot itself.
     *               Its location is the clone's source, the server settings it sets are binding
     *               (the grant has refused a clone that sets them differently), and isolation is
     *               strict (SpecValidator has refused none).
     * @throws IllegalArgumentException for a clone without spec (or without spec.source, with a CloneSource)
     */
    public static DatabaseClone of(DatabaseClone clone, CloneSource source) {
        return of(clone, source, null);
    }

    /**
     * @param cloudNativePG for spec.source.cloudNativePG: the instance found (or recorded). Its volumes
     *                      and directories become the source; its image and uid fill what the clone
     *                      leaves unset, its superuser Secret the connection for the CHECKPOINT or backup.
     */
    static DatabaseClone of(DatabaseClone clone, CloneSource source, CloudNativePGSources.Found cloudNativePG) {
        return cloudNativePG == null ? of(clone, source, null, null) : of(clone, source, cloudNativePG.used(), cloudNativePG.backupLabel());
    }

    /**
     * @param cloudNativePG for spec.source.cloudNativePG or cloudNativePGBackup: what status.cloudNativePG
     *                      records (or is about to). A Cluster's instance volumes become the source, to
     *                      be snapshotted; a Backup's snapshots are given snapshots, restored as they are.
     * @param backupLabel   for a Backup taken online: its backup_label; null otherwise
     */
    public static DatabaseClone of(DatabaseClone clone, CloneSource source, CloudNativePGStatus cloudNativePG, String backupLabel) {
        if (clone == null || clone.getSpec() == null) {
            throw new IllegalArgumentException("a DatabaseClone without spec has no effective form: validate it first");
        }
        DatabaseClone effective = Serialization.unmarshal(Serialization.asJson(clone), DatabaseClone.class);
        DatabaseCloneSpec spec = effective.getSpec();
        if (spec.getPostgres() == null) {
            spec.setPostgres(new PostgresSpec());
        }
        if (source != null) {
            fromCloneSource(spec, source);
        }
        if (cloudNativePG != null && cloudNativePG.getBackup() != null) {
            fromCloudNativePGBackup(spec, cloudNativePG, backupLabel);
        } else if (cloudNativePG != null) {
            fromCloudNativePG(spec, cloudNativePG);
        }
        if (spec.getSource() != null && !blank(spec.getSource().getWalPvcName()) && blank(spec.getSource().getWalDirectory())) {
            spec.getSource().setWalDirectory(Defaults.WAL_DIRECTORY);
        }
        PostgresSpec pg = spec.getPostgres();
        if (pg.getRunAsUser() == null) {
            pg.setRunAsUser(Defaults.RUN_AS_USER);
        }
        if (blank(pg.getSuperuser())) {
            pg.setSuperuser(Defaults.SUPERUSER);
        }
        if (spec.getIsolation() == null) {
            spec.setIsolation(Defaults.ISOLATION);
        }
        if (spec.getService() == null) {
            spec.setService(new ServiceSpec());
        }
        if (spec.getService().getType() == null) {
            spec.getService().setType(Defaults.SERVICE_TYPE);
        }
        if (spec.getCredentials() == null) {
            spec.setCredentials(new CredentialsSpec());
        }
        if (blank(spec.getCredentials().getDatabase())) {
            spec.getCredentials().setDatabase(Defaults.DATABASE);
        }
        if (spec.getPostClone() != null && spec.getPostClone().getTimeout() == null) {
            spec.getPostClone().setTimeout(Defaults.POST_CLONE_TIMEOUT_TEXT);
        }
        return effective;
    }

    private static void fromCloneSource(DatabaseCloneSpec spec, CloneSource source) {
        if (spec.getSource() == null || source.getSpec() == null) {
            throw new IllegalArgumentException("a clone of a CloneSource needs spec.source.cloneSource, and the CloneSource a spec");
        }
        var from = source.getSpec();
        var target = spec.getSource();
        target.setPvcName(from.getPvcName());
        target.setNamespace(source.getMetadata().getNamespace());
        target.setDataDirectory(from.getDataDirectory());
        target.setVolumeSnapshotClassName(from.getVolumeSnapshotClassName());
        target.setCheckpoint(from.getCheckpoint());
        var fixed = from.getPostgres();
        if (fixed != null) {
            PostgresSpec pg = spec.getPostgres();
            pg.setImage(!blank(fixed.getImage()) ? fixed.getImage() : pg.getImage());
            pg.setRunAsUser(fixed.getRunAsUser() != null ? fixed.getRunAsUser() : pg.getRunAsUser());
            pg.setSuperuser(!blank(fixed.getSuperuser()) ? fixed.getSuperuser() : pg.getSuperuser());
        }
        // production's owners' data never reaches the systems their jobs and foreign servers point at
        spec.setIsolation(Defaults.ISOLATION);
    }

    private static void fromCloudNativePG(DatabaseCloneSpec spec, CloudNativePGStatus used) {
        var target = spec.getSource();
        target.setPvcName(used.getData());
        target.setDataDirectory(Defaults.CLOUDNATIVEPG_DATA_DIRECTORY);
        target.setWalPvcName(used.getWal());
        if (used.getSuperuserSecret() != null && target.getCheckpoint() == null) {
            var checkpoint = new dev.pgclone.operator.api.v1alpha1.CheckpointSpec();
            checkpoint.setSecretName(used.getSuperuserSecret());
            target.setCheckpoint(checkpoint);
        }
        imageAndUid(spec.getPostgres(), used);
    }

    /**
     * The Backup's data snapshot is the given snapshot the clone restores (the path of
     * spec.source.snapshotName, with its provenance check); its WAL snapshot and label go where only
     * the operator reads them, outside the API ({@link dev.pgclone.operator.api.v1alpha1.SourceSpec#getWalSnapshotName}).
     * Nothing is snapshotted, so no CHECKPOINT runs.
     */
    private static void fromCloudNativePGBackup(DatabaseCloneSpec spec, CloudNativePGStatus used, String backupLabel) {
        var target = spec.getSource();
        target.setSnapshotName(used.getData());
        target.setDataDirectory(Defaults.CLOUDNATIVEPG_DATA_DIRECTORY);
        target.setCheckpoint(null);
        if (used.getWal() != null) {
            target.setWalSnapshotName(used.getWal());
            target.setWalDirectory(Defaults.WAL_DIRECTORY);
        }
        target.setBackupLabel(backupLabel);
        imageAndUid(spec.getPostgres(), used);
    }

    /** What the user set wins: a Cluster's image or uid only fill what the clone leaves unset. */
    private static void imageAndUid(PostgresSpec pg, CloudNativePGStatus used) {
        pg.setImage(blank(pg.getImage()) ? used.getImage() : pg.getImage());
        pg.setRunAsUser(pg.getRunAsUser() == null ? used.getRunAsUser() : pg.getRunAsUser());
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
