package dev.pgclone.operator.clone;

import dev.pgclone.operator.resources.CloneBootstrap;
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
        ConfigMap desired = CloneBootstrap.desired(ctx.clone(), files);
        Optional<ConfigMap> existing = ctx.owned(ConfigMap.class, Names.bootstrapConfigMap(ctx.clone()));
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
     * The script under the bootstrap ConfigMap's name is not the operator's (its mark does not
     * match what it says): a container restart of the clone's Pod would run it on the unprepared
     * copy, so the Pod goes. The ConfigMap itself is left as it is.
     */
    private static void stopPodOnForeignScript(CloneContext ctx) {
        ctx.owned(Pod.class, Names.pod(ctx.clone())).filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .ifPresent(p -> ctx.client().resource(p).delete());
    }
}
