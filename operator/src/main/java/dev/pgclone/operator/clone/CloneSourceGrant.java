package dev.pgclone.operator.clone;

import dev.pgclone.operator.cnpg.CloudNativePGCloneSources;
import dev.pgclone.operator.cnpg.CloudNativePGResolver;
import dev.pgclone.operator.cnpg.Resolution;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.LabelSelectors;
import dev.pgclone.operator.spec.CloneSourceValidator;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a clone may use the CloneSource it names, decided on every reconcile from what the
 * source's owners wrote: the CloneSource exists and is valid, the clone's namespace is listed or
 * selected (a clone in the source's own namespace needs no listing: it could name the PVC
 * directly), and the mandatory post-clone scripts can be read.
 */
final class CloneSourceGrant {

    sealed interface Decision permits Granted, Refused {}

    /** @param mandatoryScripts the source's post-clone SQL, run before the clone's own */
    /**
     * @param source           the CloneSource as its snapshots are taken: for spec.cloudNativePG with the Cluster's
     *                         instance, image, uid and Secret filled in ({@link CloudNativePGCloneSources})
     * @param mandatoryScripts the source's post-clone SQL, run before the clone's own
     * @param sourceHost       a CloudNativePG instance's Pod IP, where the CHECKPOINT runs; null otherwise
     */
    record Granted(CloneSource source, List<SqlScript> mandatoryScripts, String sourceHost) implements Decision {}

    record Refused(String reason, String message) implements Decision {}

    private CloneSourceGrant() {}

    static Decision decide(KubernetesClient client, CloudNativePGResolver cloudNativePG, DatabaseClone clone) {
        CloneSourceRef ref = clone.getSpec().getSource().getCloneSource();
        String named = "CloneSource " + ref + " named by spec.source.cloneSource";
        CloneSource source = client.resources(CloneSource.class).inNamespace(ref.getNamespace()).withName(ref.getName()).get();
        if (source == null || source.getMetadata().getDeletionTimestamp() != null) {
            return new Refused(Reasons.CLONE_SOURCE_NOT_FOUND, named + (source == null ? " does not exist" : " is being deleted")
                    + ": fix the name, or ask the owners of namespace " + ref.getNamespace() + " to create it");
        }
        // the grant first: an edit that withdraws it must take effect even if it also breaks something else
        String namespace = clone.getMetadata().getNamespace();
        if (source.getSpec() == null || !allows(client, source, namespace)) {
            return new Refused(Reasons.NAMESPACE_NOT_ALLOWED, named + " does not allow clones in namespace " + namespace
                    + ": its owners must add " + namespace + " to spec.allowedNamespaces or label the namespace to match"
                    + " spec.allowedNamespaceSelector; until then this clone holds no data of it");
        }
        List<String> problems = CloneSourceValidator.problems(source);
        if (!problems.isEmpty()) {
            return new Refused(Reasons.CLONE_SOURCE_INVALID, named + " is not usable (" + String.join("; ", problems)
                    + "): its owners must fix it; nothing new is done for this clone meanwhile");
        }
        var effective = CloudNativePGCloneSources.effective(cloudNativePG, source);
        if (effective instanceof Resolution.Problem<CloudNativePGCloneSources.Effective> p) {
            return new Refused(p.reason(), named + ": " + p.message() + "; nothing new is done for this clone meanwhile");
        }
        String sourceHost = effective.resolved().orElseThrow().podIp();
        source = effective.resolved().orElseThrow().source();
        List<String> overrides = overrides(clone, source);
        if (!overrides.isEmpty()) {
            return new Refused(Reasons.INVALID_SPEC, "invalid spec: " + String.join("; ", overrides));
        }
        var postClone = source.getSpec().getPostClone();
        Optional<List<SqlScript>> scripts = PostCloneScripts.mandatory(PostCloneScripts.ConfigMaps.of(client), ref, postClone);
        if (scripts.isEmpty()) {
            return new Refused(Reasons.SOURCE_POST_CLONE_NOT_FOUND, "ConfigMap " + ref.getNamespace() + "/" + postClone.getConfigMapName()
                    + ", the mandatory post-clone SQL of CloneSource " + ref + ", does not exist: clones of this source wait until its owners"
                    + " create it; nothing new is done for this clone meanwhile");
        }
        return new Granted(source, scripts.get(), sourceHost);
    }

    /**
     * The server settings a CloneSource sets are binding, not defaults: an image of the clone's
     * choosing could run anything on the unmasked copy, and the superuser is the role the mandatory
     * SQL runs as. A clone may leave them out or repeat them.
     */
    private static List<String> overrides(DatabaseClone clone, CloneSource source) {
        List<String> problems = new ArrayList<>();
        var fixed = source.getSpec().getPostgres();
        var own = clone.getSpec().getPostgres();
        if (fixed == null || own == null) {
            return problems;
        }
        String ref = "CloneSource " + clone.getSpec().getSource().getCloneSource();
        if (fixed.getImage() != null && own.getImage() != null && !fixed.getImage().equals(own.getImage())) {
            problems.add("spec.postgres.image: " + ref + " sets " + fixed.getImage() + "; remove the field or set the same image");
        }
        if (fixed.getRunAsUser() != null && own.getRunAsUser() != null && !fixed.getRunAsUser().equals(own.getRunAsUser())) {
            problems.add("spec.postgres.runAsUser: " + ref + " sets " + fixed.getRunAsUser() + "; remove the field or set the same uid");
        }
        if (fixed.getSuperuser() != null && own.getSuperuser() != null && !fixed.getSuperuser().equals(own.getSuperuser())) {
            problems.add("spec.postgres.superuser: " + ref + " sets " + fixed.getSuperuser() + "; remove the field or set the same role");
        }
        return problems;
    }

    static boolean allows(KubernetesClient client, CloneSource source, String namespace) {
        var spec = source.getSpec();
        if (namespace.equals(source.getMetadata().getNamespace())) {
            return true;
        }
        if (spec.getAllowedNamespaces() != null && spec.getAllowedNamespaces().contains(namespace)) {
            return true;
        }
        if (spec.getAllowedNamespaceSelector() == null || LabelSelectors.isEmpty(spec.getAllowedNamespaceSelector())) {
            // an empty selector would select every namespace: never a grant (the validator reports it)
            return false;
        }
        Namespace ns = client.namespaces().withName(namespace).get();
        return LabelSelectors.matches(spec.getAllowedNamespaceSelector(), ns == null ? null : ns.getMetadata().getLabels());
    }
}
