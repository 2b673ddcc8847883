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

    /**
     * The seal that makes an object of ours a build or a masked snapshot: written once it exists,
     * sealed to its uid (and, for a snapshot, to the volume it was taken of). The mark alone covers
     * only kind, namespace, name and owner, so a copy recreated under an old name with a copied mark
     * would pass; it cannot carry this seal.
     */
    public static final String SEAL = "pgclone.dev/masking-seal";
    private static final String BUILD = "build";

    /** Whether the snapshot is one of this source's masked snapshots: ours, and sealed to its uid and the build volume it was taken of. */
    public boolean masked(VolumeSnapshot snapshot, CloneSource source) {
        return ownership.ours(snapshot, source.getMetadata().getUid()) && sealedValue(snapshot).equals(Optional.of(snapshotSeal(snapshot)));
    }

    /** Whether the snapshot is ours and waits for its seal (the step that took it writes it next). */
    public boolean awaitsSeal(VolumeSnapshot snapshot, CloneSource source) {
        return ownership.ours(snapshot, source.getMetadata().getUid()) && sealedValue(snapshot).isEmpty();
    }

    /** Seals a masked snapshot this build took, once it exists: from then on clones may use it. */
    public VolumeSnapshot seal(VolumeSnapshot snapshot) {
        return seal(snapshot, snapshotSeal(snapshot));
    }

    /** Seals a build the CloneSource controller just created: from then on the clone controller runs it as one. */
    public DatabaseClone sealBuild(DatabaseClone build) {
        return seal(build, BUILD);
    }

    /**
     * Adds the seal: to a snapshot by read and update with the resourceVersion read (the operator
     * may update snapshots, not patch them), to a build by fabric8's edit, a patch (the reverse).
     */
    private <R extends io.fabric8.kubernetes.api.model.HasMetadata> R seal(R object, String value) {
        String sealed = ownership.seal(object, value);
        java.util.function.UnaryOperator<R> addSeal = o -> {
            if (o.getMetadata().getAnnotations() == null) {
                o.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            o.getMetadata().getAnnotations().put(SEAL, sealed);
            return o;
        };
        return dev.pgclone.operator.resources.Conflicts.retry(() -> {
            if (!(object instanceof VolumeSnapshot)) {
                return client.resource(object).edit(addSeal);
            }
            R latest = client.resource(object).get();
            if (latest == null || !object.getMetadata().getUid().equals(latest.getMetadata().getUid())) {
                throw new IllegalStateException("VolumeSnapshot " + object.getMetadata().getName() + " went away before it was sealed");
            }
            return client.resource(addSeal.apply(latest)).update();
        });
    }

    private Optional<String> sealedValue(io.fabric8.kubernetes.api.model.HasMetadata object) {
        var a = object.getMetadata().getAnnotations();
        return ownership.unseal(object, a == null ? null : a.get(SEAL));
    }

    /** What a masked snapshot's seal says: masked, of this volume (a snapshot's source cannot change once created). */
    private static String snapshotSeal(VolumeSnapshot snapshot) {
        var source = snapshot.getSpec() == null ? null : snapshot.getSpec().getSource();
        return "masked:" + (source == null ? "" : source.getPersistentVolumeClaimName());
    }

    /** The source's masked snapshots, newest first. */
    public List<VolumeSnapshot> of(CloneSource source) {
        return of(source, labelled(source));
    }

    /** The masked snapshots among {@code labelled} (all snapshots labelled with the source), newest first. */
    public List<VolumeSnapshot> of(CloneSource source, List<VolumeSnapshot> labelled) {
        return labelled.stream().filter(s -> masked(s, source))
                .sorted(Comparator.comparing((VolumeSnapshot s) -> s.getMetadata().getCreationTimestamp()).reversed())
                .toList();
    }

    /** Every snapshot in the source namespace labelled with the source: production's, masked ones, look-alikes. */
    public List<VolumeSnapshot> labelled(CloneSource source) {
        return client.resources(VolumeSnapshot.class).inNamespace(source.getMetadata().getNamespace())
                .withLabel(Labels.CLONE_SOURCE, source.getMetadata().getName()).list().getItems();
    }

    /** The newest masked snapshot a new clone may restore from: ready, not failed, not being deleted. */
    public Optional<VolumeSnapshot> newestUsable(CloneSource source) {
        return of(source).stream().filter(MaskedSnapshots::usable).findFirst();
    }

    public static boolean usable(VolumeSnapshot s) {
        return s.getMetadata().getDeletionTimestamp() == null && !CloneSnapshots.failed(s)
                && s.getStatus() != null && Boolean.TRUE.equals(s.getStatus().getReadyToUse());
    }

    /**
     * The builds of this source (the operator's own, never a look-alike), newest first; one just
     * created whose seal is not written yet counts ({@link #awaitsBuildSeal}).
     */
    public List<DatabaseClone> builds(CloneSource source) {
        return client.resources(DatabaseClone.class).inNamespace(source.getMetadata().getNamespace())
                .withLabel(Labels.MASKING_BUILD, source.getMetadata().getName()).list().getItems().stream()
                .filter(c -> ownership.ours(c, source.getMetadata().getUid()))
                .filter(c -> sealedValue(c).equals(Optional.of(BUILD)) || sealedValue(c).isEmpty())
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
                .map(OwnerReference::getUid).filter(uid -> ownership.ours(clone, uid))
                .filter(uid -> sealedValue(clone).equals(Optional.of(BUILD)));
    }

    /** Whether the clone carries the build label: the operator's builds do, and a look-alike is refused rather than run. */
    public static boolean labelledBuild(DatabaseClone clone) {
        return clone.getMetadata().getLabels() != null && clone.getMetadata().getLabels().containsKey(Labels.MASKING_BUILD);
    }

    /** Whether the clone is the operator's build of a source, created but not sealed yet. */
    public boolean awaitsBuildSeal(DatabaseClone clone) {
        return labelledBuild(clone) && Ownership.controller(clone).filter(ref -> CloneSource.KIND.equals(ref.getKind()))
                .map(OwnerReference::getUid).filter(uid -> ownership.ours(clone, uid)).isPresent() && sealedValue(clone).isEmpty();
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
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("source", Map.of("cloneSource", Map.of("name", source.getMetadata().getName(), "namespace", source.getMetadata().getNamespace())));
        var masking = source.getSpec() == null ? null : source.getSpec().getMasking();
        if (masking != null && masking.getDatabase() != null && !masking.getDatabase().isBlank()) {
            // the database the masking runs in: the CloneSource's owners decide, as they decide the masking
            spec.put("credentials", Map.of("database", masking.getDatabase()));
        }
        return Serialization.jsonMapper().convertValue(spec, DatabaseCloneSpec.class);
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
