package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.cnpg.CloudNativePGResolver;
import dev.pgclone.operator.cnpg.CnpgReasons;
import dev.pgclone.operator.cnpg.InstanceChoice;
import dev.pgclone.operator.cnpg.Resolution;
import dev.pgclone.operator.cnpg.ResolvedBackup;
import dev.pgclone.operator.cnpg.ResolvedInstance;
import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Objects;
import java.util.Optional;

/**
 * spec.source.cloudNativePG: which instance of the Cluster, its volumes, image, uid and superuser,
 * found by {@link CloudNativePGResolver} while nothing has been made for the clone yet, and from
 * then on as {@code status.cloudNativePG} recorded it: a switchover, an upgrade or a failed
 * instance later on does not change a clone that exists (docs/cloudnativepg.md). The same for
 * spec.source.cloudNativePGBackup: the Backup's snapshots, label, image and uid, kept once the
 * clone's volume exists, so that a Backup deleted later does not change the clone either.
 */
final class CloudNativePGSources {

    sealed interface Decision permits Found, Problem {}

    /**
     * @param used  what the clone is made of, for the status and {@link EffectiveClone}
     * @param podIp the instance Pod's IP, where the CHECKPOINT or backup runs (the instance snapshotted, never whichever
     *              the Cluster's Service points at by then); null when its Pod is gone
     * @param note  what the user might not expect (a fallback to the primary, a CHECKPOINT skipped), or null
     * @param instanceAddress the snapshotted instance's Pod IP: an online backup must run there (the session's server
     *                        address is checked), whatever host the connection goes to; null for a Backup, or when unknown
     * @param backupLabel for a Backup: the backup_label of an online backup, installed before recovery; null for an
     *                    offline backup, and for a Cluster (whose own backup gives the label to its WAL snapshot)
     */
    record Found(CloudNativePGStatus used, String podIp, String note, String backupLabel, String instanceAddress) implements Decision {
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
            // a new connection now (only to retake a pair a restart interrupted) goes where the Secret says, and must reach that Pod
            return new Found(previous.getCloudNativePG(), null, null, null, ip);
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
        // the Secret's credentials go to the instance's Pod only if CloudNativePG made that Secret for this Cluster: a Secret
        // named by someone else (or by a Cluster someone else wrote) keeps the host it names
        String host = !ownConnection && found.secretOfCluster() ? found.podIp() : null;
        return new Found(used, host, found.note(), null, found.podIp());
    }

    /**
     * spec.source.cloudNativePGBackup. Once the clone's volume exists the Backup is not needed: what
     * status.cloudNativePG recorded is kept, with the label as the clone's bootstrap ConfigMap holds
     * it (absent there: an offline backup). Only in the moment between the volume and that ConfigMap
     * is the Backup read again, for its label.
     *
     * @param made      the clone's volume exists
     * @param bootstrap the clone's own bootstrap ConfigMap, when it exists
     */
    static Decision decideBackup(CloudNativePGResolver resolver, DatabaseClone clone, DatabaseCloneStatus previous, boolean made,
                                 Optional<ConfigMap> bootstrap) {
        String backupName = clone.getSpec().getSource().getCloudNativePGBackup();
        CloudNativePGStatus recorded = made && previous != null && previous.getCloudNativePG() != null
                && backupName.equals(previous.getCloudNativePG().getBackup()) ? previous.getCloudNativePG() : null;
        if (recorded != null && bootstrap.isPresent()) {
            var data = bootstrap.get().getData();
            return new Found(recorded, null, null, data == null ? null : data.get(CloneBootstrap.BACKUP_LABEL_KEY), null);
        }
        Resolution<ResolvedBackup> resolution = resolver.resolveBackup(clone.getMetadata().getNamespace(), backupName);
        if (resolution instanceof Resolution.Problem<ResolvedBackup> p) {
            return new Problem(p.reason(), recorded == null ? p.message() : p.message()
                    + " (the clone's volume was restored from it before its backup label was recorded)");
        }
        ResolvedBackup found = resolution.resolved().orElseThrow();
        if (recorded != null) {
            if (!found.dataSnapshot().equals(recorded.getData()) || !Objects.equals(found.walSnapshot(), recorded.getWal())) {
                return new Problem(CnpgReasons.BACKUP_SNAPSHOT_MISSING, "Backup " + backupName + " now lists the snapshots "
                        + snapshots(found.dataSnapshot(), found.walSnapshot()) + ", and the clone's volumes were restored from "
                        + snapshots(recorded.getData(), recorded.getWal()) + ": its backup label is not theirs; delete the DatabaseClone"
                        + " and create it again");
            }
            return new Found(recorded, null, null, found.backupLabel(), null);
        }
        CloudNativePGStatus used = new CloudNativePGStatus();
        used.setCluster(found.cluster());
        used.setInstance(found.instance());
        used.setBackup(found.backup());
        used.setRole(role(found.backupLabel()));
        used.setData(found.dataSnapshot());
        used.setWal(found.walSnapshot());
        used.setImage(found.image());
        used.setRunAsUser(found.runAsUser());
        return new Found(used, null, null, found.backupLabel(), null);
    }

    /** What an online backup's label says it was taken from ("BACKUP FROM: primary" or "standby"); null when it does not say. */
    static String role(String label) {
        if (label == null) {
            return null;
        }
        return label.lines().filter(l -> l.startsWith("BACKUP FROM: ")).map(l -> l.substring("BACKUP FROM: ".length()).strip())
                .filter(r -> r.equals("primary") || r.equals("standby")).findFirst().orElse(null);
    }

    private static String snapshots(String data, String wal) {
        return wal == null ? data : data + " and " + wal;
    }
}
