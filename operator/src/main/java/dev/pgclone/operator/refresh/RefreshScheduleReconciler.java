package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.refresh.RunPlanner.Plan;
import dev.pgclone.operator.refresh.RunPlanner.Run;
import dev.pgclone.operator.refresh.ScheduleHistory.Child;
import dev.pgclone.operator.refresh.ScheduleHistory.Deletion;
import dev.pgclone.operator.refresh.ScheduleHistory.State;
import dev.pgclone.operator.refresh.ScheduleHistory.Switch;
import dev.pgclone.operator.refresh.ScheduleValidator.Problem;
import dev.pgclone.operator.refresh.ScheduleValidator.Validation;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.MarkedOnly;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Reconciles a RefreshSchedule, CronJob-style with concurrency Forbid: when a run is due (cron, or
 * the refresh-now annotation) it creates the child DatabaseClone {@code <schedule>-<yyyymmddhhmm>};
 * when a child newer than the serving one is Ready, the stable Service switches to it and older
 * children are pruned. Everything is derived from the children that exist and the status, so a
 * restart at any point creates no duplicate: a run's clone name is fixed by its run time, and a
 * run whose clone exists has happened.
 * <p>
 * Waits are events, not polling: the children, the Service and the Secrets are watched, and the
 * next run is a timer set exactly for {@code status.nextScheduleTime}.
 */
// API access beyond the primary resource, for the generated RBAC; the Helm chart grants the same (HelmRbacIT)
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "pgclone.dev", resources = "databaseclones", verbs = {"get", "list", "watch", "create", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "secrets", verbs = {"get", "list", "watch", "create", "patch", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "services", verbs = {"get", "list", "watch", "create", "update"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "persistentvolumeclaims", verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "snapshot.storage.k8s.io", resources = "volumesnapshots", verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "events", verbs = "create")
// not generation-aware: the refresh-now annotation changes metadata only, and must start a run
@ControllerConfiguration(name = RefreshScheduleReconciler.NAME, generationAwareEventProcessing = false)
public class RefreshScheduleReconciler implements Reconciler<RefreshSchedule> {

    public static final String NAME = "refreshschedule";
    /** The outcome of the latest run. */
    public static final String REFRESHED = "Refreshed";
    private static final Logger LOG = Logger.getLogger(RefreshScheduleReconciler.class);

    /** A due run blocked by a missing source is retried with the time the problem has lasted, within these bounds. */
    static final Duration MIN_BACKOFF = Duration.ofSeconds(5);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm xxx");

    private final KubernetesClient client;
    private final Conditions conditions;
    private final EventRecorder events;
    private final RefreshMetrics metrics;
    private final WrittenStatus writtenStatus = new WrittenStatus();

    private final Ownership ownership;

    public RefreshScheduleReconciler(KubernetesClient client, Clock clock, MeterRegistry registry, OperatorKey key) {
        this.client = client;
        this.ownership = new Ownership(client, key);
        this.conditions = new Conditions(clock);
        this.events = new EventRecorder(client, clock);
        this.metrics = new RefreshMetrics(registry);
    }

    @Override
    public List<EventSource<?, RefreshSchedule>> prepareEventSources(EventSourceContext<RefreshSchedule> context) {
        // children carry the schedule label; Service and Secrets also the managed-by label. Each is
        // mapped to its schedule through its controller owner reference (JOSDK's default mapper).
        // The Service and Secrets are kept only when they carry the operator's valid mark (MarkedOnly);
        // the children are DatabaseClones, which the clone controller caches anyway.
        return List.of(
                new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseClone.class, RefreshSchedule.class)
                        .withName("schedule-databaseclone").withLabelSelector(Labels.SCHEDULE).build(), context),
                marked(Service.class, context),
                marked(Secret.class, context));
    }

    private <R extends HasMetadata> InformerEventSource<R, RefreshSchedule> marked(Class<R> type, EventSourceContext<RefreshSchedule> context) {
        var config = InformerEventSourceConfiguration.from(type, RefreshSchedule.class)
                .withName("schedule-" + type.getSimpleName().toLowerCase())
                .withLabelSelector(Labels.SCHEDULE_SELECTOR + "," + Ownership.MARK)
                .withItemStore(new MarkedOnly<>(ownership))
                .withOnAddFilter(ownership::marked)
                .withOnUpdateFilter((now, before) -> ownership.marked(now) || ownership.marked(before))
                .withOnDeleteFilter((gone, unknownState) -> ownership.marked(gone))
                .build();
        return new InformerEventSource<>(config, context);
    }

    @Override
    public UpdateControl<RefreshSchedule> reconcile(RefreshSchedule schedule, Context<RefreshSchedule> josdk) {
        RefreshScheduleStatus previous = writtenStatus.newerThanCache(schedule).orElse(schedule.getStatus());
        RefreshScheduleStatus status = previous == null ? new RefreshScheduleStatus()
                : Serialization.unmarshal(Serialization.asJson(previous), RefreshScheduleStatus.class);
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        ScheduleContext ctx = new ScheduleContext(schedule, status, josdk, client, conditions, events, ownership);
        status.setObservedGeneration(ctx.generation());

        Validation validation = ScheduleValidator.validate(schedule);
        ScheduleHistory history = history(ctx);
        Problem conflict = null;
        try {
            if (validation.templateValid()) {
                ScheduleCredentials.ensure(ctx, serving(ctx));
            }
            serve(ctx, history);
        } catch (Ownership.NameConflict e) {
            // somebody else's Service or Secret under the schedule's names: never touched, and no run starts
            conflict = new Problem(Reasons.NAME_CONFLICT, e.describeFor("RefreshSchedule", ctx.name()));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 422) {
                throw e;
            }
            // a Service or Secret the API server finds invalid stays so: report it (and start no run) rather than fail the reconcile
            conflict = new Problem(Reasons.REJECTED_BY_API_SERVER, "the API server refused the schedule's Service or Secret: "
                    + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage())
                    + "; recreate the RefreshSchedule with another name if it names the object");
        }
        history = prune(ctx, history);

        Problem blocking = validation.problem() != null ? validation.problem() : conflict;
        Duration reschedule = null;
        if (blocking == null) {
            RunResult result = runIfDue(ctx, validation.cron(), history);
            history = result.history();
            blocking = result.blocked();
            reschedule = result.blocked() == null && status.getNextScheduleTime() != null
                    ? untilNext(ctx.now(), Instant.parse(status.getNextScheduleTime())) : null;
        } else {
            // an invalid spec stops the schedule until it is edited (the edit is the event that brings us back)
            status.setNextScheduleTime(null);
        }
        boolean blockingTransition = refreshed(ctx, history, blocking);
        ready(ctx, history, blocking);
        if (blocking != null && validation.problem() == null) {
            reschedule = backoff(ctx, blockingTransition);
        }

        if (!status.equals(previous)) {
            writeStatus(schedule, status);
        }
        UpdateControl<RefreshSchedule> control = UpdateControl.noUpdate();
        if (reschedule != null) {
            control.rescheduleAfter(reschedule);
        }
        return control;
    }

    /**
     * Writes the status with the client rather than through UpdateControl.patchStatus. JOSDK 5.3
     * filters the watch events around its own status patch, and with them a change made meanwhile
     * by someone else (operator-framework/java-operator-sdk#3398): a refresh-now annotation or a
     * spec edit landing during the patch would then wait for some unrelated event. Written here,
     * our own write comes back as one more event, whose reconcile finds nothing to change.
     */
    private void writeStatus(RefreshSchedule schedule, RefreshScheduleStatus status) {
        RefreshSchedule written = client.resources(RefreshSchedule.class).inNamespace(schedule.getMetadata().getNamespace())
                .withName(schedule.getMetadata().getName())
                .editStatus(live -> {
                    live.setStatus(status);
                    return live;
                });
        writtenStatus.remember(written);
    }

    /** The schedule's children as the schedule sees them, plus the latest one if the cache has not seen it yet. */
    private ScheduleHistory history(ScheduleContext ctx) {
        List<Child> children = new ArrayList<>();
        for (DatabaseClone clone : ctx.allOwned(DatabaseClone.class)) {
            child(ctx, clone).ifPresent(children::add);
        }
        String latest = ctx.status().getLatestClone();
        if (latest != null && children.stream().noneMatch(c -> c.name().equals(latest))) {
            DatabaseClone live = client.resources(DatabaseClone.class).inNamespace(ctx.namespace()).withName(latest).get();
            if (live != null) {
                child(ctx, live).ifPresent(children::add);
            }
        }
        return new ScheduleHistory(children);
    }

    private static Optional<DatabaseClone> serving(ScheduleContext ctx) {
        String active = ctx.status().getActiveClone();
        return active == null ? Optional.empty()
                : ctx.allOwned(DatabaseClone.class).stream().filter(c -> active.equals(c.getMetadata().getName())).findFirst();
    }

    private static Optional<Child> child(ScheduleContext ctx, DatabaseClone clone) {
        if (!ctx.controlledHere(clone) || clone.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        return Names.scheduleCloneRunTime(ctx.schedule(), clone.getMetadata().getName()).map(t -> Child.of(clone, t));
    }

    /** Points the stable Service at the newest Ready child when it is newer than the serving one. */
    private void serve(ScheduleContext ctx, ScheduleHistory history) {
        var status = ctx.status();
        String active = status.getActiveClone();
        Optional<Switch> target = history.switchTarget(active, activeRunTime(ctx));
        if (target.isEmpty()) {
            StableService.ensure(ctx, active);
            return;
        }
        Child to = target.get().to();
        StableService.ensure(ctx, to.name());
        status.setActiveClone(to.name());
        String service = Names.scheduleService(ctx.schedule());
        if (target.get().forward()) {
            status.setLastSuccessfulTime(Conditions.format(ctx.now()));
            status.setFailedClone(null);
            metrics.success();
            events.normal(ctx.schedule(), Reasons.REFRESHED, "Service " + service + " now selects clone " + to.name()
                    + dataAsOf(to) + (active == null ? "" : "; it replaces " + active));
        } else {
            events.warning(ctx.schedule(), Reasons.ACTIVE_CLONE_LOST, "clone " + active + ", which Service " + service
                    + " selected, no longer exists; the Service now selects the older clone " + to.name() + dataAsOf(to)
                    + " until a newer one is Ready");
        }
    }

    private ScheduleHistory prune(ScheduleContext ctx, ScheduleHistory history) {
        Integer limit = ctx.schedule().getSpec() == null ? null : ctx.schedule().getSpec().getHistoryLimit();
        List<Deletion> deletions = history.toDelete(ctx.status().getActiveClone(), activeRunTime(ctx), limit == null ? Defaults.HISTORY_LIMIT : Math.max(0, limit));
        if (deletions.isEmpty()) {
            return history;
        }
        List<Child> kept = new ArrayList<>(history.children());
        for (Deletion d : deletions) {
            var deleted = client.resources(DatabaseClone.class).inNamespace(ctx.namespace()).withName(d.child().name()).delete();
            // an empty answer: already gone (the cache lagged behind an earlier delete), nothing to report
            if (!deleted.isEmpty()) {
                events.normal(ctx.schedule(), Reasons.CLONE_PRUNED, "deleted clone " + d.child().name() + ": " + d.why());
            }
            kept.remove(d.child());
        }
        return new ScheduleHistory(kept);
    }

    private record RunResult(ScheduleHistory history, Problem blocked) {}

    /** Starts the run that is due, if any, and commits the next run time. */
    private RunResult runIfDue(ScheduleContext ctx, CronSchedule cron, ScheduleHistory history) {
        var schedule = ctx.schedule();
        var status = ctx.status();
        Instant committed = Conditions.parse(status.getNextScheduleTime());
        String request = schedule.getMetadata().getAnnotations() == null ? null
                : schedule.getMetadata().getAnnotations().get(RefreshSchedule.REFRESH_NOW);
        Boolean suspend = schedule.getSpec().getSuspend();
        boolean suspended = suspend == null ? Defaults.SUSPEND : suspend;
        Plan plan = RunPlanner.plan(cron, suspended, committed, status.getLastRefreshRequest(), request, ctx.now());
        Instant next = plan.next();
        Problem blocked = null;
        if (plan.run().isPresent()) {
            Run run = plan.run().get();
            String name = Names.scheduleClone(schedule, run.runTime());
            Optional<Child> busy = history.inProgress(activeRunTime(ctx));
            if (history.named(name).isPresent()) {
                // this run's clone exists: made before a restart that lost the status, or by an earlier request this minute
                recordRun(status, run, name);
                if (run.trigger() == RunPlanner.Trigger.REQUEST) {
                    events.normal(schedule, Reasons.RUN_SKIPPED, describe(run, cron, request) + ": clone " + name
                            + " was started this same minute, so it is this run");
                }
            } else if (busy.isPresent()) {
                events.normal(schedule, Reasons.RUN_SKIPPED, describe(run, cron, request) + " skipped: clone " + busy.get().name()
                        + " is still " + busy.get().phase() + ", and no new clone starts while one is in progress");
            } else {
                blocked = SourceCheck.missing(ctx).orElse(null);
                DatabaseClone clone = null;
                if (blocked == null) {
                    try {
                        clone = ctx.create(ScheduleResources.clone(schedule, run.runTime()));
                    } catch (Ownership.NameConflict e) {
                        blocked = new Problem(Reasons.NAME_CONFLICT, e.describeFor("RefreshSchedule", ctx.name()));
                    }
                }
                if (clone != null) {
                    List<Child> children = new ArrayList<>(history.children());
                    children.add(Child.of(clone, run.runTime()));
                    history = new ScheduleHistory(children);
                    recordRun(status, run, name);
                    events.normal(schedule, Reasons.REFRESH_STARTED, describe(run, cron, request) + ": creating clone " + name);
                    LOG.infof("schedule %s/%s: created clone %s", ctx.namespace(), ctx.name(), name);
                }
            }
            if (blocked == null && run.trigger() == RunPlanner.Trigger.REQUEST) {
                status.setLastRefreshRequest(request);
            }
        }
        if (blocked != null && committed != null) {
            // the due run is still due: keep the time it was due at, so it starts as soon as the source exists
            next = committed;
        }
        status.setNextScheduleTime(next == null ? null : Conditions.format(next));
        return new RunResult(history, blocked);
    }

    private static void recordRun(RefreshScheduleStatus status, Run run, String name) {
        Instant last = Conditions.parse(status.getLastScheduleTime());
        if (last == null || run.runTime().isAfter(last)) {
            status.setLastScheduleTime(Conditions.format(run.runTime()));
            status.setLatestClone(name);
        }
    }

    private static String describe(Run run, CronSchedule cron, String request) {
        if (run.trigger() == RunPlanner.Trigger.REQUEST) {
            return "refresh requested (" + RefreshSchedule.REFRESH_NOW + "=" + request + ")";
        }
        return "run scheduled for " + LOCAL_TIME.format(run.runTime().atZone(cron.zone())) + " (" + cron.zone() + ")";
    }

    /**
     * Refreshed: the outcome of the latest run. Returns true on a transition to a problem that
     * blocks runs, which is when its backoff starts over.
     */
    private boolean refreshed(ScheduleContext ctx, ScheduleHistory history, Problem blocking) {
        var status = ctx.status();
        Optional<Child> latest = history.newest();
        status.setLatestClone(latest.map(Child::name).orElse(null));
        if (status.getFailedClone() != null && history.named(status.getFailedClone()).isEmpty()) {
            status.setFailedClone(null);
        }
        if (blocking != null) {
            Optional<Condition> before = status.condition(REFRESHED);
            boolean transition = ctx.condition(REFRESHED, Condition.FALSE, blocking.reason(), blocking.message());
            if (transition || before.map(c -> !Objects.equals(c.getMessage(), blocking.message())).orElse(true)) {
                LOG.infof("schedule %s/%s: %s: %s", ctx.namespace(), ctx.name(), blocking.reason(), blocking.message());
                events.warning(ctx.schedule(), blocking.reason(), blocking.message());
            }
            return transition;
        }
        if (latest.isEmpty()) {
            ctx.condition(REFRESHED, Condition.UNKNOWN, Reasons.NO_RUN_YET, noRunYet(ctx));
            return false;
        }
        Child child = latest.get();
        String service = Names.scheduleService(ctx.schedule());
        switch (child.state()) {
            case READY -> ctx.condition(REFRESHED, Condition.TRUE, Reasons.REFRESHED,
                    "clone " + child.name() + " serves behind Service " + service + dataAsOf(child));
            case IN_PROGRESS -> ctx.condition(REFRESHED, Condition.UNKNOWN, Reasons.REFRESHING,
                    "clone " + child.name() + " is " + child.phase() + (child.message() == null ? "" : ": " + child.message()));
            case FAILED -> {
                String active = status.getActiveClone();
                String message = "clone " + child.name() + " failed: " + child.message()
                        + (active == null ? "" : "; clone " + active + " keeps serving behind Service " + service)
                        + "; the next run tries again";
                ctx.condition(REFRESHED, Condition.FALSE, child.reason() == null ? Reasons.REFRESH_FAILED : child.reason(), message);
                if (!child.name().equals(status.getFailedClone())) {
                    status.setFailedClone(child.name());
                    metrics.failure();
                    events.warning(ctx.schedule(), Reasons.REFRESH_FAILED, message);
                }
            }
        }
        return false;
    }

    /** Ready: a clone serves behind the stable Service. */
    private void ready(ScheduleContext ctx, ScheduleHistory history, Problem blocking) {
        String active = ctx.status().getActiveClone();
        String service = Names.scheduleService(ctx.schedule());
        if (active != null) {
            Optional<Child> serving = history.named(active);
            if (serving.isPresent() && serving.get().state() == State.READY) {
                ctx.condition(Conditions.READY, Condition.TRUE, Reasons.CLONE_SERVING, "Service " + service + " ("
                        + Names.scheduleServiceHost(ctx.schedule()) + ") selects clone " + active + dataAsOf(serving.get()));
            } else {
                ctx.condition(Conditions.READY, Condition.FALSE, Reasons.CLONE_NOT_READY, "clone " + active + " behind Service " + service
                        + (serving.isEmpty() ? " no longer exists; the next Ready clone replaces it"
                                : " is not Ready: " + serving.get().message()));
            }
            return;
        }
        if (blocking != null) {
            ctx.condition(Conditions.READY, Condition.FALSE, blocking.reason(), blocking.message());
            return;
        }
        Optional<Child> latest = history.newest();
        if (latest.isEmpty()) {
            ctx.condition(Conditions.READY, Condition.FALSE, Reasons.NO_CLONE_YET, noRunYet(ctx));
        } else if (latest.get().state() == State.FAILED) {
            ctx.condition(Conditions.READY, Condition.FALSE, latest.get().reason() == null ? Reasons.REFRESH_FAILED : latest.get().reason(),
                    "the first clone " + latest.get().name() + " failed: " + latest.get().message());
        } else {
            ctx.condition(Conditions.READY, Condition.FALSE, Reasons.WAITING, "waiting for the first clone " + latest.get().name()
                    + " to become Ready (" + latest.get().phase() + ")");
        }
    }

    private static String noRunYet(ScheduleContext ctx) {
        String now = "kubectl annotate refreshschedule/" + ctx.name() + " " + RefreshSchedule.REFRESH_NOW + "=$(date +%s) refreshes now";
        if (ctx.status().getNextScheduleTime() == null) {
            return "no clone yet and the schedule is suspended; " + now;
        }
        return "no clone yet: the first run is at " + ctx.status().getNextScheduleTime() + "; " + now;
    }

    private static String dataAsOf(Child child) {
        return child.dataAsOf() == null ? "" : " (data as of " + child.dataAsOf() + ")";
    }

    private static Instant activeRunTime(ScheduleContext ctx) {
        String active = ctx.status().getActiveClone();
        return active == null ? null : Names.scheduleCloneRunTime(ctx.schedule(), active).orElse(null);
    }

    /** Exactly until the next run time, rounded up so the timer never fires before it. */
    static Duration untilNext(Instant now, Instant next) {
        Duration until = Duration.between(now, next);
        if (until.isNegative()) {
            return Duration.ZERO;
        }
        long millis = until.toMillis() + (until.minusMillis(until.toMillis()).isZero() ? 0 : 1);
        return Duration.ofMillis(millis);
    }

    private static Duration backoff(ScheduleContext ctx, boolean transition) {
        if (transition) {
            return MIN_BACKOFF;
        }
        Instant since = ctx.status().condition(REFRESHED).map(Condition::getLastTransitionTime).map(Instant::parse).orElse(ctx.now());
        Duration lasted = Duration.between(since, ctx.now());
        if (lasted.compareTo(MIN_BACKOFF) < 0) {
            return MIN_BACKOFF;
        }
        return lasted.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : lasted;
    }
}
