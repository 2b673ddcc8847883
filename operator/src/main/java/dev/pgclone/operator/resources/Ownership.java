package dev.pgclone.operator.resources;

import dev.pgclone.operator.config.OperatorKey;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Own before use: the one way every controller creates what it owns and decides whether an object
 * found under one of its names is its own (docs/architecture.md, "The trust boundary").
 * <p>
 * An object is ours when its controller owner reference names the very resource (by uid) that
 * wants it; objects that cannot carry an owner reference (cluster-scoped contents, snapshots in a
 * CloneSource's namespace) are ours when they carry the operator's {@link #MARK}, an HMAC under the
 * operator's key of what the object is and where it lives, which nobody without the key can forge.
 * Everything the operator creates carries the mark, so its informers can keep planted objects out
 * of their caches ({@link MarkedOnly}). A 409 on create is never taken as "ours": the existing object
 * is read and, unless it is ours, the caller gets a {@link NameConflict} and must not modify,
 * mount, read or delete it.
 */
public final class Ownership {

    /** Label on every object the operator creates: see {@link #mark}. */
    public static final String MARK = "pgclone.dev/mark";
    private static final String MARK_PURPOSE = "object-mark";

    private final KubernetesClient client;
    private final OperatorKey key;

    public Ownership(KubernetesClient client, OperatorKey key) {
        this.client = client;
        this.key = key;
    }

    /** True when the object's controller owner reference is the resource with this uid. */
    public static boolean controlledBy(HasMetadata object, String ownerUid) {
        return controller(object).map(r -> ownerUid != null && ownerUid.equals(r.getUid())).orElse(false);
    }

    /**
     * Deletes an object only if the resource with this uid controls it and it is not already going:
     * an object that merely has one of its names (someone's real data volume, say) is never touched.
     * @return whether a deletion was started
     */
    public boolean deleteIfControlled(HasMetadata object, String ownerUid) {
        if (object == null || !controlledBy(object, ownerUid) || object.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        client.resource(object).delete();
        return true;
    }

    public static Optional<OwnerReference> controller(HasMetadata object) {
        var refs = object.getMetadata().getOwnerReferences();
        return refs == null ? Optional.empty() : refs.stream().filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    /**
     * The mark of an object: what it is (kind), where (namespace, name), who controls it (the
     * controller's uid, "" for none) and, for a ConfigMap, what it says (a script run in the clone
     * Pod must be the operator's, not one written over it). Copying a mark onto another object
     * does not make it valid.
     */
    public String mark(HasMetadata object) {
        String owner = controller(object).map(OwnerReference::getUid).orElse("");
        String ns = object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace();
        String content = object instanceof ConfigMap cm ? "/" + digest(cm.getData()) : "";
        return key.deriveHex(MARK_PURPOSE, HasMetadata.getKind(object.getClass()) + "/" + ns + "/" + object.getMetadata().getName()
                + "/" + owner + content, 40);
    }

    private static String digest(Map<String, String> data) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(data == null ? Map.<String, String>of() : data).forEach((k, v) -> {
                sha.update(k.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(v.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            });
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the object carries a valid mark: the operator made it, as it is named and owned now. */
    public boolean marked(HasMetadata object) {
        var labels = object.getMetadata().getLabels();
        return labels != null && mark(object).equals(labels.get(MARK));
    }

    /**
     * Creates an object that {@code ownerUid} controls (its desired metadata names that owner), or,
     * when one of that name already exists, returns it only if it is that owner's and carries the
     * mark: made by a reconcile the informer cache had not caught up with, and never replaced (a
     * Secret's password must not change). An owner reference alone proves nothing: whoever can
     * read the owner's uid can write one.
     *
     * @throws NameConflict when an object of that name exists and is not the owner's
     */
    public <R extends HasMetadata> R createControlled(R desired, String ownerUid) {
        return create(desired, existing -> ours(existing, ownerUid));
    }

    /** Controlled by the resource with this uid and carrying the operator's mark: one of its own objects. */
    public boolean ours(HasMetadata object, String ownerUid) {
        return controlledBy(object, ownerUid) && marked(object);
    }

    /**
     * Creates an object that has no controller (cluster-scoped, or in another namespace), or
     * returns the existing one of that name if it carries the operator's mark.
     *
     * @throws NameConflict when an object of that name exists without the mark
     */
    public <R extends HasMetadata> R createMarked(R desired) {
        return create(desired, this::marked);
    }

    private <R extends HasMetadata> R create(R desired, java.util.function.Predicate<R> ours) {
        stamp(desired);
        try {
            return client.resource(desired).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        R existing = client.resource(desired).get();
        if (existing == null) {
            // deleted in between: the next reconcile creates it
            throw new KubernetesClientException("object " + describe(desired) + " was deleted while it was being created; retrying");
        }
        if (!ours.test(existing)) {
            throw new NameConflict(existing);
        }
        return existing;
    }

    /**
     * A value the operator writes on one of its objects and later acts on (preparation progress on
     * a clone's PVC), sealed to that very object (its uid) so that nobody who can edit the object can
     * write a value the operator would believe: {@code value.mac}.
     */
    public String seal(HasMetadata object, String value) {
        return value + "." + sealOf(object, value);
    }

    /** The value of a sealed annotation; empty when it is absent, and {@link #FORGED} when its seal does not verify. */
    public Optional<String> unseal(HasMetadata object, String sealed) {
        if (sealed == null) {
            return Optional.empty();
        }
        int dot = sealed.lastIndexOf('.');
        if (dot < 0 || !sealed.substring(dot + 1).equals(sealOf(object, sealed.substring(0, dot)))) {
            return Optional.of(FORGED);
        }
        return Optional.of(sealed.substring(0, dot));
    }

    /** What {@link #unseal} reads from a value the operator did not write. */
    public static final String FORGED = "forged";

    private String sealOf(HasMetadata object, String value) {
        return key.deriveHex("sealed-value", HasMetadata.getKind(object.getClass()) + "/" + object.getMetadata().getUid() + "/" + value, 24);
    }

    /** Adds (or renews) the mark of an object about to be created or updated. */
    public <R extends HasMetadata> R stamp(R object) {
        Map<String, String> labels = new LinkedHashMap<>(object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels());
        labels.put(MARK, mark(object));
        object.getMetadata().setLabels(labels);
        return object;
    }

    static String describe(HasMetadata object) {
        String ns = object.getMetadata().getNamespace();
        return HasMetadata.getKind(object.getClass()) + " " + (ns == null ? "" : ns + "/") + object.getMetadata().getName();
    }

    /**
     * An object under a name the operator needs exists and is not the operator's: somebody else's
     * object, which is left exactly as it is.
     */
    public static final class NameConflict extends RuntimeException {

        private final String kind;
        private final String namespace;
        private final String name;

        public NameConflict(HasMetadata existing) {
            super(describe(existing) + " already exists and was not created for this resource");
            this.kind = HasMetadata.getKind(existing.getClass());
            this.namespace = existing.getMetadata().getNamespace();
            this.name = existing.getMetadata().getName();
        }

        public String kind() { return kind; }
        public String namespace() { return namespace; }
        public String name() { return name; }

        /** What the user sees: whose object is in the way, and the two ways out. */
        public String describeFor(String resourceKind, String resourceName) {
            String where = namespace == null ? "" : " in namespace " + namespace;
            return kind + " " + name + where + " already exists and was not created by pgclone-operator for " + resourceKind + " "
                    + resourceName + "; the operator does not modify, mount, read or delete it: give the " + resourceKind
                    + " another name, or delete the " + kind + " if it is a leftover you no longer need";
        }
    }
}
