package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.Endpoint;
import dev.pgclone.operator.resources.ClonePods;
import dev.pgclone.operator.resources.CloneServices;
import dev.pgclone.operator.resources.Names;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Objects;
import java.util.Optional;

/**
 * The clone's Service. It exists from the start but selects the Pod only once the Pod carries the
 * prepared label, so nobody connects to a copy that is not yet isolated, scrubbed and masked.
 */
final class ServiceStep implements CloneStep {

    @Override
    public String name() {
        return "service";
    }

    @Override
    public String condition() {
        return null;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        Service desired = CloneServices.desired(ctx.clone());
        Optional<Service> existing = ctx.owned(Service.class, Names.service(ctx.clone()));
        if (existing.isEmpty()) {
            ctx.create(desired);
        } else if (!Objects.equals(existing.get().getSpec().getType(), desired.getSpec().getType())
                || !Objects.equals(existing.get().getSpec().getSelector(), desired.getSpec().getSelector())) {
            Service updated = existing.get();
            updated.getSpec().setType(desired.getSpec().getType());
            updated.getSpec().setSelector(desired.getSpec().getSelector());
            updated.getSpec().setPorts(desired.getSpec().getPorts());
            ctx.client().resource(updated).update();
        }
        return Outcome.proceed().learned(new Learned.Served(new Endpoint(Names.serviceHost(ctx.clone()), ClonePods.PORT)));
    }
}
