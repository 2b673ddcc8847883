package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The clone as the workflow acts on it: the user's spec with what it leaves to others filled in.
 * Defaults are applied here rather than by the API server so that a CloneSource's can come between
 * the clone's own values and the built-in ones. The result lives only in memory for one reconcile;
 * nothing of it (the checkpoint Secret's name above all) is written to the clone's namespace.
 */
final class EffectiveClone {

    static final long DEFAULT_RUN_AS_USER = 999L;
    static final String DEFAULT_SUPERUSER = "postgres";

    private EffectiveClone() {}

    /** @param source the granted CloneSource, or null when the clone names a PVC or snapshot itself */
    static DatabaseClone of(DatabaseClone clone, CloneSource source) {
        DatabaseClone effective = Serialization.unmarshal(Serialization.asJson(clone), DatabaseClone.class);
        var spec = effective.getSpec();
        if (spec.getPostgres() == null) {
            spec.setPostgres(new PostgresSpec());
        }
        PostgresSpec pg = spec.getPostgres();
        if (source != null) {
            var from = source.getSpec();
            var target = spec.getSource();
            target.setPvcName(from.getPvcName());
            target.setNamespace(source.getMetadata().getNamespace());
            target.setDataDirectory(from.getDataDirectory());
            target.setVolumeSnapshotClassName(from.getVolumeSnapshotClassName());
            target.setCheckpoint(from.getCheckpoint());
            if (from.getPostgres() != null) {
                pg.setImage(pg.getImage() != null ? pg.getImage() : from.getPostgres().getImage());
                pg.setRunAsUser(pg.getRunAsUser() != null ? pg.getRunAsUser() : from.getPostgres().getRunAsUser());
                pg.setSuperuser(pg.getSuperuser() != null ? pg.getSuperuser() : from.getPostgres().getSuperuser());
            }
        }
        if (pg.getRunAsUser() == null) {
            pg.setRunAsUser(DEFAULT_RUN_AS_USER);
        }
        if (pg.getSuperuser() == null || pg.getSuperuser().isBlank()) {
            pg.setSuperuser(DEFAULT_SUPERUSER);
        }
        return effective;
    }
}
