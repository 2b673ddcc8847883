package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;

/**
 * Metadata of owned objects: a controller owner reference to the operator's resource that made them
 * (a DatabaseClone, a RefreshSchedule, a MigrationRehearsal), so Kubernetes deletes them with it.
 */
public final class Owners {

    private Owners() {}

    public static OwnerReference ownerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** An object of the owner's namespace, controlled by it, with these labels. */
    public static ObjectMeta owned(HasMetadata owner, String name, Map<String, String> labels) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(ownerReference(owner))
                .build();
    }

    public static ObjectMeta owned(DatabaseClone clone, String name, String component) {
        return owned(clone, name, Labels.forClone(clone, component));
    }
}
