package dev.pgclone.operator.refresh;

import dev.pgclone.operator.spec.CronSchedule;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, from the schedule and the time alone, whether a run is due now and when the next one is.
 * <p>
 * The state is {@code status.nextScheduleTime}: the run time the operator has committed to. A
 * scheduled run is due once the clock has reached it, however late, so runs missed while the
 * operator was down collapse into one run on start (named after the latest missed time), never a
 * burst. Otherwise it is recomputed from the current expression on every reconcile, so an edited
 * schedule takes effect from its next run time and a schedule seen for the first time, resumed
 * after {@code suspend}, or repaired after an invalid spec starts at its next run time rather than
 * catching up.
 */
final class RunPlanner {

    enum Trigger { SCHEDULE, REQUEST }

    /** One run: the clone is named after {@code runTime}. */
    record Run(Instant runTime, Trigger trigger) {}

    /**
     * @param run  the run due now, if any
     * @param next the next scheduled run time once this decision is carried out; null when suspended
     */
    record Plan(Optional<Run> run, Instant next) {}

    private RunPlanner() {}

    /**
     * @param committed   status.nextScheduleTime, null when none is committed yet
     * @param lastRequest status.lastRefreshRequest
     * @param request     the refresh-now annotation's value, null when absent
     */
    static Plan plan(CronSchedule cron, boolean suspended, Instant committed, String lastRequest, String request, Instant now) {
        Instant next = suspended ? null : cron.next(now);
        if (isNewRequest(lastRequest, request)) {
            // a request covers a scheduled run due at the same moment: one run, not two
            return new Plan(Optional.of(new Run(now.truncatedTo(ChronoUnit.MINUTES), Trigger.REQUEST)), next);
        }
        if (!suspended && committed != null && !now.isBefore(committed)) {
            Instant runTime = cron.latest(now).filter(t -> !t.isBefore(committed)).orElse(committed);
            return new Plan(Optional.of(new Run(runTime.truncatedTo(ChronoUnit.MINUTES), Trigger.SCHEDULE)), next);
        }
        return new Plan(Optional.empty(), next);
    }

    static boolean isNewRequest(String lastRequest, String request) {
        return request != null && !request.isBlank() && !Objects.equals(request, lastRequest);
    }
}
