package dev.pgclone.operator.clone;

import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The ConfigMap with the bootstrap script, its files and parameters; kept equal to what the spec derives. */
final class BootstrapConfigStep implements CloneStep {

    private final Map<String, String> files;

    BootstrapConfigStep(Map<String, String> files) {
        this.files = Map.copyOf(files);
    }

    @Override
    public String name() {
        return "bootstrap-config";
    }

    @Override
    public String condition() {
        return null;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        Optional<ConfigMap> existing = ctx.owned(ConfigMap.class, Names.bootstrapConfigMap(ctx.clone()));
        ConfigMap desired = CloneBootstrap.desired(ctx.clone(), files, backupLabel(ctx, existing));
        if (existing.isEmpty()) {
            try {
                ctx.create(desired);
            } catch (Ownership.NameConflict conflict) {
                stopPodOnForeignScript(ctx);
                throw conflict;
            }
        } else if (!Objects.equals(existing.get().getData(), desired.getData())) {
            ConfigMap updated = existing.get();
            updated.setData(desired.getData());
            ctx.client().resource(ctx.ownership().stamp(updated)).update();
        }
        return Outcome.proceed();
    }

    /**
     * A source with a WAL volume: the label of the backup its snapshots were taken in, from the WAL
     * snapshot; once written it stays, also when that snapshot is gone (the Pod may restart later).
     * A CloudNativePG Backup: its label as {@link CloudNativePGSources#decideBackup} found it (and,
     * once this ConfigMap exists, read back from it); none for an offline backup.
     */
    private static String backupLabel(CloneContext ctx, Optional<ConfigMap> existing) {
        if (!SourceBackup.applies(ctx)) {
            return ctx.clone().getSpec().getSource().getBackupLabel();
        }
        String label = SnapshotStep.walSnapshot(ctx).map(CloneSnapshots::backupLabel).orElse(null);
        if (label == null && existing.isPresent() && existing.get().getData() != null) {
            label = existing.get().getData().get(CloneBootstrap.BACKUP_LABEL_KEY);
        }
        return label;
    }

    /**
     * The script under the bootstrap ConfigMap's name is not the operator's (its mark does not
     * match what it says): a container restart of the clone's Pod would run it on the unprepared
     * copy, so the Pod goes. The ConfigMap itself is left as it is.
     */
    private static void stopPodOnForeignScript(CloneContext ctx) {
        ctx.owned(Pod.class, Names.pod(ctx.clone())).filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .ifPresent(p -> ctx.client().resource(p).delete());
    }
}
