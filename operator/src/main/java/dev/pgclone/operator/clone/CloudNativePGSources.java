package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.cnpg.CloudNativePGResolver;
import dev.pgclone.operator.cnpg.InstanceChoice;
import dev.pgclone.operator.cnpg.Resolution;
import dev.pgclone.operator.cnpg.ResolvedInstance;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * spec.source.cloudNativePG: which instance of the Cluster, its volumes, image, uid and superuser,
 * found by {@link CloudNativePGResolver} while nothing has been made for the clone yet, and from
 * then on as {@code status.cloudNativePG} recorded it: a switchover, an upgrade or a failed
 * instance later on does not change a clone that exists (docs/cloudnativepg.md).
 */
final class CloudNativePGSources {

    sealed interface Decision permits Found, Problem {}

    /**
     * @param used  what the clone is made of, for the status and {@link EffectiveClone}
     * @param podIp the instance Pod's IP, where the CHECKPOINT or backup runs (the instance snapshotted, never whichever
     *              the Cluster's Service points at by then); null when its Pod is gone
     * @param note  what the user might not expect (a fallback to the primary, a CHECKPOINT skipped), or null
     */
    record Found(CloudNativePGStatus used, String podIp, String note) implements Decision {
        String superuserSecret() {
            return used.getSuperuserSecret();
        }
    }

    record Problem(String reason, String message) implements Decision {}

    private CloudNativePGSources() {}

    /** @param made the clone's snapshot or volume exists, or a CHECKPOINT or backup for it is running */
    static Decision decide(CloudNativePGResolver resolver, KubernetesClient client, DatabaseClone clone, DatabaseCloneStatus previous,
                           boolean made) {
        var spec = clone.getSpec().getSource();
        if (made && previous != null && previous.getCloudNativePG() != null) {
            // the same instance as before, wherever its Pod runs now (a backup in flight connects to it again only after a restart)
            Pod pod = client.pods().inNamespace(clone.getMetadata().getNamespace()).withName(previous.getCloudNativePG().getInstance()).get();
            String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            return new Found(previous.getCloudNativePG(), ip, null);
        }
        Resolution<ResolvedInstance> resolution = resolver.resolveInstance(clone.getMetadata().getNamespace(),
                spec.getCloudNativePG().getCluster(), InstanceChoice.parse(spec.getCloudNativePG().getInstance()));
        if (resolution instanceof Resolution.Problem<ResolvedInstance> p) {
            return new Problem(p.reason(), p.message());
        }
        ResolvedInstance found = resolution.resolved().orElseThrow();
        boolean ownConnection = spec.getCheckpoint() != null && spec.getCheckpoint().getSecretName() != null;
        if (found.walPvc() != null && found.superuserSecret() == null && !ownConnection) {
            return new Problem(Reasons.CLOUDNATIVEPG_NO_BACKUP_CONNECTION, "Cluster " + found.cluster() + " keeps its WAL on a volume of its"
                    + " own (spec.walStorage) and has superuser access disabled: the online backup around the snapshots of "
                    + found.dataPvc() + " and " + found.walPvc() + " needs a connection; set spec.enableSuperuserAccess: true on the Cluster,"
                    + " or spec.source.checkpoint.secretName to a Secret of a role allowed pg_backup_start and pg_backup_stop");
        }
        CloudNativePGStatus used = new CloudNativePGStatus();
        used.setCluster(found.cluster());
        used.setInstance(found.instance());
        used.setRole(found.primary() ? "primary" : "standby");
        used.setData(found.dataPvc());
        used.setWal(found.walPvc());
        used.setImage(found.image());
        used.setRunAsUser(found.runAsUser());
        used.setSuperuserSecret(found.superuserSecret());
        return new Found(used, found.podIp(), found.note());
    }
}
