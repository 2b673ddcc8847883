package dev.pgclone.operator.clone;

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
 */
final class PostCloneScripts {

    private PostCloneScripts() {}

    /**
     * The scripts of one spec.postClone, named after where they come from (after {@code prefix}).
     * @return empty when it names a ConfigMap that does not exist (the caller says whose and what to do)
     */
    static Optional<List<SqlScript>> of(KubernetesClient client, String namespace, PostCloneSpec postClone, String prefix) {
        List<SqlScript> scripts = new ArrayList<>();
        if (postClone == null) {
            return Optional.of(scripts);
        }
        Duration timeout = Durations.scriptTimeout(postClone);
        if (postClone.getSql() != null && !postClone.getSql().isBlank()) {
            scripts.add(new SqlScript(prefix + "postClone.sql", postClone.getSql(), timeout));
        }
        if (postClone.getConfigMapName() != null && !postClone.getConfigMapName().isBlank()) {
            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(postClone.getConfigMapName()).get();
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
