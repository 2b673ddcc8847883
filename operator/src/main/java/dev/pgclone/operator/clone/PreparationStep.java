package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.Step;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.PreparationRequest;
import dev.pgclone.operator.postgres.PreparationResult;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.ClonePods;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Conflicts;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared: post-clone SQL run over JDBC, then the published credentials set, then the Pod labelled prepared so
 * the Service selects it. Progress is kept on the PVC (annotation), because the PVC is the copy:
 * a copy whose preparation started but is not running in this process was interrupted by an
 * operator restart and is discarded (Pod and PVC deleted, restored again from the same snapshot),
 * so a migration never runs twice on one copy. A Pod recreated on a prepared copy is relabelled
 * without running anything again.
 */
final class PreparationStep implements CloneStep {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final BackgroundWork work;
    /**
     * Outcomes this process wrote to a PVC's annotation (by preparation key; "" for cleared), kept
     * until the informer cache shows them, so a reconcile on a stale PVC does not take a finished
     * preparation for an interrupted one and discard a good copy.
     */
    private final Map<String, String> recordedOutcomes = new ConcurrentHashMap<>();
    private final ClonePreparer preparer;
    private final ClonePodAddress address;

    private final OperatorKey operatorKey;

    PreparationStep(BackgroundWork work, ClonePreparer preparer, ClonePodAddress address, OperatorKey key) {
        this.work = work;
        this.operatorKey = key;
        this.preparer = preparer;
        this.address = address;
    }

    @Override
    public String name() {
        return "preparation";
    }

    @Override
    public String condition() {
        return Conditions.PREPARED;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        var clone = ctx.clone();
        Pod pod = ctx.owned(Pod.class, Names.pod(clone)).orElse(null);
        PersistentVolumeClaim pvc = ctx.owned(PersistentVolumeClaim.class, Names.volume(clone)).orElse(null);
        if (pod == null || pvc == null) {
            return Outcome.waitFor();
        }
        String key = key(pvc);
        String state = ctx.ownership().unseal(pvc, annotation(pvc)).orElse(null);
        Optional<BackgroundWork.Finished<PreparationResult>> finished = work.take(key);
        if (finished.isPresent()) {
            return finish(ctx, pod, pvc, finished.get());
        }
        if (work.running(key)) {
            // woken as a worker took the task: its Waiting ends
            return work.waiting(key) ? Outcome.waitFor() : Outcome.waitFor(Finding.isFalse(Reasons.PREPARING,
                    "setting credentials and running the post-clone scripts").onlyInsteadOf(Reasons.WAITING));
        }
        String recorded = recordedOutcomes.get(key);
        if (recorded != null) {
            if (Annotations.PREPARATION_STARTED.equals(state) && !recorded.equals(Annotations.PREPARATION_STARTED)) {
                // this process recorded the outcome a moment ago and the cache has not caught up: not an interruption
                return Outcome.waitFor();
            }
            recordedOutcomes.remove(key);
        }
        if ("true".equals(pod.getMetadata().getLabels().get(Labels.PREPARED)) && Annotations.PREPARATION_DONE.equals(state)) {
            return Outcome.proceed(prepared(ctx.status().getSteps()));
        }
        if (Annotations.PREPARATION_DONE.equals(state)) {
            labelPrepared(ctx, pod);
            return Outcome.proceed(prepared(ctx.status().getSteps()));
        }
        if (Annotations.PREPARATION_FAILED.equals(state)) {
            Optional<Failure> failure = Failure.read(ctx, pvc);
            if (failure.isEmpty()) {
                return discard(ctx, pod, pvc, "preparation of this copy failed and why was not recorded on PersistentVolumeClaim "
                        + pvc.getMetadata().getName() + "; restoring a fresh copy from the same snapshot and preparing it");
            }
            if (failure.get().generation() < ctx.generation()) {
                return discard(ctx, pod, pvc, "the spec changed after preparation failed; restoring a fresh copy from the same snapshot");
            }
            return Outcome.fail(failure.get().reason(), failure.get().message());
        }
        if (Annotations.PREPARATION_STARTED.equals(state)) {
            return discard(ctx, pod, pvc, "preparation of this copy was interrupted (operator restart); "
                    + "restoring a fresh copy from the same snapshot so no post-clone SQL runs twice on one copy");
        }
        if (Ownership.FORGED.equals(state)) {
            return discard(ctx, pod, pvc, "the preparation progress on PersistentVolumeClaim " + pvc.getMetadata().getName()
                    + " was not written by the operator; restoring a fresh copy from the same snapshot and preparing it");
        }
        return start(ctx, pod, pvc, key);
    }

    private Outcome start(CloneContext ctx, Pod pod, PersistentVolumeClaim pvc, String key) {
        var clone = ctx.clone();
        Secret superuser = ctx.owned(Secret.class, Names.superuserSecret(clone)).orElse(null);
        if (superuser == null) {
            return Outcome.waitFor();
        }
        Map<String, String> rolePasswords = new LinkedHashMap<>();
        for (String role : SecretsStep.roles(ctx)) {
            Optional<Secret> s = ctx.owned(Secret.class, Names.roleSecret(clone, role));
            if (s.isEmpty()) {
                return Outcome.waitFor();
            }
            rolePasswords.put(role, CloneSecrets.value(s.get(), CloneSecrets.PASSWORD));
        }
        var postClone = clone.getSpec().getPostClone();
        Optional<List<SqlScript>> inOrder = PostCloneScripts.forClone(ctx.mandatoryScripts(), PostCloneScripts.ConfigMaps.of(ctx.client()), clone);
        if (inOrder.isEmpty()) {
            return Outcome.retry(Reasons.POST_CLONE_CONFIGMAP_NOT_FOUND, "ConfigMap " + ctx.namespace() + "/" + postClone.getConfigMapName()
                    + " named by spec.postClone.configMapName does not exist: create it (each key a SQL script, run in key order) or unset the field");
        }
        List<SqlScript> scripts = inOrder.get();
        ClonePodAddress.HostPort target;
        try {
            target = address.of(pod);
        } catch (RuntimeException e) {
            return Outcome.retry(Reasons.UNREACHABLE, "cannot reach Pod " + pod.getMetadata().getName() + ": " + e.getMessage());
        }
        String operatorPassword = OperatorLogin.of(operatorKey, clone.getMetadata().getUid()).password();
        // a masked-snapshot build publishes no credential: its superuser keeps the operator's password, with
        // which MaskingStep logs in after the masking, and nobody else can log in before the clean stop
        String superuserPassword = ctx.maskingBuild() ? operatorPassword : CloneSecrets.value(superuser, CloneSecrets.PASSWORD);
        PreparationRequest request = new PreparationRequest(target.host(), target.port(), CloneSecrets.superuserName(clone),
                operatorPassword, superuserPassword, rolePasswords, scripts, CloneSecrets.database(clone), CONNECT_TIMEOUT);
        annotate(ctx, pvc, Annotations.PREPARATION_STARTED);
        if (!work.submit(BackgroundWork.Lane.PREPARATION, key, ResourceID.fromResource(clone), () -> preparer.prepare(request))) {
            annotate(ctx, pvc, null);
            return Outcome.recheckAfter(Duration.ofSeconds(30), Finding.isFalse(Reasons.WAITING,
                    "too many preparations are waiting for the operator's database workers; trying again shortly"));
        }
        if (work.waiting(key)) {
            return Outcome.waitFor(Finding.isFalse(Reasons.WAITING, "waiting for a database worker: "
                    + work.waitingReason(BackgroundWork.Lane.PREPARATION, ctx.namespace())));
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.PREPARING,
                (scripts.isEmpty() ? "" : "running " + scripts.size() + " post-clone script(s), then ") + "publishing the credentials"));
    }

    private Outcome finish(CloneContext ctx, Pod pod, PersistentVolumeClaim pvc, BackgroundWork.Finished<PreparationResult> finished) {
        PreparationResult result = finished.result();
        List<Learned> learned = new ArrayList<>();
        learned.add(new Learned.PrepareSeconds(round(finished.seconds())));
        List<Step> steps = null;
        if (result != null) {
            steps = new ArrayList<>();
            for (var s : result.steps()) {
                steps.add(new Step(s.name(), round(s.durationSeconds()), s.rows(), s.error()));
            }
            learned.add(new Learned.PreparationSteps(steps));
            if (result.postgresVersion() != null) {
                learned.add(new Learned.PostgresVersion(result.postgresVersion()));
            }
        }
        Learned[] facts = learned.toArray(Learned[]::new);
        String key = key(pvc);
        if (result != null && result.succeeded()) {
            recordedOutcomes.put(key, Annotations.PREPARATION_DONE);
            annotate(ctx, pvc, Annotations.PREPARATION_DONE);
            labelPrepared(ctx, pod);
            return Outcome.proceed(prepared(steps)).learned(facts);
        }
        String reason = result == null ? Reasons.PREPARATION_FAILED : result.failureReason();
        String message = result == null ? "preparation failed unexpectedly: " + finished.crash() : result.failureMessage();
        if (result != null && PreparationResult.UNREACHABLE.equals(reason)) {
            // nothing ran on the copy: it is safe to try again on the same one
            recordedOutcomes.put(key, "");
            annotate(ctx, pvc, null);
            return Outcome.retry(reason, message).learned(facts);
        }
        recordedOutcomes.put(key, Annotations.PREPARATION_FAILED);
        annotate(ctx, pvc, Annotations.PREPARATION_FAILED, new Failure(ctx.generation(), reason, message));
        return Outcome.fail(reason, message).learned(facts);
    }

    private Outcome discard(CloneContext ctx, Pod pod, PersistentVolumeClaim pvc, String why) {
        ctx.client().resource(pod).delete();
        ctx.client().resource(pvc).delete();
        work.forget(key(pvc));
        recordedOutcomes.remove(key(pvc));
        ctx.events().warning(ctx.clone(), Reasons.PREPARATION_INTERRUPTED, why);
        // the discarded copy's steps no longer describe the clone
        return Outcome.waitFor(Finding.isFalse(Reasons.PREPARATION_INTERRUPTED, why)).learned(new Learned.PreparationSteps(null));
    }

    /** Preparations are keyed by the copy (the PVC's uid): a new copy is a new preparation. */
    private static String key(PersistentVolumeClaim pvc) {
        return "prepare/" + pvc.getMetadata().getUid();
    }

    /** Prepared True, counting the scripts among the preparation's steps (as this reconcile learned them, or as the status has them). */
    private static Finding prepared(List<Step> preparationSteps) {
        int steps = preparationSteps == null ? 0 : preparationSteps.size();
        return Finding.isTrue(Reasons.PREPARED, Math.max(0, steps - 1)
                + " post-clone script(s) applied and credentials published; the Service selects the Pod");
    }

    /**
     * Why the preparation of a copy failed, and for which generation of the spec: kept on the PVC
     * ({@link Annotations#PREPARATION_FAILURE}) rather than read back from the status, which other
     * steps' waits overwrite and a lost status forgets.
     */
    record Failure(long generation, String reason, String message) {

        String value() {
            return generation + "/" + reason + "/" + message;
        }

        /** The failure recorded on the PVC; empty when it is absent, not written by the operator, or unreadable. */
        static Optional<Failure> read(CloneContext ctx, PersistentVolumeClaim pvc) {
            String sealed = pvc.getMetadata().getAnnotations() == null ? null
                    : pvc.getMetadata().getAnnotations().get(Annotations.PREPARATION_FAILURE);
            Optional<String> value = ctx.ownership().unseal(pvc, sealed).filter(v -> !Ownership.FORGED.equals(v));
            String[] parts = value.map(v -> v.split("/", 3)).orElse(new String[0]);
            if (parts.length != 3) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Failure(Long.parseLong(parts[0]), parts[1], parts[2]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    private static String annotation(PersistentVolumeClaim pvc) {
        return pvc.getMetadata().getAnnotations() == null ? null : pvc.getMetadata().getAnnotations().get(Annotations.PREPARATION);
    }

    private static void annotate(CloneContext ctx, PersistentVolumeClaim pvc, String value) {
        annotate(ctx, pvc, value, null);
    }

    /** Records progress (and a failure's why) on the PVC, sealed to it: a value written by anyone else reads as forged. */
    private static void annotate(CloneContext ctx, PersistentVolumeClaim pvc, String value, Failure failure) {
        String sealed = value == null ? null : ctx.ownership().seal(pvc, value);
        String sealedFailure = failure == null ? null : ctx.ownership().seal(pvc, failure.value());
        // the volume binder writes the claim too: a conflict is read again and redone
        Conflicts.retry(() -> ctx.client().persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace())
                .withName(pvc.getMetadata().getName()).edit(p -> {
                    if (p.getMetadata().getAnnotations() == null) {
                        p.getMetadata().setAnnotations(new LinkedHashMap<>());
                    }
                    if (value == null) {
                        p.getMetadata().getAnnotations().remove(Annotations.PREPARATION);
                    } else {
                        p.getMetadata().getAnnotations().put(Annotations.PREPARATION, sealed);
                    }
                    if (sealedFailure == null) {
                        p.getMetadata().getAnnotations().remove(Annotations.PREPARATION_FAILURE);
                    } else {
                        p.getMetadata().getAnnotations().put(Annotations.PREPARATION_FAILURE, sealedFailure);
                    }
                    return p;
                }));
    }

    private static void labelPrepared(CloneContext ctx, Pod pod) {
        // the kubelet writes the Pod's status meanwhile
        Conflicts.retry(() -> ctx.client().pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .edit(p -> {
                    p.getMetadata().getLabels().put(Labels.PREPARED, "true");
                    return p;
                }));
        ctx.events().normal(ctx.clone(), Reasons.PREPARED, "Pod " + pod.getMetadata().getName() + " prepared; Service "
                + Names.service(ctx.clone()) + " now selects it on port " + ClonePods.PORT);
    }

    static Double round(double seconds) {
        return Math.round(seconds * 1000.0) / 1000.0;
    }
}
