package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;

/** The names of everything a clone owns; call sites never concatenate names themselves. */
public final class Names {

    private Names() {}

    public static String snapshot(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String volume(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String pod(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String service(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String bootstrapConfigMap(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-bootstrap";
    }

    public static String superuserSecret(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-superuser";
    }

    public static String roleSecret(DatabaseClone clone, String role) {
        return clone.getMetadata().getName() + "-" + role;
    }

    /** In-cluster DNS name of the clone's Service. */
    public static String serviceHost(DatabaseClone clone) {
        return service(clone) + "." + clone.getMetadata().getNamespace() + ".svc";
    }
}
