package dev.pgclone.operator.sourcesnapshots;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Owners;
import dev.pgclone.operator.resources.Ownership;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The masked snapshots of a CloneSource in masking mode Snapshot, and the DatabaseClones that
 * build them (docs/clonesource.md, "Masked snapshots"), for both controllers.
 * <p>
 * What makes a snapshot masked is not a label, which whoever may edit snapshots in the source
 * namespace could put on a production snapshot, but the operator's mark over a controller
 * reference to the CloneSource ({@link Ownership#ours}): production snapshots the operator takes
 * have no controller, and editing the reference breaks the mark. The same holds for a build: a
 * DatabaseClone is one only when the operator made it for that CloneSource; a look-alike is an
 * ordinary clone, which runs the mandatory SQL itself.
 */
public final class MaskedSnapshots {

    /** Annotations a build leaves on the snapshot it publishes, read back into the CloneSource's status. */
    public static final String BUILD_STARTED = "pgclone.dev/build-started";
    /** The uid of the build that took it: a snapshot of the same name from an earlier build is never taken for this one's. */
    public static final String BUILD_UID = "pgclone.dev/build-uid";
    public static final String MASKING_SECONDS = "pgclone.dev/masking-seconds";
    public static final String PII_FINDINGS = "pgclone.dev/pii-findings";
    /** On a build (the DatabaseClone): the PII check's findings as JSON, for the CloneSource's status. */
    public static final String BUILD_FINDINGS = "pgclone.dev/pii-findings";

    private final KubernetesClient client;
    private final Ownership ownership;

    public MaskedSnapshots(KubernetesClient client, Ownership ownership) {
        this.client = client;
        this.ownership = ownership;
    }

    /** Whether the snapshot is one of this source's masked snapshots. */
    public boolean masked(VolumeSnapshot snapshot, CloneSource source) {
        return ownership.ours(snapshot, source.getMetadata().getUid());
    }

    /** The source's masked snapshots, newest first. */
    public List<VolumeSnapshot> of(CloneSource source) {
        return client.resources(VolumeSnapshot.class).inNamespace(source.getMetadata().getNamespace())
                .withLabel(Labels.CLONE_SOURCE, source.getMetadata().getName()).list().getItems().stream()
                .filter(s -> masked(s, source))
                .sorted(Comparator.comparing((VolumeSnapshot s) -> s.getMetadata().getCreationTimestamp()).reversed())
                .toList();
    }

    /** The newest masked snapshot a new clone may restore from: ready, not failed, not being deleted. */
    public Optional<VolumeSnapshot> newestUsable(CloneSource source) {
        return of(source).stream().filter(MaskedSnapshots::usable).findFirst();
    }

    public static boolean usable(VolumeSnapshot s) {
        return s.getMetadata().getDeletionTimestamp() == null && !CloneSnapshots.failed(s)
                && s.getStatus() != null && Boolean.TRUE.equals(s.getStatus().getReadyToUse());
    }

    /** The builds of this source (the operator's own, never a look-alike), newest first. */
    public List<DatabaseClone> builds(CloneSource source) {
        return client.resources(DatabaseClone.class).inNamespace(source.getMetadata().getNamespace())
                .withLabel(Labels.MASKING_BUILD, source.getMetadata().getName()).list().getItems().stream()
                .filter(c -> ownership.ours(c, source.getMetadata().getUid()))
                .sorted(Comparator.comparing((DatabaseClone c) -> c.getMetadata().getCreationTimestamp()).reversed())
                .toList();
    }

    /**
     * The uid of the CloneSource this clone builds a masked snapshot of; empty for every other clone,
     * look-alikes included (a build label without the operator's mark over its controller reference).
     */
    public Optional<String> buildOf(DatabaseClone clone) {
        var labels = clone.getMetadata().getLabels();
        if (labels == null || !labels.containsKey(Labels.MASKING_BUILD)) {
            return Optional.empty();
        }
        return Ownership.controller(clone).filter(ref -> CloneSource.KIND.equals(ref.getKind()))
                .map(OwnerReference::getUid).filter(uid -> ownership.ours(clone, uid));
    }

    /**
     * A new build: a DatabaseClone of the source in its own namespace that only names the source
     * (what a build does is decided from the CloneSource, never from this spec: see the clone
     * controller), controlled by the CloneSource, so deleting the CloneSource deletes it.
     */
    public static DatabaseClone build(CloneSource source, Instant startedAt) {
        DatabaseClone build = new DatabaseClone();
        Map<String, String> labels = new LinkedHashMap<>(Labels.forCloneSource(source));
        labels.put(Labels.COMPONENT, "masking-build");
        labels.put(Labels.MASKING_BUILD, source.getMetadata().getName());
        labels.remove(Labels.CLONE_SOURCE);
        build.setMetadata(Owners.owned(source, Names.maskingBuild(source, startedAt), labels));
        build.setSpec(buildSpec(source));
        return build;
    }

    /** All a build's spec says: the source. Whatever else a build's spec is edited to say is ignored. */
    public static DatabaseCloneSpec buildSpec(CloneSource source) {
        return Serialization.jsonMapper().convertValue(Map.of("source", Map.of("cloneSource",
                Map.of("name", source.getMetadata().getName(), "namespace", source.getMetadata().getNamespace()))), DatabaseCloneSpec.class);
    }

    /** The snapshot a build publishes: its volume, controlled by the CloneSource, with what the status reports. */
    public static VolumeSnapshot desired(CloneSource source, DatabaseClone build, String pvcName, Map<String, String> annotations) {
        var metadata = Owners.owned(source, Names.maskedSnapshot(build.getMetadata().getName()), Labels.forCloneSource(source));
        metadata.getLabels().put(Labels.COMPONENT, "masked-snapshot");
        metadata.getLabels().put(Labels.MASKED, "true");
        metadata.setAnnotations(new LinkedHashMap<>(annotations));
        metadata.getAnnotations().put(BUILD_STARTED, build.getMetadata().getCreationTimestamp());
        metadata.getAnnotations().put(BUILD_UID, build.getMetadata().getUid());
        return new VolumeSnapshotBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                    .withVolumeSnapshotClassName(source.getSpec().getVolumeSnapshotClassName())
                    .withNewSource().withPersistentVolumeClaimName(pvcName).endSource()
                .endSpec()
                .build();
    }

    /** Whether this masked snapshot was taken by this very build (of its volume, with its uid). */
    public static boolean takenBy(VolumeSnapshot snapshot, DatabaseClone build, String pvcName) {
        var a = snapshot.getMetadata().getAnnotations();
        var source = snapshot.getSpec() == null ? null : snapshot.getSpec().getSource();
        return a != null && build.getMetadata().getUid().equals(a.get(BUILD_UID))
                && source != null && pvcName.equals(source.getPersistentVolumeClaimName());
    }

    /** The data-as-of a masked snapshot carries: that of the production snapshot it was built from. */
    public static String dataAsOf(VolumeSnapshot masked) {
        var a = masked.getMetadata().getAnnotations();
        return a == null ? null : a.get(Annotations.DATA_AS_OF);
    }
}
