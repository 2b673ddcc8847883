package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsalStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.clone.ClonePodAddress;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.BackoffPolicy;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import dev.pgclone.operator.status.WrittenStatus;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Reconciles a MigrationRehearsal, once, Job-style: validate; create the clone from the template
 * and wait for it to be Ready; hand the run (baseline, migration under the workload with the lock
 * monitor, checks) to {@link RehearsalWork}; when it ends, judge the evidence against the limits,
 * write the report ConfigMap, set the verdict, and delete the clone (or keep it for
 * {@code keepClone.ttl}). Every outcome, a bad spec or a clone that fails included, ends in
 * Complete=True with Passed or Failed: a CI job waiting on {@code kubectl wait
 * --for=condition=Complete} never waits forever.
 *
 * <p>The operator never takes over an object it did not create: the clone, the report, the Job
 * and its Secret are created with {@link Ownership}, and a name held by someone else's object
 * fails the rehearsal with NameConflict, that object untouched.
 */
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "pgclone.dev", resources = "databaseclones", verbs = {"get", "list", "watch", "create", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "configmaps", verbs = {"get", "create"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "secrets", verbs = {"get", "create"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = {"pods", "services"}, verbs = "get")
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "batch", resources = "jobs", verbs = {"get", "watch", "create", "delete"})
@io.quarkiverse.operatorsdk.annotations.RBACRule(apiGroups = "", resources = "events", verbs = "create")
@ControllerConfiguration(name = MigrationRehearsalReconciler.NAME)
public class MigrationRehearsalReconciler implements Reconciler<MigrationRehearsal> {

    public static final String NAME = "migrationrehearsal";
    private static final Logger LOG = Logger.getLogger(MigrationRehearsalReconciler.class);
    private static final String CLONE_READY_PHASE = "Ready";
    private static final String CLONE_FAILED_PHASE = "Failed";

    private final KubernetesClient client;
    private final RehearsalStatusFactory statusFactory;
    private final EventRecorder events;
    private final Ownership ownership;
    private final BackoffPolicy backoff;
    private final RehearsalWork work;
    private final RehearsalRunner runner;
    private final ClonePodAddress podAddress;
    private final WrittenStatus<MigrationRehearsalStatus> writtenStatus = new WrittenStatus<>();
    private final MigrationImages migrationImages;

    public MigrationRehearsalReconciler(KubernetesClient client, Clock clock, OperatorKey key, BackoffPolicy backoff, RehearsalWork work,
                                        RehearsalRunner runner, ClonePodAddress podAddress, MigrationImages migrationImages) {
        this.client = client;
        this.migrationImages = migrationImages;
        this.statusFactory = new RehearsalStatusFactory(clock);
        this.events = new EventRecorder(client, clock);
        this.ownership = new Ownership(client, key);
        this.backoff = backoff;
        this.work = work;
        this.runner = runner;
        this.podAddress = podAddress;
    }

    @Override
    public List<EventSource<?, MigrationRehearsal>> prepareEventSources(EventSourceContext<MigrationRehearsal> context) {
        // the clones carry the rehearsal label and are mapped to it through their controller owner reference
        return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(DatabaseClone.class, MigrationRehearsal.class)
                        .withName("rehearsal-databaseclone").withLabelSelector(Labels.REHEARSAL).build(), context),
                work.eventSource());
    }

    @Override
    public UpdateControl<MigrationRehearsal> reconcile(MigrationRehearsal r, Context<MigrationRehearsal> context) {
        MigrationRehearsalStatus previous = writtenStatus.newerThanCache(r).orElse(r.getStatus());
        MigrationRehearsalStatus status = statusFactory.startFrom(previous);
        Duration reschedule = step(r, status, context);
        if (!status.equals(previous)) {
            writeStatus(r, status);
        }
        UpdateControl<MigrationRehearsal> control = UpdateControl.noUpdate();
        if (reschedule != null) {
            control.rescheduleAfter(reschedule);
        }
        return control;
    }

    /** One step of the rehearsal; returns when to look again (null: on the next event). */
    private Duration step(MigrationRehearsal r, MigrationRehearsalStatus status, Context<MigrationRehearsal> context) {
        if (RehearsalStatusFactory.ended(status)) {
            return keptClone(r, status);
        }
        RehearsalValidator.Result validation = RehearsalValidator.validate(r);
        if (!validation.valid()) {
            // the spec is immutable (the CRD's rule): a new rehearsal is the way out
            return fail(r, status, validation.plan(), Reasons.INVALID_SPEC, String.join("; ", validation.problems())
                    + "; create a new MigrationRehearsal with the spec corrected", false);
        }
        RehearsalPlan plan = validation.plan();
        if (plan.jobPath() && !migrationImages.allows(plan.job().getImage())) {
            // before the clone: a refused rehearsal creates nothing
            return fail(r, status, plan, Reasons.IMAGE_NOT_ALLOWED, "spec.migration.job.image " + plan.job().getImage()
                    + " matches none of the images the operator's administrators allow migration Jobs to run ("
                    + migrationImages.list() + "; Helm value rehearsal.allowedMigrationImages, config " + MigrationImages.PROPERTY
                    + "); create a new MigrationRehearsal with an allowed image, or ask them to allow this one", false);
        }
        String key = r.getMetadata().getUid();
        // from the informer's cache (clones labelled for a rehearsal and controlled by this one): no GET per
        // reconcile; one that is not there yet is created, and a create that finds it returns it
        String cloneName = Names.rehearsalClone(r);
        DatabaseClone clone = context.getSecondaryResources(DatabaseClone.class).stream()
                .filter(c -> cloneName.equals(c.getMetadata().getName())).findFirst().orElse(null);
        if (clone != null && !ownership.ours(clone, key)) {
            return fail(r, status, plan, Reasons.NAME_CONFLICT, new Ownership.NameConflict(clone).describeFor(MigrationRehearsal.KIND,
                    r.getMetadata().getName()), false);
        }
        if (clone == null || clone.getMetadata().getDeletionTimestamp() != null) {
            if (status.getClone() != null && !RehearsalStatusFactory.PHASE_CLONING.equals(status.getPhase())) {
                return fail(r, status, plan, Reasons.CLONE_LOST, "clone " + status.getClone() + " was deleted while the rehearsal needed it; "
                        + "create a new MigrationRehearsal", false);
            }
            if (clone == null) {
                try {
                    clone = ownership.createControlled(RehearsalResources.clone(r), key);
                } catch (Ownership.NameConflict e) {
                    return fail(r, status, plan, Reasons.NAME_CONFLICT, e.describeFor(MigrationRehearsal.KIND, r.getMetadata().getName()), false);
                }
                events.normal(r, Reasons.CLONING, "creating clone " + clone.getMetadata().getName());
            }
            statusFactory.cloning(r, status, clone.getMetadata().getName(), Reasons.CLONING, "creating clone " + clone.getMetadata().getName());
            return null;
        }
        String phase = clone.getStatus() == null ? null : clone.getStatus().getPhase();
        if (CLONE_FAILED_PHASE.equals(phase)) {
            String why = clone.getStatus().getConditions().stream().filter(c -> Conditions.READY.equals(c.getType())).findFirst()
                    .map(c -> c.getReason() + ": " + c.getMessage()).orElse("see kubectl describe databaseclone " + cloneName);
            return fail(r, status, plan, Reasons.CLONE_FAILED, "clone " + cloneName + " failed (" + why + "); fix the clone template and "
                    + "create a new MigrationRehearsal", false);
        }
        if (!CLONE_READY_PHASE.equals(phase)) {
            statusFactory.cloning(r, status, cloneName, Reasons.CLONING, "clone " + cloneName + " is " + (phase == null ? "starting" : phase));
            return null;
        }
        String dataAsOf = clone.getStatus().getDataAsOf();
        var finished = work.take(key);
        if (finished.isPresent()) {
            return finish(r, status, plan, clone, finished.get());
        }
        if (work.running(key)) {
            statusFactory.running(r, status, cloneName, dataAsOf, work.stage(key).orElse(null));
            return null;
        }
        if (status.getStartTime() != null) {
            // it ran in an operator process that is gone: what it did to the clone is unknown
            return fail(r, status, plan, Reasons.REHEARSAL_INTERRUPTED, "the operator restarted while the rehearsal ran (phase "
                    + status.getPhase() + "); the evidence is incomplete: create a new MigrationRehearsal", false);
        }
        return start(r, status, plan, clone);
    }

    private Duration start(MigrationRehearsal r, MigrationRehearsalStatus status, RehearsalPlan plan, DatabaseClone clone) {
        String ns = r.getMetadata().getNamespace();
        String key = r.getMetadata().getUid();
        ConfigMap report = client.configMaps().inNamespace(ns).withName(Names.rehearsalReport(r)).get();
        if (report != null && !ownership.ours(report, key)) {
            // checked before the run, so a rehearsal never runs only to find it cannot publish its report
            return fail(r, status, plan, Reasons.NAME_CONFLICT, new Ownership.NameConflict(report).describeFor(MigrationRehearsal.KIND,
                    r.getMetadata().getName()), false);
        }
        if (plan.jobPath()) {
            // the Job and its connection Secret, like the report: names nobody else holds, checked before anything runs
            Job job = client.batch().v1().jobs().inNamespace(ns).withName(Names.rehearsalJob(r)).get();
            Secret connection = client.secrets().inNamespace(ns).withName(Names.rehearsalJob(r)).get();
            for (var taken : java.util.Arrays.asList(job, connection)) {
                if (taken != null && !ownership.ours(taken, key)) {
                    return fail(r, status, plan, Reasons.NAME_CONFLICT, new Ownership.NameConflict(taken).describeFor(MigrationRehearsal.KIND,
                            r.getMetadata().getName()), false);
                }
            }
        }
        LinkedHashMap<String, String> scripts = new LinkedHashMap<>();
        if (!plan.jobPath()) {
            if (plan.inlineSql() != null && !plan.inlineSql().isBlank()) {
                scripts.put("inline", plan.inlineSql());
            }
            if (plan.scriptsConfigMap() != null) {
                ConfigMap cm = client.configMaps().inNamespace(ns).withName(plan.scriptsConfigMap()).get();
                if (cm == null) {
                    String message = "ConfigMap " + plan.scriptsConfigMap() + " (spec.migration.sql.configMapName) does not exist in namespace "
                            + ns + "; create it, the rehearsal starts when it exists";
                    Instant since = statusFactory.waitingSince(status, Reasons.MIGRATION_CONFIGMAP_NOT_FOUND);
                    statusFactory.waiting(r, status, clone.getMetadata().getName(), Reasons.MIGRATION_CONFIGMAP_NOT_FOUND, message);
                    if (since == null) {
                        events.warning(r, Reasons.MIGRATION_CONFIGMAP_NOT_FOUND, message);
                    }
                    return backoff.after(since, statusFactory.now(), since == null);
                }
                new TreeMap<>(cm.getData() == null ? Map.<String, String>of() : cm.getData()).forEach(scripts::put);
            }
        }
        Secret superuser = client.secrets().inNamespace(ns).withName(Names.superuserSecret(clone)).get();
        Pod pod = client.pods().inNamespace(ns).withName(Names.pod(clone)).get();
        if (superuser == null || !ownership.ours(superuser, clone.getMetadata().getUid()) || pod == null
                || !ownership.ours(pod, clone.getMetadata().getUid())) {
            // the clone's own objects, read only when the operator made them for this clone
            Instant since = statusFactory.waitingSince(status, Reasons.WAITING);
            statusFactory.waiting(r, status, clone.getMetadata().getName(), Reasons.WAITING, "waiting for clone "
                    + clone.getMetadata().getName() + "'s Pod and superuser Secret");
            return backoff.after(since, statusFactory.now(), since == null);
        }
        ClonePodAddress.HostPort address = podAddress.of(pod);
        String user = CloneSecrets.value(superuser, CloneSecrets.USERNAME);
        String password = CloneSecrets.value(superuser, CloneSecrets.PASSWORD);
        Jdbc.Target target = new Jdbc.Target(address.host(), address.port(), plan.database(), user, password, "disable");
        RehearsalRunner.MigrationJob job = plan.jobPath() ? new KubernetesMigrationJob(r, plan, clone, user, password) : null;
        Instant dataAsOf = clone.getStatus().getDataAsOf() == null ? null : Instant.parse(clone.getStatus().getDataAsOf());
        work.submit(key, ResourceID.fromResource(r), runner, new RehearsalRunner.Request(ns + "/" + r.getMetadata().getName(),
                clone.getMetadata().getName(), dataAsOf, target, plan, scripts, job));
        events.normal(r, Reasons.MEASURING_BASELINE, "clone " + clone.getMetadata().getName() + " is Ready; the rehearsal starts");
        statusFactory.running(r, status, clone.getMetadata().getName(), clone.getStatus().getDataAsOf(), null);
        return null;
    }

    /** The run ended: verdict, report, events, and the clone deleted or kept. */
    private Duration finish(MigrationRehearsal r, MigrationRehearsalStatus status, RehearsalPlan plan, DatabaseClone clone,
                            RehearsalWork.Finished finished) {
        if (finished.evidence() == null) {
            return fail(r, status, plan, Reasons.REHEARSAL_FAILED, "the rehearsal stopped with an unexpected error (" + finished.crash()
                    + "); see the operator's log", false);
        }
        RehearsalEvidence evidence = finished.evidence();
        Verdict verdict = Verdict.judge(evidence, plan.limits());
        Report rendered = Report.render(evidence, plan.limits(), verdict);
        String reportName = Names.rehearsalReport(r);
        try {
            ownership.createControlled(RehearsalResources.report(r, rendered.markdown(), rendered.json(), rendered.junitXml()), r.getMetadata().getUid());
        } catch (Ownership.NameConflict e) {
            return fail(r, status, plan, Reasons.NAME_CONFLICT, e.describeFor(MigrationRehearsal.KIND, r.getMetadata().getName()), true);
        }
        List<String> reasons = new ArrayList<>();
        verdict.failures().forEach(f -> reasons.add(f.message()));
        String reason = verdict.passed() ? Reasons.REHEARSAL_PASSED : verdict.failures().get(0).reason();
        boolean migrated = evidence.migrationError() == null;
        statusFactory.ended(r, status, verdict.passed(), reason, reasons, RehearsalSummary.of(evidence, verdict), reportName,
                migrated, migrated ? "the migration ran to its end in " + seconds(evidence.duration()) : evidence.migrationError());
        if (verdict.passed()) {
            events.normal(r, Reasons.REHEARSAL_PASSED, "the migration stayed within its limits; report in ConfigMap " + reportName);
        } else {
            events.warning(r, Reasons.REHEARSAL_FAILED, String.join("; ", reasons) + "; report in ConfigMap " + reportName);
        }
        LOG.infof("rehearsal %s/%s: %s", r.getMetadata().getNamespace(), r.getMetadata().getName(), status.getVerdict());
        return releaseClone(r, status, plan);
    }

    /** Ends the rehearsal Failed without a run (or without its report): the same conditions a failed run has. */
    private Duration fail(MigrationRehearsal r, MigrationRehearsalStatus status, RehearsalPlan plan, String reason, String message,
                          boolean ran) {
        statusFactory.ended(r, status, false, reason, List.of(message), null, null, false, ran ? message : "the migration did not run: " + message);
        events.warning(r, reason, message);
        return releaseClone(r, status, plan);
    }

    /** Deletes the rehearsal's clone now, or at the end of keepClone.ttl. */
    private Duration releaseClone(MigrationRehearsal r, MigrationRehearsalStatus status, RehearsalPlan plan) {
        if (plan != null && plan.keepClone() != null) {
            statusFactory.cloneDeletion(status, statusFactory.now().plus(plan.keepClone()));
            return plan.keepClone();
        }
        deleteClone(r);
        return null;
    }

    /** After the verdict: the kept clone's deletion when its time comes. */
    private Duration keptClone(MigrationRehearsal r, MigrationRehearsalStatus status) {
        if (status.getCloneDeletionTime() == null) {
            return null;
        }
        Instant at = Instant.parse(status.getCloneDeletionTime());
        Instant now = statusFactory.now();
        if (now.isBefore(at)) {
            return Duration.between(now, at).plusMillis(1);
        }
        deleteClone(r);
        return null;
    }

    private void deleteClone(MigrationRehearsal r) {
        DatabaseClone clone = client.resources(DatabaseClone.class).inNamespace(r.getMetadata().getNamespace())
                .withName(Names.rehearsalClone(r)).get();
        if (ownership.deleteIfControlled(clone, r.getMetadata().getUid())) {
            events.normal(r, Reasons.CLONE_DELETED, "deleted clone " + clone.getMetadata().getName());
        }
    }

    private void writeStatus(MigrationRehearsal r, MigrationRehearsalStatus status) {
        try {
            MigrationRehearsal written = client.resources(MigrationRehearsal.class).inNamespace(r.getMetadata().getNamespace())
                    .withName(r.getMetadata().getName()).editStatus(live -> {
                        live.setStatus(status);
                        return live;
                    });
            writtenStatus.remember(written, written.getStatus());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** The Job path's Job, created when the runner has its baseline; its connection Secret first. */
    private final class KubernetesMigrationJob implements RehearsalRunner.MigrationJob {

        private final MigrationRehearsal rehearsal;
        private final RehearsalPlan plan;
        private final DatabaseClone clone;
        private final String user;
        private final String password;

        KubernetesMigrationJob(MigrationRehearsal rehearsal, RehearsalPlan plan, DatabaseClone clone, String user, String password) {
            this.rehearsal = rehearsal;
            this.plan = plan;
            this.clone = clone;
            this.user = user;
            this.password = password;
        }

        @Override
        public void start() {
            String ns = rehearsal.getMetadata().getNamespace();
            Service service = client.services().inNamespace(ns).withName(Names.service(clone)).get();
            // the clone's Service by its cluster IP, which every cluster routes; its DNS name when it has none
            String host = service != null && ownership.ours(service, clone.getMetadata().getUid()) && service.getSpec().getClusterIP() != null
                    && !"None".equals(service.getSpec().getClusterIP()) ? service.getSpec().getClusterIP() : Names.serviceHost(clone);
            String owner = rehearsal.getMetadata().getUid();
            ownership.createControlled(RehearsalResources.connection(rehearsal, host, 5432, plan.database(), user, password), owner);
            ownership.createControlled(RehearsalResources.job(rehearsal, plan.job(), Math.max(1, plan.migrationTimeout().toSeconds())), owner);
            follow();
        }

        /**
         * The Job as the watch last reported it. One watch on this one Job for as long as the migration
         * runs, so the end is seen when it happens, without a GET per poll; should the watch end
         * early, each wait reads the Job once instead.
         */
        private final java.util.concurrent.atomic.AtomicReference<Job> seen = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.concurrent.Semaphore news = new java.util.concurrent.Semaphore(0);
        private volatile boolean gone;
        private volatile boolean watching;
        private io.fabric8.kubernetes.client.Watch watch;

        @Override
        public String awaitOutcome(Duration max) {
            String outcome = outcome(watching ? seen.get() : read());
            if (outcome != null || max.isZero()) {
                return outcome;
            }
            try {
                if (news.tryAcquire(max.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    news.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("the rehearsal was interrupted (the operator is stopping)", e);
            }
            return outcome(watching ? seen.get() : read());
        }

        private Job read() {
            Job job = client.batch().v1().jobs().inNamespace(rehearsal.getMetadata().getNamespace()).withName(Names.rehearsalJob(rehearsal)).get();
            if (job == null) {
                // only ever set: a read that began before a DELETED event must not bring the Job back
                gone = true;
            }
            return job;
        }

        private void follow() {
            // before the watch exists: an onClose that comes at once must be the last word
            watching = true;
            try {
                watch = open();
            } catch (RuntimeException e) {
                LOG.infof("rehearsal %s/%s: no watch on its Job (%s); reading the Job instead", rehearsal.getMetadata().getNamespace(),
                        rehearsal.getMetadata().getName(), e.getMessage());
                watching = false;
                return;
            }
            // the Job as it is now: the watch reports changes from here on
            Job now = read();
            if (now != null) {
                seen.compareAndSet(null, now);
            }
        }

        private io.fabric8.kubernetes.client.Watch open() {
            return client.batch().v1().jobs().inNamespace(rehearsal.getMetadata().getNamespace()).withName(Names.rehearsalJob(rehearsal))
                    .watch(new io.fabric8.kubernetes.client.Watcher<>() {
                        @Override
                        public void eventReceived(Action action, Job job) {
                            if (action == Action.DELETED) {
                                gone = true;
                            } else if (action != Action.ERROR) {
                                seen.set(job);
                            }
                            news.release();
                        }

                        @Override
                        public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                            LOG.infof("rehearsal %s/%s: the watch on its Job ended (%s); reading the Job instead",
                                    rehearsal.getMetadata().getNamespace(), rehearsal.getMetadata().getName(), cause.getMessage());
                            watching = false;
                            news.release();
                        }
                    });
        }

        private String outcome(Job job) {
            if (gone || (job != null && !ownership.ours(job, rehearsal.getMetadata().getUid()))) {
                return "Job " + Names.rehearsalJob(rehearsal) + " is gone";
            }
            if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
                return null;
            }
            for (var c : job.getStatus().getConditions()) {
                if (Condition.TRUE.equals(c.getStatus()) && "Complete".equals(c.getType())) {
                    return "";
                }
                if (Condition.TRUE.equals(c.getStatus()) && "Failed".equals(c.getType())) {
                    return "Job " + job.getMetadata().getName() + " failed: " + c.getReason() + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")")
                            + "; kubectl logs job/" + job.getMetadata().getName() + " shows the tool's output";
                }
            }
            return null;
        }

        @Override
        public void close() {
            watching = false;
            if (watch != null) {
                watch.close();
            }
        }

        @Override
        public void stop() {
            Job job = client.batch().v1().jobs().inNamespace(rehearsal.getMetadata().getNamespace()).withName(Names.rehearsalJob(rehearsal)).get();
            if (job != null && ownership.ours(job, rehearsal.getMetadata().getUid())) {
                client.resource(job).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
            }
        }
    }
}
