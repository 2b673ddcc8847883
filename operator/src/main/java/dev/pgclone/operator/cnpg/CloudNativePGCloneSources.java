package dev.pgclone.operator.cnpg;

import dev.pgclone.operator.api.v1alpha1.CheckpointSpec;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * A CloneSource naming a CloudNativePG Cluster (spec.cloudNativePG), as the code that takes and
 * shares its snapshots sees it: a copy with the chosen instance's data PVC as spec.pvcName, PGDATA
 * pgdata, and the Cluster's image, uid and superuser Secret where the CloneSource sets none. Its
 * owners' own settings win. A Cluster with walStorage is refused: a shared snapshot is one volume.
 */
public final class CloudNativePGCloneSources {

    /**
     * @param source the CloneSource with what the Cluster says filled in (a copy; the stored one is unchanged)
     * @param podIp  the instance's Pod IP, where the CHECKPOINT before a snapshot runs; null when the CloneSource names its
     *               own Secret or the Cluster's Secret is not CloudNativePG's own (the CHECKPOINT then goes to the Secret's host)
     * @param note   what its owners might not expect, or null
     */
    public record Effective(CloneSource source, String podIp, String note) {}

    private CloudNativePGCloneSources() {}

    /** The CloneSource itself when it names a PVC; the resolved copy, or the resolver's problem, when it names a Cluster. */
    public static Resolution<Effective> effective(CloudNativePGResolver resolver, CloneSource source) {
        var ref = source.getSpec().getCloudNativePG();
        if (ref == null) {
            return Resolution.of(new Effective(source, null, null));
        }
        Resolution<ResolvedInstance> resolution = resolver.resolveInstance(source.getMetadata().getNamespace(), ref.getCluster(),
                InstanceChoice.parse(ref.getInstance()));
        if (resolution instanceof Resolution.Problem<ResolvedInstance> p) {
            return Resolution.problem(p.reason(), p.message());
        }
        ResolvedInstance found = resolution.resolved().orElseThrow();
        if (found.walPvc() != null) {
            return Resolution.problem(CnpgReasons.WAL_STORAGE_NOT_SHAREABLE, "Cluster " + found.cluster() + " keeps its WAL on a volume of its"
                    + " own (spec.walStorage): a CloneSource shares one snapshot of one volume, which would lack the WAL; clone the Cluster"
                    + " with DatabaseClones in this namespace (spec.source.cloudNativePG), or name a Cluster without walStorage");
        }
        CloneSource copy = Serialization.unmarshal(Serialization.asJson(source), CloneSource.class);
        var spec = copy.getSpec();
        spec.setPvcName(found.dataPvc());
        spec.setDataDirectory(found.dataDirectory());
        if (spec.getPostgres() == null) {
            spec.setPostgres(new SourcePostgresDefaults());
        }
        if (spec.getPostgres().getImage() == null || spec.getPostgres().getImage().isBlank()) {
            spec.getPostgres().setImage(found.image());
        }
        if (spec.getPostgres().getRunAsUser() == null) {
            spec.getPostgres().setRunAsUser(found.runAsUser());
        }
        if (spec.getCheckpoint() == null && found.superuserSecret() != null) {
            CheckpointSpec checkpoint = new CheckpointSpec();
            checkpoint.setSecretName(found.superuserSecret());
            spec.setCheckpoint(checkpoint);
        }
        // the Secret's credentials go to the instance's Pod only if CloudNativePG made that Secret for this Cluster
        boolean clusterSecret = source.getSpec().getCheckpoint() == null && found.secretOfCluster();
        return Resolution.of(new Effective(copy, clusterSecret ? found.podIp() : null, found.note()));
    }
}
