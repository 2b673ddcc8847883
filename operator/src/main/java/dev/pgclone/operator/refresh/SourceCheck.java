package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.util.Optional;

/**
 * Before a run creates a clone: does the template's source exist? A clone of a missing source
 * would only fail, and a failed clone per run is clutter; the schedule reports it instead and
 * retries with backoff, and the previous clone keeps serving. The source is not the operator's and
 * not watched, so this is a direct read, done only when a run is due.
 */
final class SourceCheck {

    private SourceCheck() {}

    static Optional<ScheduleValidator.Problem> missing(ScheduleContext ctx) {
        var source = ctx.schedule().getSpec().getTemplate().getSpec().getSource();
        String active = ctx.report().activeClone();
        String serving = active == null ? "" : "; clone " + active + " keeps serving meanwhile";
        if (source.getCloneSource() != null) {
            // existence only: whether this namespace is allowed is the clone's to check, on every reconcile of it
            var ref = source.getCloneSource();
            if (ctx.client().resources(CloneSource.class).inNamespace(ref.getNamespace()).withName(ref.getName()).get() == null) {
                return Optional.of(new ScheduleValidator.Problem(Reasons.CLONE_SOURCE_NOT_FOUND, "CloneSource " + ref
                        + " named by spec.template.spec.source.cloneSource does not exist: fix the field, or ask its namespace's owners to"
                        + " create it; the due run starts once it exists" + serving));
            }
            return Optional.empty();
        }
        if (source.getCloudNativePG() != null || source.getCloudNativePGBackup() != null) {
            // found by the clone through CloudNativePG's objects; what is missing is its condition, with the resolver's reason
            return Optional.empty();
        }
        String ns = source.getNamespace() == null || source.getNamespace().isBlank() ? ctx.namespace() : source.getNamespace();
        if (!ns.equals(ctx.namespace())) {
            // the operator may not read other namespaces; the clone itself reports CrossNamespaceNotAllowed
            return Optional.empty();
        }
        if (source.getPvcName() != null && !source.getPvcName().isBlank()) {
            if (ctx.client().persistentVolumeClaims().inNamespace(ns).withName(source.getPvcName()).get() == null) {
                return Optional.of(new ScheduleValidator.Problem(Reasons.SOURCE_NOT_FOUND, "PersistentVolumeClaim " + ns + "/" + source.getPvcName()
                        + " named by spec.template.spec.source.pvcName does not exist: fix the field or restore the volume; the due run starts once it exists"
                        + serving));
            }
        } else if (ctx.client().resources(VolumeSnapshot.class).inNamespace(ns).withName(source.getSnapshotName()).get() == null) {
            return Optional.of(new ScheduleValidator.Problem(Reasons.SNAPSHOT_NOT_FOUND, "VolumeSnapshot " + ns + "/" + source.getSnapshotName()
                    + " named by spec.template.spec.source.snapshotName does not exist: fix the field; the due run starts once it exists" + serving));
        }
        return Optional.empty();
    }
}
