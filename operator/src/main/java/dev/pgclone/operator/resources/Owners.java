package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Metadata of owned objects: owner reference to the clone, so Kubernetes deletes them with it. */
public final class Owners {

    private Owners() {}

    public static OwnerReference ownerReference(DatabaseClone clone) {
        return new OwnerReferenceBuilder()
                .withApiVersion(clone.getApiVersion())
                .withKind(clone.getKind())
                .withName(clone.getMetadata().getName())
                .withUid(clone.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    public static ObjectMeta owned(DatabaseClone clone, String name, String component) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(clone.getMetadata().getNamespace())
                .withLabels(Labels.forClone(clone, component))
                .withOwnerReferences(ownerReference(clone))
                .build();
    }
}
