package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.LabelSelectors;
import dev.pgclone.operator.source.CloneSourceValidator;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Whether a clone may use the CloneSource it names, decided on every reconcile from what the
 * source's owners wrote: the CloneSource exists and is valid, the clone's namespace is listed or
 * selected (a clone in the source's own namespace needs no listing: it could name the PVC
 * directly), and the mandatory post-clone scripts can be read.
 */
final class CloneSourceGrant {

    sealed interface Decision permits Granted, Refused {}

    /** @param mandatoryScripts the source's post-clone SQL, run before the clone's own */
    record Granted(CloneSource source, List<SqlScript> mandatoryScripts) implements Decision {}

    record Refused(String reason, String message) implements Decision {}

    private CloneSourceGrant() {}

    static Decision decide(KubernetesClient client, DatabaseClone clone) {
        CloneSourceRef ref = clone.getSpec().getSource().getCloneSource();
        String named = "CloneSource " + ref + " named by spec.source.cloneSource";
        CloneSource source = client.resources(CloneSource.class).inNamespace(ref.getNamespace()).withName(ref.getName()).get();
        if (source == null || source.getMetadata().getDeletionTimestamp() != null) {
            return new Refused(Reasons.CLONE_SOURCE_NOT_FOUND, named + (source == null ? " does not exist" : " is being deleted")
                    + ": fix the name, or ask the owners of namespace " + ref.getNamespace() + " to create it");
        }
        List<String> problems = CloneSourceValidator.problems(source.getSpec());
        if (!problems.isEmpty()) {
            return new Refused(Reasons.CLONE_SOURCE_INVALID, named + " is not usable (" + String.join("; ", problems)
                    + "): its owners must fix it");
        }
        String namespace = clone.getMetadata().getNamespace();
        if (!allows(client, source, namespace)) {
            return new Refused(Reasons.NAMESPACE_NOT_ALLOWED, named + " does not allow clones in namespace " + namespace
                    + ": its owners must add " + namespace + " to spec.allowedNamespaces or label the namespace to match"
                    + " spec.allowedNamespaceSelector; nothing was snapshotted for this clone");
        }
        List<SqlScript> scripts = new ArrayList<>();
        var postClone = source.getSpec().getPostClone();
        String prefix = "cloneSource " + ref + ": ";
        if (postClone != null && postClone.getSql() != null && !postClone.getSql().isBlank()) {
            scripts.add(new SqlScript(prefix + "postClone.sql", postClone.getSql()));
        }
        if (postClone != null && postClone.getConfigMapName() != null && !postClone.getConfigMapName().isBlank()) {
            ConfigMap cm = client.configMaps().inNamespace(ref.getNamespace()).withName(postClone.getConfigMapName()).get();
            if (cm == null) {
                return new Refused(Reasons.SOURCE_POST_CLONE_NOT_FOUND, "ConfigMap " + ref.getNamespace() + "/" + postClone.getConfigMapName()
                        + ", the mandatory post-clone SQL of CloneSource " + ref + ", does not exist: clones of this source wait until its owners"
                        + " create it; nothing was snapshotted for this clone");
            }
            if (cm.getData() != null) {
                new TreeMap<>(cm.getData()).forEach((k, v) -> scripts.add(new SqlScript(prefix + postClone.getConfigMapName() + "/" + k, v)));
            }
        }
        return new Granted(source, List.copyOf(scripts));
    }

    private static boolean allows(KubernetesClient client, CloneSource source, String namespace) {
        var spec = source.getSpec();
        if (namespace.equals(source.getMetadata().getNamespace())) {
            return true;
        }
        if (spec.getAllowedNamespaces() != null && spec.getAllowedNamespaces().contains(namespace)) {
            return true;
        }
        if (spec.getAllowedNamespaceSelector() == null) {
            return false;
        }
        Namespace ns = client.namespaces().withName(namespace).get();
        return LabelSelectors.matches(spec.getAllowedNamespaceSelector(), ns == null ? null : ns.getMetadata().getLabels());
    }
}
