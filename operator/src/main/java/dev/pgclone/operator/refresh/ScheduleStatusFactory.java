package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.refresh.ScheduleHistory.Child;
import dev.pgclone.operator.refresh.ScheduleHistory.State;
import dev.pgclone.operator.refresh.ScheduleValidator.Problem;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import java.time.Clock;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Optional;

/**
 * The one writer of a RefreshSchedule's status: the fields the reconcile decided
 * ({@link ScheduleReport}: serving clone, runs, handled request, next run) and the conditions,
 * Refreshed (the outcome of the latest run) and Ready (a clone serves behind the stable Service),
 * from the schedule's children as they are now and the problem, if any, that blocks runs. What it changed comes back as a {@link Written}, from which
 * the reconciler sends events, counts failures and picks its backoff.
 */
final class ScheduleStatusFactory {

    private final Conditions conditions;

    ScheduleStatusFactory(Clock clock) {
        this.conditions = new Conditions(clock);
    }

    /**
     * What writing the status changed.
     * @param problemBegan the blocking problem is new (Refreshed transitioned to it): its backoff starts over
     * @param warnProblem  the blocking problem is new or says something new: worth a Warning event
     * @param problemSince when Refreshed last transitioned, i.e. since when the blocking problem has lasted
     * @param runFailed    the message of a run whose failure this reconcile saw first (status.failedClone changed); else null
     */
    record Written(boolean problemBegan, boolean warnProblem, Instant problemSince, String runFailed) {}

    /** The status this reconcile builds: a copy of what the last one wrote, or a new one. */
    RefreshScheduleStatus startFrom(RefreshScheduleStatus previous) {
        RefreshScheduleStatus status = previous == null ? new RefreshScheduleStatus()
                : Serialization.unmarshal(Serialization.asJson(previous), RefreshScheduleStatus.class);
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        return status;
    }

    /**
     * @param report   what the reconcile decided about the status fields
     * @param blocking what keeps runs from starting (invalid spec, name conflict, missing source); null when nothing does
     */
    Written write(RefreshSchedule schedule, RefreshScheduleStatus status, ScheduleReport report, ScheduleHistory history, Problem blocking) {
        long generation = schedule.getMetadata().getGeneration() == null ? 0L : schedule.getMetadata().getGeneration();
        status.setObservedGeneration(generation);
        reported(status, report);
        Optional<Child> latest = history.newest();
        status.setLatestClone(latest.map(Child::name).orElse(null));
        if (status.getFailedClone() != null && history.named(status.getFailedClone()).isEmpty()) {
            status.setFailedClone(null);
        }
        Written written = refreshed(schedule, status, generation, latest, blocking);
        ready(schedule, status, generation, history, blocking);
        return written;
    }

    private static void reported(RefreshScheduleStatus status, ScheduleReport report) {
        ScheduleReport.Switch switched = report.switchReported();
        if (switched != null) {
            status.setActiveClone(switched.name());
            if (switched.succeededAt() != null) {
                status.setLastSuccessfulTime(Conditions.format(switched.succeededAt()));
                status.setFailedClone(null);
            }
        }
        ScheduleReport.Run run = report.runReported();
        if (run != null) {
            status.setLastScheduleTime(Conditions.format(run.runTime()));
            status.setLatestClone(run.name());
        }
        if (report.requestReported() != null) {
            status.setLastRefreshRequest(report.requestReported());
        }
        if (report.nextRunReported()) {
            status.setNextScheduleTime(report.nextScheduleTime() == null ? null : Conditions.format(report.nextScheduleTime()));
        }
    }

    private Written refreshed(RefreshSchedule schedule, RefreshScheduleStatus status, long generation, Optional<Child> latest, Problem blocking) {
        if (blocking != null) {
            Optional<Condition> before = status.condition(RefreshScheduleReconciler.REFRESHED);
            boolean transition = set(status, RefreshScheduleReconciler.REFRESHED, Condition.FALSE, blocking.reason(), blocking.message(), generation);
            boolean newMessage = before.map(c -> !Objects.equals(c.getMessage(), blocking.message())).orElse(true);
            Instant since = status.condition(RefreshScheduleReconciler.REFRESHED).map(Condition::getLastTransitionTime).map(Instant::parse).orElse(null);
            return new Written(transition, transition || newMessage, since, null);
        }
        if (latest.isEmpty()) {
            set(status, RefreshScheduleReconciler.REFRESHED, Condition.UNKNOWN, Reasons.NO_RUN_YET, noRunYet(schedule, status), generation);
            return new Written(false, false, null, null);
        }
        Child child = latest.get();
        String service = Names.scheduleService(schedule);
        switch (child.state()) {
            case READY -> set(status, RefreshScheduleReconciler.REFRESHED, Condition.TRUE, Reasons.REFRESHED,
                    "clone " + child.name() + " serves behind Service " + service + dataAsOf(child), generation);
            case IN_PROGRESS -> set(status, RefreshScheduleReconciler.REFRESHED, Condition.UNKNOWN, Reasons.REFRESHING,
                    "clone " + child.name() + " is " + child.phase() + (child.message() == null ? "" : ": " + child.message()), generation);
            case FAILED -> {
                String active = status.getActiveClone();
                String message = "clone " + child.name() + " failed: " + child.message()
                        + (active == null ? "" : "; clone " + active + " keeps serving behind Service " + service)
                        + "; the next run tries again";
                set(status, RefreshScheduleReconciler.REFRESHED, Condition.FALSE, child.reason() == null ? Reasons.REFRESH_FAILED : child.reason(),
                        message, generation);
                if (!child.name().equals(status.getFailedClone())) {
                    status.setFailedClone(child.name());
                    return new Written(false, false, null, message);
                }
            }
        }
        return new Written(false, false, null, null);
    }

    private void ready(RefreshSchedule schedule, RefreshScheduleStatus status, long generation, ScheduleHistory history, Problem blocking) {
        String active = status.getActiveClone();
        String service = Names.scheduleService(schedule);
        if (active != null) {
            Optional<Child> serving = history.named(active);
            if (serving.isPresent() && serving.get().state() == State.READY) {
                set(status, Conditions.READY, Condition.TRUE, Reasons.CLONE_SERVING, "Service " + service + " ("
                        + Names.scheduleServiceHost(schedule) + ") selects clone " + active + dataAsOf(serving.get()), generation);
            } else {
                set(status, Conditions.READY, Condition.FALSE, Reasons.CLONE_NOT_READY, "clone " + active + " behind Service " + service
                        + (serving.isEmpty() ? " no longer exists; the next Ready clone replaces it"
                                : " is not Ready: " + serving.get().message()), generation);
            }
            return;
        }
        if (blocking != null) {
            set(status, Conditions.READY, Condition.FALSE, blocking.reason(), blocking.message(), generation);
            return;
        }
        Optional<Child> latest = history.newest();
        if (latest.isEmpty()) {
            set(status, Conditions.READY, Condition.FALSE, Reasons.NO_CLONE_YET, noRunYet(schedule, status), generation);
        } else if (latest.get().state() == State.FAILED) {
            set(status, Conditions.READY, Condition.FALSE, latest.get().reason() == null ? Reasons.REFRESH_FAILED : latest.get().reason(),
                    "the first clone " + latest.get().name() + " failed: " + latest.get().message(), generation);
        } else {
            set(status, Conditions.READY, Condition.FALSE, Reasons.WAITING, "waiting for the first clone " + latest.get().name()
                    + " to become Ready (" + latest.get().phase() + ")", generation);
        }
    }

    private static String noRunYet(RefreshSchedule schedule, RefreshScheduleStatus status) {
        String now = "kubectl annotate refreshschedule/" + schedule.getMetadata().getName() + " " + RefreshSchedule.REFRESH_NOW
                + "=$(date +%s) refreshes now";
        if (status.getNextScheduleTime() == null) {
            return "no clone yet and the schedule is suspended; " + now;
        }
        return "no clone yet: the first run is at " + status.getNextScheduleTime() + "; " + now;
    }

    static String dataAsOf(Child child) {
        return child.dataAsOf() == null ? "" : " (data as of " + child.dataAsOf() + ")";
    }

    private boolean set(RefreshScheduleStatus status, String type, String conditionStatus, String reason, String message, long generation) {
        return conditions.set(status.getConditions(), type, conditionStatus, reason, message, generation);
    }
}
