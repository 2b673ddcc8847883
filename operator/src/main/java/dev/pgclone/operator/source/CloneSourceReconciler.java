package dev.pgclone.operator.source;

import dev.pgclone.operator.cnpg.CloudNativePGCloneSources;
import dev.pgclone.operator.cnpg.CloudNativePGResolver;
import dev.pgclone.operator.cnpg.Resolution;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import java.util.Optional;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus.SharedSnapshot;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.MarkedOnly;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.sourcesnapshots.SourceSnapshotClaims;
import dev.pgclone.operator.spec.CloneSourceValidator;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps a CloneSource's snapshots: reports them and their users, and deletes each one that no
 * clone uses once it is past snapshotMaxAge (at once without a snapshotMaxAge: it was one clone's).
 * The clones take and claim the snapshots ({@link SourceSnapshotClaims}); a claim is a
 * finalizer, so releasing the last one is an update event that brings this controller here.
 * Deleting the CloneSource waits, through its own finalizer, until no clone uses its snapshots,
 * so a snapshot is never deleted under a clone; the clones themselves are refused once it is gone.
 */
// not generation-aware: the rebuild-masked-snapshot annotation changes metadata only, and must start a build
@ControllerConfiguration(name = CloneSourceReconciler.NAME, generationAwareEventProcessing = false)
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "postgresql.cnpg.io", resources = {"clusters", "imagecatalogs", "clusterimagecatalogs"}, verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "snapshot.storage.k8s.io", resources = "volumesnapshots", verbs = {"get", "list", "watch", "update", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "snapshot.storage.k8s.io", resources = "volumesnapshotcontents", verbs = "delete")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "pgclone.dev", resources = "databaseclones", verbs = {"get", "list", "watch", "create", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "persistentvolumeclaims", verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "events", verbs = "create")
public class CloneSourceReconciler implements Reconciler<CloneSource>, Cleaner<CloneSource> {

    public static final String NAME = "clonesource";
    static final Duration ORPHAN_SWEEP = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final Clock clock;
    private final CloneSourceStatusFactory statusFactory;
    private final EventRecorder events;
    private final Ownership ownership;
    private final SourceSnapshotClaims sourceSnapshots;
    private final MaskedSnapshotKeeper maskedSnapshots;
    private final CloudNativePGResolver cloudNativePG;

    public CloneSourceReconciler(KubernetesClient client, Clock clock, OperatorKey key) {
        this.cloudNativePG = new CloudNativePGResolver(client);
        this.client = client;
        this.ownership = new Ownership(client, key);
        this.clock = clock;
        this.statusFactory = new CloneSourceStatusFactory(clock);
        this.sourceSnapshots = new SourceSnapshotClaims(client, ownership);
        this.events = new EventRecorder(client, clock);
        this.maskedSnapshots = new MaskedSnapshotKeeper(client, ownership, events);
    }

    @Override
    public List<EventSource<?, CloneSource>> prepareEventSources(EventSourceContext<CloneSource> context) {
        var config = InformerEventSourceConfiguration.from(VolumeSnapshot.class, CloneSource.class)
                .withName("sourcesnapshots")
                .withLabelSelector(Labels.MARKED_SELECTOR + "," + Labels.CLONE_SOURCE)
                .withItemStore(new MarkedOnly<>(ownership))
                .withOnAddFilter(ownership::marked)
                .withOnUpdateFilter((now, before) -> ownership.marked(now) || ownership.marked(before))
                .withOnDeleteFilter((gone, unknownState) -> ownership.marked(gone))
                .withSecondaryToPrimaryMapper(s -> Set.of(new ResourceID(s.getMetadata().getLabels().get(Labels.CLONE_SOURCE),
                        s.getMetadata().getNamespace())))
                .build();
        // the masked-snapshot builds (mode Snapshot): their progress and end wake their CloneSource
        var builds = InformerEventSourceConfiguration.from(DatabaseClone.class, CloneSource.class)
                .withName("maskingbuilds")
                .withLabelSelector(Labels.MARKED_SELECTOR + "," + Labels.MASKING_BUILD)
                .withItemStore(new MarkedOnly<>(ownership))
                .withOnAddFilter(ownership::marked)
                .withOnUpdateFilter((now, before) -> ownership.marked(now) || ownership.marked(before))
                .withOnDeleteFilter((gone, unknownState) -> ownership.marked(gone))
                .withSecondaryToPrimaryMapper(b -> Set.of(new ResourceID(b.getMetadata().getLabels().get(Labels.MASKING_BUILD),
                        b.getMetadata().getNamespace())))
                .build();
        return List.of(new InformerEventSource<>(config, context), new InformerEventSource<>(builds, context));
    }

    @Override
    public UpdateControl<CloneSource> reconcile(CloneSource source, Context<CloneSource> context) {
        CloneSourceStatus previous = source.getStatus();
        CloneSourceStatus status = statusFactory.startFrom(previous);

        List<String> problems = CloneSourceValidator.problems(source);
        Duration window = problems.isEmpty() ? CloneSourceValidator.shareWindow(source.getSpec()) : null;
        Instant now = clock.instant();
        Instant nextExpiry = null;
        List<SharedSnapshot> kept = new ArrayList<>();
        int users = 0;
        for (VolumeSnapshot s : sourceSnapshots.of(source)) {
            s = sourceSnapshots.withoutOrphanedClaims(s);
            int using = SourceSnapshots.users(s);
            Instant created = Instant.parse(s.getMetadata().getCreationTimestamp());
            Instant until = window == null ? created : created.plus(window);
            if (using == 0 && problems.isEmpty() && (!now.isBefore(until) || CloneSnapshots.failed(s))) {
                if (sourceSnapshots.deleteUnclaimed(s)) {
                    continue;
                }
                using = SourceSnapshots.users(s);
            }
            if (using == 0 && problems.isEmpty()) {
                nextExpiry = nextExpiry == null || until.isBefore(nextExpiry) ? until : nextExpiry;
            }
            users += using;
            kept.add(new SharedSnapshot(s.getMetadata().getName(), Conditions.format(created),
                    s.getStatus() == null ? null : s.getStatus().getReadyToUse(), using, window == null ? null : Conditions.format(until)));
        }
        kept.sort(Comparator.comparing(SharedSnapshot::getCreatedAt).reversed());

        CloneSourceStatusFactory.Problem problem = problem(source, problems);
        Optional<MaskedSnapshotKeeper.Report> masking = maskedSnapshots.keep(source, previous, now, problem == null);
        users += masking.map(MaskedSnapshotKeeper.Report::users).orElse(0);
        if (statusFactory.write(source, status, kept, users, problem)) {
            events.warning(source, problem.reason(), problem.message());
        }
        if (statusFactory.writeMasking(source, status, masking)) {
            var ready = status.condition(Conditions.MASKED_SNAPSHOT_READY).orElseThrow();
            events.warning(source, ready.getReason().equals(Reasons.MASKED_SNAPSHOT_PUBLISHED) ? Reasons.MASKING_FAILED : ready.getReason(),
                    "masked-snapshot build " + status.getBuild().getName() + " failed, nothing was published: " + status.getBuild().getMessage());
        }
        Instant maskingWake = masking.map(MaskedSnapshotKeeper.Report::wakeAt).orElse(null);
        if (maskingWake != null && (nextExpiry == null || maskingWake.isBefore(nextExpiry))) {
            nextExpiry = maskingWake;
        }

        UpdateControl<CloneSource> control;
        if (Objects.equals(status, previous)) {
            control = UpdateControl.noUpdate();
        } else {
            source.setStatus(status);
            control = UpdateControl.patchStatus(source);
        }
        if (nextExpiry != null) {
            Duration wait = Duration.between(now, nextExpiry);
            control.rescheduleAfter(wait.isNegative() ? Duration.ZERO : wait.plusSeconds(1));
        } else if (users > 0) {
            // a clone whose own finalizer was forced off never releases its claim: look for such claims now and then
            control.rescheduleAfter(ORPHAN_SWEEP);
        } else if (problem != null) {
            // the PVC and the ConfigMap are not watched: look again now and then while one is missing
            control.rescheduleAfter(Duration.ofMinutes(1));
        }
        return control;
    }

    /** Deleting the CloneSource: unused snapshots go now; it stays until the clones using the others have let go. */
    @Override
    public DeleteControl cleanup(CloneSource source, Context<CloneSource> context) {
        boolean inUse = false;
        List<VolumeSnapshot> all = new ArrayList<>(sourceSnapshots.of(source));
        all.addAll(new MaskedSnapshots(client, ownership).of(source));
        for (VolumeSnapshot s : all) {
            s = sourceSnapshots.withoutOrphanedClaims(s);
            if (SourceSnapshots.users(s) > 0 || !sourceSnapshots.deleteUnclaimed(s)) {
                inUse = true;
            }
        }
        return inUse ? DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(30)) : DeleteControl.defaultDelete();
    }

    /** What refuses clones of the source, or null when it is usable. */
    private CloneSourceStatusFactory.Problem problem(CloneSource source, List<String> problems) {
        if (!problems.isEmpty()) {
            return new CloneSourceStatusFactory.Problem(Reasons.CLONE_SOURCE_INVALID,
                    "not usable, clones of it are refused: " + String.join("; ", problems));
        }
        var effective = CloudNativePGCloneSources.effective(cloudNativePG, source);
        if (effective instanceof Resolution.Problem<CloudNativePGCloneSources.Effective> p) {
            return new CloneSourceStatusFactory.Problem(p.reason(), p.message() + "; new clones wait");
        }
        if (source.getSpec().getCloudNativePG() != null) {
            // the instance's PVC was found with it
            return missingPostCloneConfigMap(source) ? postCloneMissing(source) : null;
        }
        if (client.persistentVolumeClaims().inNamespace(source.getMetadata().getNamespace()).withName(source.getSpec().getPvcName()).get() == null) {
            return new CloneSourceStatusFactory.Problem(Reasons.SOURCE_PVC_NOT_FOUND,
                    "PersistentVolumeClaim " + source.getSpec().getPvcName() + " does not exist in this namespace: fix spec.pvcName");
        }
        return missingPostCloneConfigMap(source) ? postCloneMissing(source) : null;
    }

    private static CloneSourceStatusFactory.Problem postCloneMissing(CloneSource source) {
        return new CloneSourceStatusFactory.Problem(Reasons.SOURCE_POST_CLONE_NOT_FOUND, "ConfigMap "
                + source.getSpec().getPostClone().getConfigMapName() + " named by spec.postClone.configMapName"
                + " does not exist in this namespace: clones are refused until it does");
    }

    private boolean missingPostCloneConfigMap(CloneSource source) {
        var postClone = source.getSpec().getPostClone();
        return postClone != null && postClone.getConfigMapName() != null && !postClone.getConfigMapName().isBlank()
                && client.configMaps().inNamespace(source.getMetadata().getNamespace()).withName(postClone.getConfigMapName()).get() == null;
    }
}
