package dev.pgclone.operator.refresh;

import dev.pgclone.operator.spec.CronSchedule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.refresh.RunPlanner.Plan;
import dev.pgclone.operator.refresh.RunPlanner.Run;
import dev.pgclone.operator.refresh.RunPlanner.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When a run is due, with a fixed clock: first sight, due time, missed runs, suspend, refresh-now, edits. */
class RunPlannerTest {

    private final CronSchedule daily0600 = parse("0 6 * * *");

    @Test
    void aScheduleSeenForTheFirstTimeCommitsItsNextRunAndRunsNothing() {
        Plan plan = plan(daily0600, false, null, null, null, "2026-05-04T10:00:00Z");
        assertThat(plan.run()).isEmpty();
        assertThat(plan.next()).isEqualTo(at("2026-05-05T06:00:00Z"));
    }

    @Test
    void beforeTheCommittedTimeNothingRunsAndTheSameTimeStaysCommitted() {
        Plan plan = plan(daily0600, false, at("2026-05-05T06:00:00Z"), null, null, "2026-05-05T05:59:59.999Z");
        assertThat(plan.run()).isEmpty();
        assertThat(plan.next()).isEqualTo(at("2026-05-05T06:00:00Z"));
    }

    @Test
    void atTheCommittedTimeTheRunIsDueAndTheFollowingOneIsCommitted() {
        Plan plan = plan(daily0600, false, at("2026-05-05T06:00:00Z"), null, null, "2026-05-05T06:00:00.003Z");
        assertThat(plan.run()).contains(new Run(at("2026-05-05T06:00:00Z"), Trigger.SCHEDULE));
        assertThat(plan.next()).isEqualTo(at("2026-05-06T06:00:00Z"));
    }

    @Test
    void runsMissedWhileTheOperatorWasDownRunOnceNamedAfterTheLatestMissedTime() {
        // committed for the 5th, operator back on the 8th at 09:00: four run times passed
        Plan plan = plan(daily0600, false, at("2026-05-05T06:00:00Z"), null, null, "2026-05-08T09:00:00Z");
        assertThat(plan.run()).contains(new Run(at("2026-05-08T06:00:00Z"), Trigger.SCHEDULE));
        assertThat(plan.next()).isEqualTo(at("2026-05-09T06:00:00Z"));
        // carried out, the next reconcile finds nothing more to catch up
        Plan after = plan(daily0600, false, plan.next(), null, null, "2026-05-08T09:00:01Z");
        assertThat(after.run()).isEmpty();
    }

    @Test
    void aSuspendedScheduleRunsNothingCommitsNothingAndDoesNotCatchUpWhenResumed() {
        Plan suspended = plan(daily0600, true, at("2026-05-05T06:00:00Z"), null, null, "2026-05-06T09:00:00Z");
        assertThat(suspended.run()).isEmpty();
        assertThat(suspended.next()).isNull();
        // resumed days later: nothing committed, so the next run is the next run time, not the missed ones
        Plan resumed = plan(daily0600, false, suspended.next(), null, null, "2026-05-09T09:00:00Z");
        assertThat(resumed.run()).isEmpty();
        assertThat(resumed.next()).isEqualTo(at("2026-05-10T06:00:00Z"));
    }

    @Test
    void aNewRefreshNowValueRunsAtOnceEvenWhenSuspendedAndOnlyOnce() {
        Plan requested = plan(daily0600, true, null, "1717000000", "1717000999", "2026-05-04T10:17:42Z");
        assertThat(requested.run()).contains(new Run(at("2026-05-04T10:17:00Z"), Trigger.REQUEST));
        assertThat(requested.next()).isNull();
        assertThat(plan(daily0600, false, at("2026-05-05T06:00:00Z"), "1717000999", "1717000999", "2026-05-04T10:18:00Z").run()).isEmpty();
        assertThat(plan(daily0600, false, at("2026-05-05T06:00:00Z"), null, " ", "2026-05-04T10:18:00Z").run()).isEmpty();
        assertThat(plan(daily0600, false, at("2026-05-05T06:00:00Z"), null, null, "2026-05-04T10:18:00Z").run()).isEmpty();
    }

    @Test
    void aRequestWhileARunIsDueIsOneRunNotTwo() {
        Plan plan = plan(daily0600, false, at("2026-05-05T06:00:00Z"), "a", "b", "2026-05-05T06:00:20Z");
        assertThat(plan.run()).contains(new Run(at("2026-05-05T06:00:00Z"), Trigger.REQUEST));
        assertThat(plan.next()).isEqualTo(at("2026-05-06T06:00:00Z"));
    }

    @Test
    void anEditedScheduleTakesEffectFromItsNextRunTime() {
        // committed under "0 6 * * *"; the user switches to hourly at 10:20: no catch-up of 07:00..10:00
        Plan plan = plan(parse("@hourly"), false, at("2026-05-05T06:00:00Z"), null, null, "2026-05-04T10:20:00Z");
        assertThat(plan.run()).isEmpty();
        assertThat(plan.next()).isEqualTo(at("2026-05-04T11:00:00Z"));
    }

    @Test
    void aDueRunIsNeverNamedBeforeTheTimeItWasDueAt() {
        // committed 06:30 under an older expression; the current one's latest time (06:00) is earlier
        Plan plan = plan(daily0600, false, at("2026-05-05T06:30:00Z"), null, null, "2026-05-05T07:00:00Z");
        assertThat(plan.run()).contains(new Run(at("2026-05-05T06:30:00Z"), Trigger.SCHEDULE));
    }

    @Test
    void aRunDueAcrossTheSpringForwardGapIsNamedAfterTheInstantItRuns() {
        CronSchedule berlin0230 = parse("30 2 * * *", "Europe/Berlin");
        Instant committed = berlin0230.next(at("2026-03-28T12:00:00Z"));
        Plan plan = plan(berlin0230, false, committed, null, null, "2026-03-29T01:00:00.5Z");
        assertThat(plan.run()).contains(new Run(at("2026-03-29T01:00:00Z"), Trigger.SCHEDULE));
        assertThat(plan.next()).isEqualTo(at("2026-03-30T00:30:00Z"));
    }

    private static Plan plan(CronSchedule cron, boolean suspended, Instant committed, String lastRequest, String request, String now) {
        Clock clock = Clock.fixed(at(now), ZoneOffset.UTC);
        return RunPlanner.plan(cron, suspended, committed, lastRequest, request, clock.instant());
    }

    private static CronSchedule parse(String expression) {
        return parse(expression, "UTC");
    }

    private static CronSchedule parse(String expression, String zone) {
        try {
            return CronSchedule.parse(expression, zone);
        } catch (CronSchedule.InvalidScheduleException e) {
            throw new AssertionError(e);
        }
    }

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }
}
