package dev.pgclone.operator.refresh;

import dev.pgclone.operator.spec.CronSchedule;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.refresh.RunPlanner.Plan;
import dev.pgclone.operator.refresh.RunPlanner.Run;
import dev.pgclone.operator.refresh.ScheduleHistory.Child;
import dev.pgclone.operator.refresh.ScheduleHistory.Deletion;
import dev.pgclone.operator.refresh.ScheduleHistory.Switch;
import dev.pgclone.operator.refresh.ScheduleValidator.Problem;
import dev.pgclone.operator.refresh.ScheduleValidator.Validation;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.MarkedOnly;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.BackoffPolicy;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import dev.pgclone.operator.status.WrittenStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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

    private static final DateTimeFormatter LOCAL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm xxx");

    private final KubernetesClient client;
    private final Clock clock;
    /** A due run blocked by a missing source or a name conflict is retried with the time the problem has lasted. */
    private final BackoffPolicy backoff;
    private final ScheduleStatusFactory statusFactory;
    private final EventRecorder events;
    private final RefreshMetrics metrics;
    private final WrittenStatus<RefreshScheduleStatus> writtenStatus = new WrittenStatus<>();

    private final Ownership ownership;

    public RefreshScheduleReconciler(KubernetesClient client, Clock clock, MeterRegistry registry, OperatorKey key, BackoffPolicy backoff) {
        this.client = client;
        this.clock = clock;
        this.backoff = backoff;
        this.ownership = new Ownership(client, key);
        this.statusFactory = new ScheduleStatusFactory(clock);
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
        RefreshScheduleStatus status = statusFactory.startFrom(previous);
        ScheduleContext ctx = new ScheduleContext(schedule, status, josdk, client, clock.instant(), events, ownership);

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
            reschedule = result.blocked() == null && ctx.report().nextScheduleTime() != null
                    ? untilNext(ctx.now(), ctx.report().nextScheduleTime()) : null;
        } else {
            // an invalid spec stops the schedule until it is edited (the edit is the event that brings us back)
            ctx.report().nextRun(null);
        }
        ScheduleStatusFactory.Written written = statusFactory.write(schedule, status, ctx.report(), history, blocking);
        if (written.warnProblem()) {
            LOG.infof("schedule %s/%s: %s: %s", ctx.namespace(), ctx.name(), blocking.reason(), blocking.message());
            events.warning(schedule, blocking.reason(), blocking.message());
        }
        if (written.runFailed() != null) {
            metrics.failure();
            events.warning(schedule, Reasons.REFRESH_FAILED, written.runFailed());
        }
        if (blocking != null && validation.problem() == null) {
            reschedule = backoff.after(written.problemSince(), ctx.now(), written.problemBegan());
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
        writtenStatus.remember(written, written.getStatus());
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
        String active = ctx.report().activeClone();
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
        String active = ctx.report().activeClone();
        Optional<Switch> target = history.switchTarget(active, activeRunTime(ctx));
        if (target.isEmpty()) {
            StableService.ensure(ctx, active);
            return;
        }
        Child to = target.get().to();
        StableService.ensure(ctx, to.name());
        ctx.report().switched(to.name(), target.get().forward() ? ctx.now() : null);
        String service = Names.scheduleService(ctx.schedule());
        if (target.get().forward()) {
            metrics.success();
            events.normal(ctx.schedule(), Reasons.REFRESHED, "Service " + service + " now selects clone " + to.name()
                    + ScheduleStatusFactory.dataAsOf(to) + (active == null ? "" : "; it replaces " + active));
        } else {
            events.warning(ctx.schedule(), Reasons.ACTIVE_CLONE_LOST, "clone " + active + ", which Service " + service
                    + " selected, no longer exists; the Service now selects the older clone " + to.name() + ScheduleStatusFactory.dataAsOf(to)
                    + " until a newer one is Ready");
        }
    }

    private ScheduleHistory prune(ScheduleContext ctx, ScheduleHistory history) {
        Integer limit = ctx.schedule().getSpec() == null ? null : ctx.schedule().getSpec().getHistoryLimit();
        List<Deletion> deletions = history.toDelete(ctx.report().activeClone(), activeRunTime(ctx), limit == null ? Defaults.HISTORY_LIMIT : Math.max(0, limit));
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
        ScheduleReport report = ctx.report();
        Instant committed = report.nextScheduleTime();
        String request = schedule.getMetadata().getAnnotations() == null ? null
                : schedule.getMetadata().getAnnotations().get(RefreshSchedule.REFRESH_NOW);
        Boolean suspend = schedule.getSpec().getSuspend();
        boolean suspended = suspend == null ? Defaults.SUSPEND : suspend;
        Plan plan = RunPlanner.plan(cron, suspended, committed, report.lastRefreshRequest(), request, ctx.now());
        Instant next = plan.next();
        Problem blocked = null;
        if (plan.run().isPresent()) {
            Run run = plan.run().get();
            String name = Names.scheduleClone(schedule, run.runTime());
            Optional<Child> busy = history.inProgress(activeRunTime(ctx));
            if (history.named(name).isPresent()) {
                // this run's clone exists: made before a restart that lost the status, or by an earlier request this minute
                report.ran(run.runTime(), name);
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
                    report.ran(run.runTime(), name);
                    events.normal(schedule, Reasons.REFRESH_STARTED, describe(run, cron, request) + ": creating clone " + name);
                    LOG.infof("schedule %s/%s: created clone %s", ctx.namespace(), ctx.name(), name);
                }
            }
            if (blocked == null && run.trigger() == RunPlanner.Trigger.REQUEST) {
                report.handledRequest(request);
            }
        }
        if (blocked != null && committed != null) {
            // the due run is still due: keep the time it was due at, so it starts as soon as the source exists
            next = committed;
        }
        report.nextRun(next);
        return new RunResult(history, blocked);
    }

    private static String describe(Run run, CronSchedule cron, String request) {
        if (run.trigger() == RunPlanner.Trigger.REQUEST) {
            return "refresh requested (" + RefreshSchedule.REFRESH_NOW + "=" + request + ")";
        }
        return "run scheduled for " + LOCAL_TIME.format(run.runTime().atZone(cron.zone())) + " (" + cron.zone() + ")";
    }

    private static Instant activeRunTime(ScheduleContext ctx) {
        String active = ctx.report().activeClone();
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
}
