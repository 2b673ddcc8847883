package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

/** The clone's Service; it selects the Pod only once the Pod is labelled prepared. */
public final class CloneServices {

    private CloneServices() {}

    /** @param clone the effective clone ({@code clone.EffectiveClone}) */
    public static Service desired(DatabaseClone clone) {
        String type = clone.getSpec().getService().getType();
        return new ServiceBuilder()
                .withMetadata(Owners.owned(clone, Names.service(clone), "service"))
                .withNewSpec()
                    .withType(type)
                    .withSelector(Labels.servingSelector(clone))
                    .addNewPort()
                        .withName("postgres")
                        .withProtocol("TCP")
                        .withPort(ClonePods.PORT)
                        .withTargetPort(new IntOrString("postgres"))
                    .endPort()
                .endSpec()
                .build();
    }
}
