package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.spec.ParameterAllowList;
import dev.pgclone.operator.status.Reasons;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The operator's own limits on a clone that is otherwise valid and granted, checked before anything
 * is created for it: the image it would run, the settings a clone of a CloneSource may give its
 * server, and how many clones of a CloneSource may exist at once.
 */
final class CloneAdmission {

    /** @param waits whether the refusal ends by itself (a slot frees up), so the clone looks again */
    record Refusal(String reason, String message, boolean waits) {}

    private static final Comparator<DatabaseClone> OLDEST_FIRST = Comparator
            .comparing((DatabaseClone c) -> c.getMetadata().getCreationTimestamp() == null ? Instant.MAX
                    : Instant.parse(c.getMetadata().getCreationTimestamp()))
            .thenComparing(c -> c.getMetadata().getNamespace())
            .thenComparing(c -> c.getMetadata().getName());

    private final ImageAllowList images;

    CloneAdmission(ImageAllowList images) {
        this.images = images;
    }

    /**
     * @param effective the clone with the CloneSource's values filled in
     * @param source the granted CloneSource, or null when the clone names a volume of its own namespace
     * @param sameSource every clone of that CloneSource the operator knows of
     * @param counts whether a clone of the CloneSource takes one of its slots (its namespace is allowed)
     */
    Optional<Refusal> check(DatabaseClone effective, CloneSource source, Collection<DatabaseClone> sameSource,
                            Predicate<DatabaseClone> counts) {
        String image = effective.getSpec().getPostgres().getImage();
        if (!images.allows(image)) {
            return Optional.of(new Refusal(Reasons.IMAGE_NOT_ALLOWED, imageMessage(image, source), false));
        }
        if (source == null) {
            return Optional.empty();
        }
        List<String> refused = ParameterAllowList.refused(effective.getSpec().getPostgres().getParameters(), source);
        if (!refused.isEmpty()) {
            return Optional.of(new Refusal(Reasons.PARAMETER_NOT_ALLOWED, ParameterAllowList.message(refused, source), false));
        }
        return capacity(effective, source, sameSource, counts);
    }

    private String imageMessage(String image, CloneSource source) {
        String fix = source == null ? "set spec.postgres.image to an image matching one of them"
                : "ask the owners of CloneSource " + source.getMetadata().getNamespace() + "/" + source.getMetadata().getName()
                        + " to set spec.postgres.image to an image matching one of them";
        return "image " + image + " is not allowed: this operator runs clones only of images matching " + images
                + " (set by its administrators: Helm value allowedImages, config pgclone.allowed-images); " + fix
                + "; nothing was created for this clone";
    }

    /**
     * The oldest {@code maxClones} clones of the source are admitted, by creation time and then
     * name, so every reconcile of every clone comes to the same answer without any shared counter.
     * A clone being deleted no longer takes a slot: its deletion is what wakes the waiting ones.
     */
    static Optional<Refusal> capacity(DatabaseClone clone, CloneSource source, Collection<DatabaseClone> sameSource,
                                      Predicate<DatabaseClone> counts) {
        Integer max = source.getSpec().getMaxClones();
        if (max == null) {
            return Optional.empty();
        }
        String uid = clone.getMetadata().getUid();
        List<DatabaseClone> holding = new ArrayList<>();
        for (DatabaseClone other : sameSource) {
            if (other.getMetadata().getDeletionTimestamp() == null && !uid.equals(other.getMetadata().getUid()) && counts.test(other)) {
                holding.add(other);
            }
        }
        List<DatabaseClone> older = holding.stream().filter(o -> OLDEST_FIRST.compare(o, clone) < 0).toList();
        if (older.size() < max) {
            return Optional.empty();
        }
        long here = older.stream().filter(o -> o.getMetadata().getNamespace().equals(clone.getMetadata().getNamespace())).count();
        String ref = source.getMetadata().getNamespace() + "/" + source.getMetadata().getName();
        // other namespaces' clones are counted, never named: their names are not this namespace's business
        return Optional.of(new Refusal(Reasons.CLONE_SOURCE_AT_CAPACITY, "CloneSource " + ref + " allows at most " + max
                + " clone" + (max == 1 ? "" : "s") + " at once (spec.maxClones) and " + older.size() + " older clone"
                + (older.size() == 1 ? " holds" : "s hold") + " the slots (" + here + " in this namespace): this clone waits and"
                + " starts by itself once one of them is deleted; delete a clone you no longer need, or ask the owners of namespace "
                + source.getMetadata().getNamespace() + " to raise spec.maxClones", true));
    }
}
