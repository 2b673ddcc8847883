package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything one reconcile of one clone works with: the clone, the status as the last reconcile
 * wrote it, the cluster. Steps only read the status: the fields they learn (snapshot, secrets,
 * endpoint, preparation steps, timings) and their conditions they report in their {@link Outcome}
 * ({@link Learned}, {@link Finding}), and the {@link CloneStatusFactory} writes them. What earlier
 * steps of this reconcile learned is here too ({@link #snapshot()}).
 */
public final class CloneContext {

    private final DatabaseClone clone;
    private final DatabaseCloneStatus status;
    private final Context<DatabaseClone> josdk;
    private final KubernetesClient client;
    private final EventRecorder events;
    private final Ownership ownership;
    private final Instant now;
    private CloneSource cloneSource;
    private List<SqlScript> mandatoryScripts = List.of();
    private String checkpointNote;
    /** A CloudNativePG instance's Pod IP: the CHECKPOINT or backup runs there, on the instance snapshotted. */
    private String sourceHost;
    /** The snapshotted CloudNativePG instance's Pod IP: an online backup checks that its session runs there. */
    private String sourceInstanceAddress;
    /** A masked-snapshot build of the granted CloneSource ({@link dev.pgclone.operator.sourcesnapshots.MaskedSnapshots#buildOf}). */
    private boolean maskingBuild;
    /** What the snapshot step will do this reconcile: decided once, asked by the CHECKPOINT step and acted on by the snapshot step. */
    private SnapshotStep.Plan snapshotPlan;
    private final List<Learned> learned = new java.util.ArrayList<>();

    CloneContext(DatabaseClone clone, DatabaseCloneStatus status, Context<DatabaseClone> josdk, KubernetesClient client,
                 Instant now, EventRecorder events, Ownership ownership) {
        this.clone = clone;
        this.status = status;
        this.josdk = josdk;
        this.client = client;
        this.events = events;
        this.ownership = ownership;
        this.now = now;
    }

    /** Records the CloneSource whose grant this reconcile checked, and its mandatory post-clone SQL. */
    void granted(CloneSource source, List<SqlScript> scripts) {
        this.cloneSource = source;
        this.mandatoryScripts = scripts;
    }

    /** Records that this clone builds a masked snapshot of its CloneSource: the operator made it so. */
    void maskingBuild(boolean build) {
        this.maskingBuild = build;
    }

    /** Whether this clone builds a masked snapshot of its CloneSource (docs/clonesource.md, "Masked snapshots"). */
    public boolean maskingBuild() { return maskingBuild; }

    /** The effective clone: the user's spec with the CloneSource's values and the defaults filled in ({@link EffectiveClone}). */
    public DatabaseClone clone() { return clone; }
    /** The granted CloneSource, for clones of one; null otherwise. */
    public CloneSource cloneSource() { return cloneSource; }
    /**
     * How the CHECKPOINT before this reconcile's new snapshot went, for the snapshot's annotation:
     * set by {@link CheckpointStep}, null when none ran.
     */
    String checkpointNote() { return checkpointNote; }
    String sourceHost() { return sourceHost; }
    String sourceInstanceAddress() { return sourceInstanceAddress; }
    void sourceInstanceAddress(String address) { this.sourceInstanceAddress = address; }
    void sourceHost(String host) { this.sourceHost = host; }
    void checkpointNote(String note) { this.checkpointNote = note; }

    SnapshotStep.Plan snapshotPlan(java.util.function.Supplier<SnapshotStep.Plan> decide) {
        if (snapshotPlan == null) {
            snapshotPlan = decide.get();
        }
        return snapshotPlan;
    }
    /**
     * SQL the CloneSource's owners require, run before the clone's own post-clone SQL: their
     * masking. A clone that restores from a masked snapshot has it already and runs none; which
     * snapshot that is, is told by the clone's claim in the source namespace, never by anything in
     * the clone's own namespace ({@link SourceSnapshotUse#claimsMasked}).
     */
    public List<SqlScript> mandatoryScripts() {
        if (cloneSource != null && !maskingBuild && SourceSnapshotUse.claimsMasked(this)) {
            return List.of();
        }
        return mandatoryScripts;
    }
    /** The status as the last reconcile wrote it: to read; the {@link CloneStatusFactory} writes it. */
    public DatabaseCloneStatus status() { return status; }

    /** Keeps what a step of this reconcile learned, for the steps after it. */
    void learned(List<Learned> facts) {
        learned.addAll(facts);
    }

    /** The clone's snapshot: as a step of this reconcile learned it, or else as the status has it. */
    public DatabaseCloneStatus.SnapshotStatus snapshot() {
        DatabaseCloneStatus.SnapshotStatus found = status.getSnapshot();
        for (Learned fact : learned) {
            if (fact instanceof Learned.Snapshot s) {
                found = s.snapshot();
            }
        }
        return found;
    }
    public KubernetesClient client() { return client; }
    public EventRecorder events() { return events; }
    public Instant now() { return now; }
    public String namespace() { return clone.getMetadata().getNamespace(); }
    public long generation() {
        return clone.getMetadata().getGeneration() == null ? 0L : clone.getMetadata().getGeneration();
    }

    /** An object this clone controls (this very clone, by uid), from the informer cache. */
    public <R extends HasMetadata> Optional<R> owned(Class<R> type, String name) {
        return allOwned(type).stream()
                .filter(r -> name.equals(r.getMetadata().getName()))
                .findFirst();
    }

    /**
     * The objects of a type this clone controls. The informers map objects to clones by the owner
     * reference's name; only the uid tells this clone from an earlier one of the same name.
     */
    public <R extends HasMetadata> java.util.Set<R> allOwned(Class<R> type) {
        return josdk.getSecondaryResources(type).stream()
                .filter(r -> Ownership.controlledBy(r, clone.getMetadata().getUid()))
                .collect(java.util.stream.Collectors.toSet());
    }

    public Ownership ownership() { return ownership; }

    /** The CloneSources the operator watches (its informer cache). */
    java.util.stream.Stream<CloneSource> cloneSources() {
        var source = josdk.eventSourceRetriever().getEventSourceFor(CloneSource.class, DatabaseCloneReconciler.CLONE_SOURCE_EVENTS);
        return ((io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource<CloneSource, DatabaseClone>) source)
                .list(s -> true);
    }

    /**
     * Creates an object this clone controls, or returns the one of that name this clone already
     * controls; any other object of that name is a {@link Ownership.NameConflict}.
     */
    public <R extends HasMetadata> R create(R resource) {
        return ownership.createControlled(resource, clone.getMetadata().getUid());
    }

    public String describeSource() {
        var source = clone.getSpec().getSource();
        if (source.getCloneSource() != null) {
            return "cloneSource " + source.getCloneSource();
        }
        if (source.getCloudNativePG() != null) {
            // the Cluster and the choice as written: what it resolved to is in status.cloudNativePG
            return "cloudNativePG " + sourceNamespace() + "/" + source.getCloudNativePG();
        }
        if (source.getCloudNativePGBackup() != null) {
            // the Backup as written: its snapshots are in status.cloudNativePG
            return "cloudNativePGBackup " + sourceNamespace() + "/" + source.getCloudNativePGBackup();
        }
        String ns = sourceNamespace();
        if (source.getWalPvcName() != null && !source.getWalPvcName().isBlank()) {
            return "pvc " + ns + "/" + source.getPvcName() + " with WAL volume " + source.getWalPvcName();
        }
        return source.getPvcName() != null ? "pvc " + ns + "/" + source.getPvcName()
                : "snapshot " + ns + "/" + source.getSnapshotName();
    }

    /** The VolumeSnapshot in the clone's namespace its PVC restores from. */
    public String restoreFrom() {
        return clone.getSpec().getSource().getCloneSource() != null ? Names.snapshot(clone) : snapshot().getName();
    }

    public String sourceNamespace() {
        String ns = clone.getSpec().getSource().getNamespace();
        return ns == null || ns.isBlank() ? namespace() : ns;
    }
}
