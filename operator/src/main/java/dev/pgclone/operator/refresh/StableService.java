package dev.pgclone.operator.refresh;

import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
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
        if (activeClone == null) {
            claimable(ctx);
            return;
        }
        Service desired = ScheduleResources.service(ctx.schedule(), activeClone);
        Optional<Service> existing = ctx.owned(Service.class, Names.scheduleService(ctx.schedule()));
        if (existing.isEmpty()) {
            existing = Optional.of(ctx.create(desired));
        }
        Service current = existing.get();
        if (!Objects.equals(current.getSpec().getSelector(), desired.getSpec().getSelector())
                || !Objects.equals(current.getSpec().getType(), desired.getSpec().getType())) {
            // an update of the very object read (its resourceVersion), never of whatever has the name by now
            Service updated = new io.fabric8.kubernetes.api.model.ServiceBuilder(current).build();
            updated.getSpec().setSelector(desired.getSpec().getSelector());
            updated.getSpec().setType(desired.getSpec().getType());
            updated.getSpec().setPorts(desired.getSpec().getPorts());
            ctx.client().resource(updated).update();
        }
    }

    /**
     * Before the first clone serves there is no Service yet; its name must still be free (or ours),
     * or no run would ever be able to serve: somebody else's Service there is a NameConflict now,
     * before a clone is made for nothing.
     */
    private static void claimable(ScheduleContext ctx) {
        Service existing = ctx.client().services().inNamespace(ctx.namespace()).withName(Names.scheduleService(ctx.schedule())).get();
        if (existing != null && !ctx.ours(existing)) {
            throw new Ownership.NameConflict(existing);
        }
    }
}
