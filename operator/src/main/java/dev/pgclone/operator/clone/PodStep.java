package dev.pgclone.operator.clone;

import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.resources.ClonePods;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.Optional;
import java.util.Set;

/**
 * PostgresStarted: the clone's Pod runs the bootstrap script and postgres is accepting connections
 * (the readiness probe passes only in phase 2). A Pod deleted by hand, evicted or whose spec no
 * longer matches the clone's is recreated on the same PVC; the data and preparation survive.
 */
final class PodStep implements CloneStep {

    static final String SPEC_HASH = "pgclone.dev/pod-spec-hash";

    private final OperatorKey key;

    PodStep(OperatorKey key) {
        this.key = key;
    }
    private static final Set<String> PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

    @Override
    public String name() {
        return "pod";
    }

    @Override
    public String condition() {
        return Conditions.POSTGRES_STARTED;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        Pod desired = ClonePods.desired(ctx.clone(), OperatorLogin.of(key, ctx.clone().getMetadata().getUid()).verifier(), ctx.maskingBuild());
        String hash = hash(desired);
        Optional<Pod> existing = ctx.owned(Pod.class, Names.pod(ctx.clone()));
        if (ctx.maskingBuild() && maskingBegan(ctx) && (existing.isEmpty() || "Failed".equals(phaseOf(existing.get())))) {
            // a new Pod would start postgres on a half-masked copy whose statistics and sessions are gone: a build is never resumed
            return Outcome.fail(Reasons.MASKING_INTERRUPTED, "the build's Pod " + (existing.isEmpty() ? "went away" : "failed")
                    + " after its masking began; this build is abandoned and publishes nothing, the next one starts from a fresh copy"
                    + existing.map(p -> lastTermination(p).map(m -> " (" + m + ")").orElse("")).orElse(""));
        }
        if (existing.isEmpty()) {
            desired.getMetadata().setAnnotations(new HashMap<>(java.util.Map.of(SPEC_HASH, hash)));
            ctx.create(desired);
            return Outcome.waitFor(Finding.isFalse(Reasons.POD_STARTING,
                    "Pod " + desired.getMetadata().getName() + " created; postgres recovers the copied data, isolates it, then starts"));
        }
        Pod pod = existing.get();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return Outcome.waitFor();
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        // a build's Pod ends once asked to (it may end before the ask is recorded): never restarted
        if (ctx.maskingBuild() && ("Succeeded".equals(phase) || MaskingStep.stopping(ctx))) {
            return stoppingForSnapshot(ctx, pod, phase);
        }
        String podHash = pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get(SPEC_HASH);
        if ("Failed".equals(phase) || "Succeeded".equals(phase) || !hash.equals(podHash)) {
            ctx.client().resource(pod).delete();
            return Outcome.waitFor(Finding.isFalse(Reasons.POD_STARTING, "Pod " + pod.getMetadata().getName()
                    + (hash.equals(podHash) ? " ended (" + phase + "); recreating it on the same volume" : " no longer matches the spec; recreating it on the same volume")));
        }
        Optional<ContainerStatus> container = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? Optional.empty()
                : pod.getStatus().getContainerStatuses().stream().filter(c -> ClonePods.CONTAINER.equals(c.getName())).findFirst();
        if (container.isPresent() && Boolean.TRUE.equals(container.get().getReady()) && isReady(pod) && pod.getStatus().getPodIP() != null) {
            return Outcome.proceed(Finding.isTrue(Reasons.POSTGRES_RUNNING,
                    "postgres is accepting connections in Pod " + pod.getMetadata().getName() + " at " + pod.getStatus().getPodIP())
                    .since(pod.getMetadata().getCreationTimestamp()));
        }
        if (container.isPresent()) {
            Optional<Outcome> failure = failure(container.get(), ctx);
            if (failure.isPresent()) {
                return failure.get();
            }
        }
        Optional<PodCondition> scheduled = condition(pod, "PodScheduled");
        if (scheduled.isPresent() && "False".equals(scheduled.get().getStatus()) && "Unschedulable".equals(scheduled.get().getReason())) {
            return Outcome.retry(Reasons.POD_UNSCHEDULABLE, "Pod " + pod.getMetadata().getName() + " cannot be scheduled: "
                    + scheduled.get().getMessage() + " (check spec.postgres.resources and that the snapshot's storage class can be used here)");
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.POD_STARTING,
                "waiting for postgres in Pod " + pod.getMetadata().getName() + " (crash recovery of the copied data runs first)"));
    }

    private static boolean maskingBegan(CloneContext ctx) {
        return ctx.owned(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class, Names.volume(ctx.clone()))
                .map(pvc -> pvc.getMetadata().getAnnotations() != null && pvc.getMetadata().getAnnotations().containsKey(
                        dev.pgclone.operator.resources.Annotations.PREPARATION)).orElse(false);
    }

    private static String phaseOf(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPhase();
    }

    private static Optional<String> lastTermination(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? Optional.empty()
                : pod.getStatus().getContainerStatuses().stream().map(c -> c.getState() == null ? null : c.getState().getTerminated())
                        .filter(java.util.Objects::nonNull).map(t -> t.getMessage()).filter(m -> m != null && !m.isBlank())
                        .map(m -> lastLine(m)).findFirst();
    }

    /**
     * A masked-snapshot build asked its postgres to stop: the Pod ending with 0 is the bootstrap
     * having stopped it cleanly and removed the WAL, and is never restarted; any other end fails the build.
     */
    private Outcome stoppingForSnapshot(CloneContext ctx, Pod pod, String phase) {
        if ("Succeeded".equals(phase)) {
            return Outcome.proceed(Finding.isTrue(Reasons.POSTGRES_RUNNING, "postgres in Pod " + pod.getMetadata().getName()
                    + " stopped cleanly after the masking and its WAL was removed"));
        }
        Optional<ContainerStatus> container = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? Optional.empty()
                : pod.getStatus().getContainerStatuses().stream().filter(c -> ClonePods.CONTAINER.equals(c.getName())).findFirst();
        if ("Failed".equals(phase)) {
            Optional<Outcome> failure = container.flatMap(c -> failure(c, ctx));
            return failure.orElse(Outcome.fail(Reasons.BOOTSTRAP_FAILED, "Pod " + pod.getMetadata().getName()
                    + " failed while stopping postgres for the masked snapshot: see kubectl logs " + pod.getMetadata().getName()));
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.POD_STARTING, "stopping postgres cleanly in Pod " + pod.getMetadata().getName()
                + " and removing its WAL before the masked snapshot is taken"));
    }

    private Optional<Outcome> failure(ContainerStatus c, CloneContext ctx) {
        var waiting = c.getState() == null ? null : c.getState().getWaiting();
        if (waiting != null && PULL_FAILURES.contains(waiting.getReason())) {
            return Optional.of(Outcome.retry(Reasons.IMAGE_PULL_FAILED, "cannot pull image " + c.getImage() + ": "
                    + waiting.getMessage() + ": check spec.postgres.image and the namespace's image pull access"));
        }
        var terminated = c.getState() != null && c.getState().getTerminated() != null ? c.getState().getTerminated()
                : c.getLastState() != null ? c.getLastState().getTerminated() : null;
        if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
            String message = terminated.getMessage() == null || terminated.getMessage().isBlank()
                    ? "the postgres container exited with code " + terminated.getExitCode() + " (" + terminated.getReason() + "): see kubectl logs "
                            + ctx.clone().getMetadata().getName()
                    : terminated.getMessage().strip();
            return Optional.of(Outcome.fail(Reasons.BOOTSTRAP_FAILED, lastLine(message)));
        }
        return Optional.empty();
    }

    private static String lastLine(String message) {
        String[] lines = message.split("\n");
        return lines[lines.length - 1].strip();
    }

    private static boolean isReady(Pod pod) {
        return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    private static Optional<PodCondition> condition(Pod pod, String type) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null ? Optional.empty()
                : pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** Pods are immutable in most of their spec: a differing hash means delete and recreate. */
    static String hash(Pod desired) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(desired.getSpec()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
