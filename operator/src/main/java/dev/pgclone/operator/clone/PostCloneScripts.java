package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.spec.Durations;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The SQL run on a clone after it starts, and in which order: the CloneSource's mandatory scripts
 * (its masking) first, then the clone's own; within each spec.postClone, the inline {@code sql}
 * first, then the keys of its ConfigMap in key order. Every script runs with the timeout of the
 * spec.postClone it comes from.
 * <p>
 * The ConfigMaps are read through {@link ConfigMaps}: from the API server in the operator, from
 * fixture files in the golden-file test, which so shows the list the preparation is handed.
 */
public final class PostCloneScripts {

    /** Where the scripts' ConfigMaps are read from. */
    @FunctionalInterface
    public interface ConfigMaps {

        /** The ConfigMap, or null when it does not exist. */
        ConfigMap get(String namespace, String name);

        static ConfigMaps of(KubernetesClient client) {
            return (namespace, name) -> client.configMaps().inNamespace(namespace).withName(name).get();
        }
    }

    private PostCloneScripts() {}

    /**
     * A CloneSource's mandatory scripts, named after it.
     * @return empty when its spec.postClone names a ConfigMap that does not exist
     */
    public static Optional<List<SqlScript>> mandatory(ConfigMaps configMaps, CloneSourceRef source, PostCloneSpec postClone) {
        return of(configMaps, source.getNamespace(), postClone, "cloneSource " + source + ": ");
    }

    /**
     * What the preparation runs on a clone, in this order: the granted CloneSource's mandatory
     * scripts, then the clone's own.
     * @param mandatory the granted CloneSource's scripts ({@link #mandatory}); empty for a clone of no CloneSource
     * @param clone     the effective clone
     * @return empty when the clone's spec.postClone names a ConfigMap that does not exist
     */
    public static Optional<List<SqlScript>> forClone(List<SqlScript> mandatory, ConfigMaps configMaps, DatabaseClone clone) {
        return of(configMaps, clone.getMetadata().getNamespace(), clone.getSpec().getPostClone(), "").map(own -> inOrder(mandatory, own));
    }

    /**
     * The scripts of one spec.postClone, named after where they come from (after {@code prefix}).
     * @return empty when it names a ConfigMap that does not exist (the caller says whose and what to do)
     */
    static Optional<List<SqlScript>> of(ConfigMaps configMaps, String namespace, PostCloneSpec postClone, String prefix) {
        List<SqlScript> scripts = new ArrayList<>();
        if (postClone == null) {
            return Optional.of(scripts);
        }
        Duration timeout = Durations.scriptTimeout(postClone);
        if (postClone.getSql() != null && !postClone.getSql().isBlank()) {
            scripts.add(new SqlScript(prefix + "postClone.sql", postClone.getSql(), timeout));
        }
        if (postClone.getConfigMapName() != null && !postClone.getConfigMapName().isBlank()) {
            ConfigMap cm = configMaps.get(namespace, postClone.getConfigMapName());
            if (cm == null) {
                return Optional.empty();
            }
            if (cm.getData() != null) {
                new TreeMap<>(cm.getData()).forEach((k, v) -> scripts.add(new SqlScript(prefix + postClone.getConfigMapName() + "/" + k, v, timeout)));
            }
        }
        return Optional.of(List.copyOf(scripts));
    }

    /** What runs on a clone: the CloneSource's mandatory scripts, then the clone's own. */
    static List<SqlScript> inOrder(List<SqlScript> mandatory, List<SqlScript> own) {
        List<SqlScript> all = new ArrayList<>(mandatory);
        all.addAll(own);
        return List.copyOf(all);
    }
}
