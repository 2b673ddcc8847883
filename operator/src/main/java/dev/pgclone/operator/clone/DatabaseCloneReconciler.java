package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.resources.CloneBootstrap;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.MarkedOnly;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.BackoffPolicy;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import dev.pgclone.operator.sourcesnapshots.SourceSnapshotClaims;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.pgclone.operator.spec.Durations;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import dev.pgclone.operator.cnpg.CloudNativePGResolver;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Reconciles a DatabaseClone: derives the whole desired state from the spec and what exists, runs
 * the {@link CloneWorkflow}, and writes a status whose conditions, phase and timings say where the
 * clone stands and, on failure, what to change. Level-triggered: restarting the operator at any
 * point converges without duplicates because every step first looks at what already exists.
 */
// API access beyond the primary resource, for the generated RBAC; the Helm chart grants the same (HelmRbacIT)
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = {"pods", "persistentvolumeclaims", "secrets"}, verbs = {"get", "list", "watch", "create", "patch", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "services", verbs = {"get", "list", "watch", "create", "update"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "configmaps", verbs = {"get", "list", "watch", "create", "update"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "events", verbs = "create")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "snapshot.storage.k8s.io", resources = "volumesnapshots", verbs = {"get", "list", "watch", "create", "update", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "snapshot.storage.k8s.io", resources = "volumesnapshotcontents", verbs = {"get", "create", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "pgclone.dev", resources = "clonesources", verbs = {"get", "list", "watch"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "namespaces", verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "postgresql.cnpg.io", resources = {"clusters", "backups", "imagecatalogs", "clusterimagecatalogs"}, verbs = "get")
// leader election (JOSDK checks get, create, update; fabric8's LeaseLock patches)
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "create", "update", "patch"})
@ControllerConfiguration(name = DatabaseCloneReconciler.NAME)
public class DatabaseCloneReconciler implements Reconciler<DatabaseClone>, Cleaner<DatabaseClone> {

    public static final String NAME = "databaseclone";
    private static final Logger LOG = Logger.getLogger(DatabaseCloneReconciler.class);

    /** How often a clone of a CloneSource re-checks its grant when no event would tell it of a change. */
    static final Duration GRANT_RECHECK = Duration.ofMinutes(5);
    private static final String CLONE_SOURCE_INDEX = "cloneSource";
    static final String CLONE_SOURCE_EVENTS = "clonesource";

    private final KubernetesClient client;
    private final Clock clock;
    /** Retryable failures back off with the time they have lasted. */
    private final BackoffPolicy backoff;
    private final CloneStatusFactory statusFactory;
    private final EventRecorder events;
    private final BackgroundWork work;
    private final CloneWorkflow workflow;
    private final CloneMetrics metrics;
    private final Ownership ownership;
    private final CloneAdmission admission;
    private final SourceSnapshotClaims sourceSnapshots;
    private final MaskedSnapshots maskedSnapshots;
    private final CloudNativePGResolver cloudNativePG;
    /** Deleting a clone of a CloneSource frees a slot: this wakes the clones waiting for one. */
    private final SimpleInboundEventSource<DatabaseClone> slotFreed = new SimpleInboundEventSource<>("clonesource-slots");

    public DatabaseCloneReconciler(KubernetesClient client, Clock clock, BackgroundWork work, ClonePreparer preparer,
                                   SourceCheckpointer checkpointer, ClonePodAddress address, CloneMetrics metrics,
                                   ImageAllowList allowedImages, OperatorKey key, BackoffPolicy backoff) {
        this.client = client;
        this.clock = clock;
        this.backoff = backoff;
        this.ownership = new Ownership(client, key);
        this.admission = new CloneAdmission(allowedImages);
        this.sourceSnapshots = new SourceSnapshotClaims(client, ownership);
        this.maskedSnapshots = new MaskedSnapshots(client, ownership);
        this.cloudNativePG = new CloudNativePGResolver(client);
        this.events = new EventRecorder(client, clock);
        this.work = work;
        this.metrics = metrics;
        this.workflow = new CloneWorkflow(work, preparer, checkpointer, address, CloneBootstrap.files(), key);
        this.statusFactory = new CloneStatusFactory(clock, workflow.steps());
    }

    @Override
    public List<EventSource<?, DatabaseClone>> prepareEventSources(EventSourceContext<DatabaseClone> context) {
        metrics.countFrom(() -> context.getPrimaryCache().list());
        List<EventSource<?, DatabaseClone>> sources = new ArrayList<>();
        for (Class<? extends HasMetadata> type : List.of(Pod.class, PersistentVolumeClaim.class, Secret.class, ConfigMap.class,
                Service.class, VolumeSnapshot.class)) {
            sources.add(informer(type, context, ownership));
        }
        sources.add(work.eventSource());
        sources.add(slotFreed);
        sources.add(cloneSources(context));
        return sources;
    }

    /** A change to a CloneSource (grant withdrawn, scripts changed, deleted) reaches every clone that names it. */
    private static InformerEventSource<CloneSource, DatabaseClone> cloneSources(EventSourceContext<DatabaseClone> context) {
        context.getPrimaryCache().addIndexer(CLONE_SOURCE_INDEX, clone -> {
            var source = clone.getSpec() == null || clone.getSpec().getSource() == null ? null : clone.getSpec().getSource().getCloneSource();
            return source == null ? List.of() : List.of(source.toString());
        });
        var config = InformerEventSourceConfiguration.from(CloneSource.class, DatabaseClone.class)
                .withName(CLONE_SOURCE_EVENTS)
                .withSecondaryToPrimaryMapper(source -> context.getPrimaryCache()
                        .byIndex(CLONE_SOURCE_INDEX, source.getMetadata().getNamespace() + "/" + source.getMetadata().getName())
                        .stream().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build();
        return new InformerEventSource<>(config, context);
    }

    /**
     * Children of clones: only objects carrying the operator's valid mark are cached or wake a
     * reconcile ({@link MarkedOnly}); the label selector alone is something anyone can set. An
     * update that breaks the mark of one of ours (a script edited in place) still wakes its clone.
     */
    private static <R extends HasMetadata> InformerEventSource<R, DatabaseClone> informer(Class<R> type, EventSourceContext<DatabaseClone> context,
                                                                                        Ownership ownership) {
        var config = InformerEventSourceConfiguration.from(type, DatabaseClone.class)
                .withName(type.getSimpleName().toLowerCase())
                .withLabelSelector(Labels.MARKED_SELECTOR)
                .withItemStore(new MarkedOnly<>(ownership))
                .withOnAddFilter(ownership::marked)
                .withOnUpdateFilter((now, before) -> ownership.marked(now) || ownership.marked(before))
                .withOnDeleteFilter((gone, unknownState) -> ownership.marked(gone))
                .build();
        return new InformerEventSource<>(config, context);
    }

    @Override
    public UpdateControl<DatabaseClone> reconcile(DatabaseClone clone, Context<DatabaseClone> josdk) {
        DatabaseCloneStatus previous = clone.getStatus();
        if (maskedSnapshots.awaitsBuildSeal(clone)) {
            // a build the CloneSource controller is about to seal (or will delete): nothing runs on it before
            return UpdateControl.<DatabaseClone>noUpdate().rescheduleAfter(Duration.ofSeconds(2));
        }
        boolean build = maskedSnapshots.buildOf(clone).isPresent();
        if (build) {
            // what a build does is decided by its CloneSource alone: whatever its spec was edited to say is ignored
            clone = asBuild(clone, josdk);
        }
        DatabaseCloneStatus status = statusFactory.startFrom(previous);
        Optional<String> nameProblem = Names.cloneNameProblem(clone.getMetadata().getName());
        List<String> problems = SpecValidator.problems(clone.getSpec(), clone.getMetadata().getName());
        if (nameProblem.isPresent()) {
            // the name comes first: no spec edit can fix it, and nothing may be made under it
            problems = List.of(nameProblem.get());
        }
        CloneSourceGrant.Decision grant = problems.isEmpty() && clone.getSpec().getSource().getCloneSource() != null
                ? CloneSourceGrant.decide(client, cloudNativePG, clone) : null;
        CloneSource granted = grant instanceof CloneSourceGrant.Granted g ? g.source() : null;
        CloudNativePGSources.Decision cnpg = null;
        if (problems.isEmpty() && clone.getSpec().getSource().getCloudNativePG() != null) {
            cnpg = CloudNativePGSources.decide(cloudNativePG, client, clone, previous, made(clone, josdk));
        } else if (problems.isEmpty() && clone.getSpec().getSource().getCloudNativePGBackup() != null) {
            cnpg = CloudNativePGSources.decideBackup(cloudNativePG, clone, previous, made(clone, josdk), bootstrapConfigMap(clone, josdk));
        }
        CloudNativePGSources.Found found = cnpg instanceof CloudNativePGSources.Found f ? f : null;
        DatabaseClone effective = problems.isEmpty() ? EffectiveClone.of(clone, granted, found) : clone;
        CloneContext ctx = new CloneContext(effective, status, josdk, client, clock.instant(), events, ownership);
        if (found != null) {
            ctx.sourceHost(found.podIp());
            ctx.sourceInstanceAddress(found.instanceAddress());
            if (found.note() != null && (previous == null || !found.used().equals(previous.getCloudNativePG()))) {
                events.normal(clone, Reasons.CLOUDNATIVEPG_INSTANCE_CHOSEN, "Cluster " + found.used().getCluster() + ": snapshotting instance "
                        + found.used().getInstance() + " (" + found.used().getRole() + "): " + found.note());
            }
        }
        if (grant instanceof CloneSourceGrant.Granted g) {
            ctx.granted(g.source(), g.mandatoryScripts());
            ctx.sourceHost(g.sourceHost());
            ctx.maskingBuild(build && Ownership.controlledBy(clone, g.source().getMetadata().getUid()));
        }
        Optional<Instant> expiresAt = expiresAt(clone);
        statusFactory.observed(status, ctx.generation(),
                ctx.clone().getSpec() == null || ctx.clone().getSpec().getSource() == null ? null : ctx.describeSource(),
                expiresAt.map(Conditions::format).orElse(null), found == null ? status.getCloudNativePG() : found.used());
        if (expiresAt.isPresent() && !ctx.now().isBefore(expiresAt.get())) {
            events.normal(clone, Reasons.EXPIRED, "spec.ttl " + clone.getSpec().getTtl() + " elapsed at "
                    + Conditions.format(expiresAt.get()) + "; deleting the clone");
            client.resource(clone).delete();
            return UpdateControl.noUpdate();
        }

        Duration reschedule = null;
        if (problems.isEmpty() && !(grant instanceof CloneSourceGrant.Refused) && !(cnpg instanceof CloudNativePGSources.Problem)) {
            // a refused clone lacks what the CloneSource (or the Cluster) would have filled in: the refusal is what to report
            problems = SpecValidator.effectiveProblems(effective.getSpec());
        }
        Optional<CloneAdmission.Refusal> refusal = problems.isEmpty() && !(grant instanceof CloneSourceGrant.Refused)
                && !(cnpg instanceof CloudNativePGSources.Problem)
                ? admission.check(effective, granted, build ? List.of() : sameSource(josdk, clone), countsFor(granted))
                : Optional.empty();
        long generation = ctx.generation();
        CloneStatusFactory.Written written;
        if (nameProblem.isPresent()) {
            written = warnIfNew(ctx, statusFactory.invalid(status, generation, Reasons.INVALID_NAME,
                    nameProblem.get() + "; nothing was created for this clone"));
        } else if (!problems.isEmpty()) {
            written = warnIfNew(ctx, statusFactory.invalid(status, generation, Reasons.INVALID_SPEC, "invalid spec: " + String.join("; ", problems)));
        } else if (cnpg instanceof CloudNativePGSources.Problem p) {
            // nothing is snapshotted until the Cluster is as the message asks; its changes are not watched
            written = warnIfNew(ctx, statusFactory.invalid(status, generation, p.reason(), p.message()));
            reschedule = backoff.after(written.problemSince(), ctx.now(), written.problemBegan());
        } else if (grant instanceof CloneSourceGrant.Refused refused) {
            boolean dataDeleted = refuse(ctx, refused);
            written = warnIfNew(ctx, statusFactory.refused(status, generation, refused.reason(), refused.message(), dataDeleted));
            reschedule = backoff.after(written.problemSince(), ctx.now(), false);
        } else if (refusal.isPresent()) {
            // refused before the workflow: nothing is snapshotted, created or mounted for it
            written = warnIfNew(ctx, statusFactory.invalid(status, generation, refusal.get().reason(), refusal.get().message()));
            if (refusal.get().waits()) {
                reschedule = backoff.after(written.problemSince(), ctx.now(), written.problemBegan());
            }
        } else {
            CloneWorkflow.Result result = workflow.run(ctx);
            written = warnIfNew(ctx, statusFactory.workflow(status, generation, result, clone.getMetadata().getCreationTimestamp()));
            recordMetrics(status, written);
            if (result.outcome().kind() == Outcome.Kind.FAIL) {
                if (result.outcome().retryable()) {
                    reschedule = backoff.after(written.problemSince(), ctx.now(), written.problemBegan());
                }
            } else if (!result.complete()) {
                reschedule = result.outcome().recheck();
            }
            if (reschedule == null && grant != null) {
                // a grant through allowedNamespaceSelector ends when the namespace's labels change, which nothing watches
                reschedule = GRANT_RECHECK;
            }
        }
        if (!Objects.equals(previous == null ? null : previous.getPhase(), status.getPhase())) {
            phaseChanged(clone, status, written.ready());
        }
        if (expiresAt.isPresent()) {
            Duration untilExpiry = Duration.between(ctx.now(), expiresAt.get());
            reschedule = reschedule == null || untilExpiry.compareTo(reschedule) < 0 ? untilExpiry : reschedule;
        }

        UpdateControl<DatabaseClone> control;
        if (status.equals(previous)) {
            control = UpdateControl.noUpdate();
        } else {
            clone.setStatus(status);
            control = UpdateControl.patchStatus(clone);
        }
        if (reschedule != null) {
            control.rescheduleAfter(reschedule.isNegative() ? Duration.ZERO : reschedule);
        }
        return control;
    }

    /**
     * Whether anything was made from the source for this clone (its snapshot or volume, or a
     * CHECKPOINT or backup running for it): from then on the CloudNativePG instance it was made
     * of stays the one recorded.
     */
    private boolean made(DatabaseClone clone, Context<DatabaseClone> josdk) {
        String uid = clone.getMetadata().getUid();
        return work.running(SourceBackup.key(uid)) || work.running(CheckpointStep.key(uid))
                || josdk.getSecondaryResources(VolumeSnapshot.class).stream().anyMatch(s -> Ownership.controlledBy(s, uid))
                || josdk.getSecondaryResources(PersistentVolumeClaim.class).stream().anyMatch(p -> Ownership.controlledBy(p, uid));
    }

    /** The clone's own bootstrap ConfigMap, from the informer cache (which holds only objects with the operator's valid mark). */
    private static Optional<ConfigMap> bootstrapConfigMap(DatabaseClone clone, Context<DatabaseClone> josdk) {
        String name = Names.bootstrapConfigMap(clone);
        return josdk.getSecondaryResources(ConfigMap.class).stream()
                .filter(c -> name.equals(c.getMetadata().getName()) && Ownership.controlledBy(c, clone.getMetadata().getUid())).findFirst();
    }

    /**
     * A copy of a masked-snapshot build with the spec its CloneSource decides (the build's controller
     * names the source, read from the API server like the grant reads it).
     */
    private DatabaseClone asBuild(DatabaseClone clone, Context<DatabaseClone> josdk) {
        DatabaseClone copy = Serialization.unmarshal(Serialization.asJson(clone), DatabaseClone.class);
        String sourceName = Ownership.controller(clone).map(OwnerReference::getName).orElseThrow();
        CloneSource source = client.resources(CloneSource.class).inNamespace(clone.getMetadata().getNamespace()).withName(sourceName).get();
        if (source == null) {
            source = new CloneSource();
            source.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(sourceName)
                    .withNamespace(clone.getMetadata().getNamespace()).build());
        }
        copy.setSpec(MaskedSnapshots.buildSpec(source));
        return copy;
    }

    /** A Warning event (and a log line) for every new failure, or one that says something new. */
    private CloneStatusFactory.Written warnIfNew(CloneContext ctx, CloneStatusFactory.Written written) {
        if (written.warn()) {
            Condition ready = written.ready();
            LOG.infof("clone %s/%s: %s: %s", ctx.namespace(), ctx.clone().getMetadata().getName(), ready.getReason(), ready.getMessage());
            events.warning(ctx.clone(), ready.getReason(), ready.getMessage());
        }
        return written;
    }

    /** Stage timings the status factory recorded as their conditions became True, for the metrics. */
    private void recordMetrics(DatabaseCloneStatus status, CloneStatusFactory.Written written) {
        if (written.timed().contains(Conditions.SNAPSHOT_READY)) {
            metrics.snapshotReady(status.getTimings().getSnapshotSeconds());
        }
        if (written.becameReady()) {
            metrics.cloneReady(status.getTimings().getTotalSeconds());
        }
    }

    /**
     * The CloneSource no longer lets this clone exist (gone, or the namespace not allowed): the
     * production data it holds goes (Pod, volume, snapshot binding, claim on the source snapshot);
     * the DatabaseClone stays, Failed, saying why ({@link CloneStatusFactory#refused}), and comes back
     * by itself if access is granted again. A CloneSource that is invalid or misses its scripts only
     * stops new work. Returns whether the clone's copy was deleted (its status then reports no data).
     */
    private boolean refuse(CloneContext ctx, CloneSourceGrant.Refused refused) {
        boolean accessEnded = Reasons.CLONE_SOURCE_NOT_FOUND.equals(refused.reason()) || Reasons.NAMESPACE_NOT_ALLOWED.equals(refused.reason());
        String message = refused.message();
        if (accessEnded) {
            String uid = ctx.clone().getMetadata().getUid();
            boolean held = ownership.deleteIfControlled(client.pods().inNamespace(ctx.namespace()).withName(Names.pod(ctx.clone())).get(), uid);
            held |= ownership.deleteIfControlled(client.persistentVolumeClaims().inNamespace(ctx.namespace())
                    .withName(Names.volume(ctx.clone())).get(), uid);
            held |= sourceSnapshots.release(ctx.clone());
            if (held) {
                events.warning(ctx.clone(), Reasons.ACCESS_REVOKED, "Deleted the clone's Pod, volume and snapshot binding: " + message);
                return true;
            }
        }
        return false;
    }

    @Override
    public DeleteControl cleanup(DatabaseClone clone, Context<DatabaseClone> josdk) {
        if (clone.getSpec() != null && clone.getSpec().getSource() != null && clone.getSpec().getSource().getCloneSource() != null) {
            sourceSnapshots.release(clone);
            // the cache already holds this clone with its deletionTimestamp, so the woken ones no longer count it
            sameSource(josdk, clone).stream().filter(other -> !other.getMetadata().getUid().equals(clone.getMetadata().getUid()))
                    .forEach(other -> slotFreed.propagateEvent(ResourceID.fromResource(other)));
        }
        return DeleteControl.defaultDelete();
    }

    /** The clones of the CloneSource this clone names, from the informer cache (empty for other clones). */
    private List<DatabaseClone> sameSource(Context<DatabaseClone> josdk, DatabaseClone clone) {
        var ref = clone.getSpec() == null || clone.getSpec().getSource() == null ? null : clone.getSpec().getSource().getCloneSource();
        // masked-snapshot builds take no clone's slot (mode Snapshot): they would otherwise starve the clones they serve
        return ref == null ? List.of() : josdk.getPrimaryCache().byIndex(CLONE_SOURCE_INDEX, ref.toString()).stream()
                .filter(c -> !MaskedSnapshots.labelledBuild(c) || maskedSnapshots.buildOf(c).isEmpty()).toList();
    }

    /**
     * A clone takes a slot of the CloneSource only if its namespace is allowed: otherwise anyone
     * could fill a production source's slots from a namespace it never granted.
     */
    private Predicate<DatabaseClone> countsFor(CloneSource source) {
        Map<String, Boolean> allowed = new HashMap<>();
        return other -> allowed.computeIfAbsent(other.getMetadata().getNamespace(), ns -> CloneSourceGrant.allows(client, source, ns));
    }

    private void phaseChanged(DatabaseClone clone, DatabaseCloneStatus status, Condition ready) {
        if (!CloneStatusFactory.FAILED.equals(status.getPhase())) {
            events.normal(clone, status.getPhase(), ready.getMessage());
        }
    }

    private static Optional<Instant> expiresAt(DatabaseClone clone) {
        if (clone.getSpec() == null || clone.getSpec().getTtl() == null || clone.getMetadata().getCreationTimestamp() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(clone.getMetadata().getCreationTimestamp()).plus(Durations.parse(clone.getSpec().getTtl())));
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            // reported as InvalidSpec by the validator; no expiry for a ttl that cannot be computed
            return Optional.empty();
        }
    }
}
