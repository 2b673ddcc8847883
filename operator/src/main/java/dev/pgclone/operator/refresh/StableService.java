package dev.pgclone.operator.refresh;

import dev.pgclone.operator.resources.Names;
import io.fabric8.kubernetes.api.model.Service;
import java.util.Objects;
import java.util.Optional;

/**
 * Service {@code <schedule>}: the address applications keep. Switching a refresh is one selector
 * change on it, from the old clone's prepared Pod to the new one's, so connections to the new data
 * start as soon as it is prepared and nobody edits a connection string.
 */
final class StableService {

    private StableService() {}

    /** Makes the Service exist and select {@code activeClone}; also repairs a Service deleted or edited by hand. */
    static void ensure(ScheduleContext ctx, String activeClone) {
        Service desired = ScheduleResources.service(ctx.schedule(), activeClone);
        Optional<Service> existing = ctx.owned(Service.class, Names.scheduleService(ctx.schedule()));
        if (existing.isEmpty()) {
            existing = Optional.of(ctx.create(desired));
        }
        Service current = existing.get();
        if (!Objects.equals(current.getSpec().getSelector(), desired.getSpec().getSelector())
                || !Objects.equals(current.getSpec().getType(), desired.getSpec().getType())) {
            ctx.client().services().inNamespace(ctx.namespace()).withName(current.getMetadata().getName()).edit(s -> {
                s.getSpec().setSelector(desired.getSpec().getSelector());
                s.getSpec().setType(desired.getSpec().getType());
                s.getSpec().setPorts(desired.getSpec().getPorts());
                return s;
            });
        }
    }
}
