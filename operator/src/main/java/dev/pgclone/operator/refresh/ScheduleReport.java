package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.status.Conditions;
import java.time.Instant;

/**
 * What the parts of one reconcile of a schedule decided about its status fields: the clone the
 * stable Service switched to, the run started or found, the refresh request handled, the next run
 * time. They report here and never write the status; {@link ScheduleStatusFactory} writes these
 * with the conditions. Reads give what this reconcile decided, else what the last status says, so a
 * later part sees an earlier one's decision (pruning keeps the clone just switched to).
 */
final class ScheduleReport {

    /** The stable Service now selects clone {@code name}; {@code succeededAt} is set when it is a newer clone (a refresh), null when it falls back to an older one. */
    record Switch(String name, Instant succeededAt) {}

    /** A run and its clone, recorded when it is later than the last one recorded. */
    record Run(Instant runTime, String name) {}

    private final RefreshScheduleStatus last;
    private Switch switched;
    private Run run;
    private String handledRequest;
    private boolean nextReported;
    private Instant next;

    ScheduleReport(RefreshScheduleStatus last) {
        this.last = last;
    }

    void switched(String clone, Instant succeededAt) {
        switched = new Switch(clone, succeededAt);
    }

    /** Records the run unless a later one is recorded already. */
    void ran(Instant runTime, String clone) {
        Instant latest = lastScheduleTime();
        if (latest == null || runTime.isAfter(latest)) {
            run = new Run(runTime, clone);
        }
    }

    void handledRequest(String request) {
        handledRequest = request;
    }

    /** The next run time; null when no run is planned (suspended, or stopped by an invalid spec). */
    void nextRun(Instant at) {
        nextReported = true;
        next = at;
    }

    String activeClone() {
        return switched != null ? switched.name() : last.getActiveClone();
    }

    Instant lastScheduleTime() {
        return run != null ? run.runTime() : Conditions.parse(last.getLastScheduleTime());
    }

    String lastRefreshRequest() {
        return handledRequest != null ? handledRequest : last.getLastRefreshRequest();
    }

    /** The next run time as the status will say it. */
    Instant nextScheduleTime() {
        return nextReported ? next : Conditions.parse(last.getNextScheduleTime());
    }

    Switch switchReported() { return switched; }
    Run runReported() { return run; }
    String requestReported() { return handledRequest; }
    boolean nextRunReported() { return nextReported; }
}
