package dev.pgclone.operator.clone;

import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.operator.resources.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.Objects;
import java.util.Optional;

/** The ConfigMap with the bootstrap script and parameters; kept equal to what the spec derives. */
final class BootstrapConfigStep implements CloneStep {

    private final String script;

    BootstrapConfigStep(String script) {
        this.script = script;
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
        ConfigMap desired = CloneBootstrap.desired(ctx.clone(), script);
        Optional<ConfigMap> existing = ctx.owned(ConfigMap.class, Names.bootstrapConfigMap(ctx.clone()));
        if (existing.isEmpty()) {
            ctx.create(desired);
        } else if (!Objects.equals(existing.get().getData(), desired.getData())) {
            ConfigMap updated = existing.get();
            updated.setData(desired.getData());
            ctx.client().resource(updated).update();
        }
        return Outcome.proceed();
    }
}
