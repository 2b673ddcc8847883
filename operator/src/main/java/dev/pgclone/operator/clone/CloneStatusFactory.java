package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one writer of a DatabaseClone's status, fields and conditions. The workflow's steps report what
 * they found ({@link Outcome#found()}) and the fields they learned ({@link Outcome#learned()}); this
 * writes those fields and turns the reports into every condition, Ready, the conditions of the steps
 * not reached and the phase, with {@code lastTransitionTime} kept while a
 * condition's status and reason stay ({@link Conditions}). What it changed comes back as a
 * {@link Written}, from which the reconciler sends events, records metrics and picks its backoff
 * (docs/architecture.md, "Status: one writer per resource").
 */
final class CloneStatusFactory {

    static final String SNAPSHOTTING = "Snapshotting";
    static final String RESTORING = "Restoring";
    static final String STARTING = "Starting";
    static final String PREPARING = "Preparing";
    static final String READY = "Ready";
    static final String FAILED = "Failed";

    private final Conditions conditions;
    private final List<CloneStep> steps;

    CloneStatusFactory(Clock clock, List<CloneStep> steps) {
        this.conditions = new Conditions(clock);
        this.steps = steps;
    }

    /**
     * What writing the status changed.
     * @param problemBegan a failure this reconcile reported is new (its condition or Ready transitioned): its backoff starts over
     * @param warn         a failure is new or says something new: worth a Warning event
     * @param problemSince when Ready last transitioned, i.e. since when the problem it reports has lasted
     * @param becameReady  Ready became True in this reconcile (and the total time was recorded)
     * @param timed        the conditions whose stage timing was recorded in this reconcile, as they became True
     * @param ready        the Ready condition as written: what the events say
     */
    record Written(boolean problemBegan, boolean warn, Instant problemSince, boolean becameReady, Set<String> timed, Condition ready) {

        private Written timing(Set<String> types) {
            return new Written(problemBegan, warn, problemSince, becameReady, Set.copyOf(types), ready);
        }
    }

    /** The status this reconcile builds: a copy of what the last one wrote, or a new one. */
    DatabaseCloneStatus startFrom(DatabaseCloneStatus previous) {
        DatabaseCloneStatus status = previous == null ? new DatabaseCloneStatus()
                : Serialization.unmarshal(Serialization.asJson(previous), DatabaseCloneStatus.class);
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        return status;
    }

    /**
     * What the reconcile knows before any step runs.
     * @param source    the source as the status describes it, null when the spec has none
     * @param expiresAt when the clone's ttl ends, null without one
     * @param cloudNativePG what spec.source.cloudNativePG was found to be (or was recorded as), null for other sources
     */
    void observed(DatabaseCloneStatus status, long generation, String source, String expiresAt,
                  dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus cloudNativePG) {
        status.setObservedGeneration(generation);
        status.setSource(source);
        status.setExpiresAt(expiresAt);
        status.setCloudNativePG(cloudNativePG);
    }

    /** The clone's name or spec is unusable: nothing of the workflow ran, Ready says why. */
    Written invalid(DatabaseCloneStatus status, long generation, String reason, String message) {
        Written written = failed(status, generation, null, reason, message);
        status.setPhase(FAILED);
        return written;
    }

    /**
     * The CloneSource refused the clone: SnapshotReady and Ready say why; the later steps' conditions,
     * where present, wait for the snapshot again (their data may have gone with the refusal).
     * @param dataDeleted the refusal deleted the clone's copy (Pod, volume, snapshot binding)
     */
    Written refused(DatabaseCloneStatus status, long generation, String reason, String message, boolean dataDeleted) {
        if (dataDeleted) {
            // the copy went with the access: no snapshot, data or readiness to report
            status.setSnapshot(null);
            status.setDataAsOf(null);
            status.setReadyAt(null);
        }
        for (String type : List.of(Conditions.VOLUME_READY, Conditions.POSTGRES_STARTED, Conditions.PREPARED)) {
            if (status.condition(type).isPresent()) {
                set(status, type, Condition.UNKNOWN, Reasons.WAITING, "waiting for " + Conditions.SNAPSHOT_READY, generation);
            }
        }
        Written written = failed(status, generation, Conditions.SNAPSHOT_READY, reason, message);
        status.setPhase(FAILED);
        return written;
    }

    /**
     * After a run of the workflow: the fields each reached step learned, each reached step's condition
     * from its report, the steps after the one that stopped it Unknown, Ready from where it stopped,
     * and timings of the conditions that became True.
     * @param createdAt the clone's creationTimestamp, for the total time to Ready
     */
    Written workflow(DatabaseCloneStatus status, long generation, CloneWorkflow.Result result, String createdAt) {
        Set<String> timed = new HashSet<>();
        for (CloneWorkflow.Reached r : result.reached()) {
            r.outcome().learned().forEach(fact -> write(status, fact));
        }
        for (CloneWorkflow.Reached r : result.reached()) {
            Finding found = r.outcome().found();
            String type = r.step().condition();
            if (type == null || found == null || r.outcome().kind() == Outcome.Kind.FAIL) {
                continue;
            }
            if (found.onlyInsteadOf() != null && !status.condition(type).map(c -> found.onlyInsteadOf().equals(c.getReason())).orElse(false)) {
                continue;
            }
            boolean transition = set(status, type, found.status(), found.reason(), found.message(), generation);
            if (transition && Condition.TRUE.equals(found.status()) && found.since() != null) {
                recordTiming(status, type, found.since());
                timed.add(type);
            }
        }
        markUnreached(status, generation, result);
        Written written;
        if (result.complete()) {
            written = ready(status, generation, createdAt);
        } else if (result.outcome().kind() == Outcome.Kind.FAIL) {
            written = failed(status, generation, result.blockedAt().condition(), result.outcome().reason(), result.outcome().message());
        } else {
            written = inProgress(status, generation, result);
        }
        status.setPhase(phase(result));
        return written.timing(timed);
    }

    /** A field a step learned. */
    private static void write(DatabaseCloneStatus status, Learned fact) {
        if (fact instanceof Learned.Snapshot s) {
            status.setSnapshot(s.snapshot());
            status.setDataAsOf(s.dataAsOf());
        } else if (fact instanceof Learned.Secrets s) {
            status.setSecrets(new ArrayList<>(s.names()));
        } else if (fact instanceof Learned.Served s) {
            status.setEndpoint(s.endpoint());
        } else if (fact instanceof Learned.PreparationSteps s) {
            status.setSteps(s.steps());
        } else if (fact instanceof Learned.PostgresVersion v) {
            status.setPostgresVersion(v.version());
        } else if (fact instanceof Learned.CheckpointSeconds c) {
            timings(status).setCheckpointSeconds(c.seconds());
        } else if (fact instanceof Learned.PrepareSeconds p) {
            timings(status).setPrepareSeconds(p.seconds());
        } else {
            throw new IllegalArgumentException("unknown status field " + fact);
        }
    }

    /** Conditions of steps the workflow has not reached yet are Unknown until it does. */
    private void markUnreached(DatabaseCloneStatus status, long generation, CloneWorkflow.Result result) {
        if (result.complete()) {
            return;
        }
        CloneStep blocked = result.blockedAt();
        String waitingFor = blocked.condition() != null ? blocked.condition() : "step " + blocked.name();
        for (CloneStep step : steps.subList(steps.indexOf(blocked) + 1, steps.size())) {
            // SnapshotReady is reported by two steps (checkpoint, snapshot): when the first blocks, it is that one's
            if (step.condition() != null && !step.condition().equals(blocked.condition())) {
                // also when already Unknown: what it waits for may have changed since
                set(status, step.condition(), Condition.UNKNOWN, Reasons.WAITING, "waiting for " + waitingFor, generation);
            }
        }
    }

    private Written ready(DatabaseCloneStatus status, long generation, String createdAt) {
        var endpoint = status.getEndpoint();
        boolean transition = set(status, Conditions.READY, Condition.TRUE, Reasons.CLONE_READY, "serving at " + endpoint.getHost() + ":"
                + endpoint.getPort() + "; credentials in Secret(s) " + String.join(", ", status.getSecrets()), generation);
        if (status.getReadyAt() == null) {
            status.setReadyAt(Conditions.format(conditions.now()));
        }
        if (transition) {
            timings(status).setTotalSeconds(secondsSince(createdAt));
        }
        return new Written(false, false, null, transition, Set.of(), readyCondition(status));
    }

    /** The failing step's condition (if it has one) and Ready False with the failure's reason and message. */
    private Written failed(DatabaseCloneStatus status, long generation, String conditionType, String reason, String message) {
        boolean transition = conditionType != null && set(status, conditionType, Condition.FALSE, reason, message, generation);
        Optional<Condition> readyBefore = status.condition(Conditions.READY);
        boolean readyTransition = set(status, Conditions.READY, Condition.FALSE, reason, message, generation);
        boolean messageChanged = readyBefore.map(c -> !Objects.equals(c.getMessage(), message)).orElse(true);
        return new Written(transition || readyTransition, transition || readyTransition || messageChanged, readySince(status), false, Set.of(), readyCondition(status));
    }

    private Written inProgress(DatabaseCloneStatus status, long generation, CloneWorkflow.Result result) {
        CloneStep blocked = result.blockedAt();
        String blocking = blocked.condition();
        Optional<Condition> current = blocking == null ? Optional.empty() : status.condition(blocking);
        if (current.map(Condition::isTrue).orElse(false)) {
            // a step that does not let the workflow go on cannot claim its postcondition holds
            set(status, blocking, Condition.UNKNOWN, Reasons.WAITING, "working on " + blocked.name() + " again", generation);
            current = status.condition(blocking);
        }
        String message = current.map(Condition::getMessage).orElse("working on " + blocked.name());
        set(status, Conditions.READY, Condition.FALSE, Reasons.WAITING, message, generation);
        return new Written(false, false, readySince(status), false, Set.of(), readyCondition(status));
    }

    /**
     * Where the clone stands, from this reconcile's reports: the first of snapshot, volume, Postgres
     * and preparation that its step did not report True.
     */
    static String phase(CloneWorkflow.Result result) {
        if (result.complete()) {
            return READY;
        }
        if (result.outcome().kind() == Outcome.Kind.FAIL) {
            return FAILED;
        }
        if (!reportedTrue(result, Conditions.SNAPSHOT_READY)) {
            return SNAPSHOTTING;
        }
        if (!reportedTrue(result, Conditions.POSTGRES_STARTED)) {
            return reportedTrue(result, Conditions.VOLUME_READY) ? STARTING : RESTORING;
        }
        return PREPARING;
    }

    /** A step that let the workflow go on reported this condition True (a blocked step's True does not count: it is made Unknown). */
    private static boolean reportedTrue(CloneWorkflow.Result result, String type) {
        return result.reached().stream().anyMatch(r -> type.equals(r.step().condition()) && r.outcome().proceeds()
                && r.outcome().found() != null && Condition.TRUE.equals(r.outcome().found().status()));
    }

    private void recordTiming(DatabaseCloneStatus status, String type, String since) {
        if (Conditions.SNAPSHOT_READY.equals(type)) {
            timings(status).setSnapshotSeconds(secondsSince(since));
        } else if (Conditions.POSTGRES_STARTED.equals(type)) {
            timings(status).setStartSeconds(secondsSince(since));
        }
    }

    private boolean set(DatabaseCloneStatus status, String type, String conditionStatus, String reason, String message, long generation) {
        return conditions.set(status.getConditions(), type, conditionStatus, reason, message, generation);
    }

    private static Condition readyCondition(DatabaseCloneStatus status) {
        return status.condition(Conditions.READY).orElseThrow();
    }

    private static Instant readySince(DatabaseCloneStatus status) {
        return Instant.parse(readyCondition(status).getLastTransitionTime());
    }

    private static DatabaseCloneStatus.Timings timings(DatabaseCloneStatus status) {
        if (status.getTimings() == null) {
            status.setTimings(new DatabaseCloneStatus.Timings());
        }
        return status.getTimings();
    }

    /** Seconds from a Kubernetes timestamp until now, rounded to milliseconds; null if unknown. */
    private Double secondsSince(String timestamp) {
        if (timestamp == null) {
            return null;
        }
        double s = java.time.Duration.between(Instant.parse(timestamp), conditions.now()).toMillis() / 1000.0;
        return Math.max(0.0, s);
    }
}
