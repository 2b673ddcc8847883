package dev.pgclone.operator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.refresh.ScheduleHistory.Child;
import dev.pgclone.operator.refresh.ScheduleHistory.State;
import dev.pgclone.operator.refresh.ScheduleValidator.Problem;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleStatusFactoryTest {

    private static final Instant NOW = Instant.parse("2030-01-07T10:00:00Z");
    private static final Instant RUN = Instant.parse("2030-01-07T06:00:00Z");

    private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final RefreshSchedule schedule = new RefreshSchedule();
    private final RefreshScheduleStatus status = new RefreshScheduleStatus();

    ScheduleStatusFactoryTest() {
        schedule.setMetadata(new ObjectMetaBuilder().withName("orders").withNamespace("staging").withGeneration(4L).build());
        status.setConditions(new ArrayList<>());
        status.setNextScheduleTime("2030-01-08T06:00:00Z");
    }

    private ScheduleStatusFactory.Written write(Problem blocking, Child... children) {
        return new ScheduleStatusFactory(clock).write(schedule, status, new ScheduleReport(status), new ScheduleHistory(List.of(children)), blocking);
    }

    private static Child child(String name, Instant runTime, State state, String phase, String reason, String message) {
        return new Child(name, runTime, state, phase, reason, message, "2030-01-07T06:00:01Z");
    }

    private Condition condition(String type) {
        return status.condition(type).orElseThrow();
    }

    @Test
    void beforeTheFirstRunBothConditionsSayWhenItIsAndHowToRefreshNow() {
        write(null);

        assertThat(condition("Refreshed").getStatus()).isEqualTo("Unknown");
        assertThat(condition("Refreshed").getReason()).isEqualTo("NoRunYet");
        assertThat(condition("Refreshed").getMessage()).isEqualTo("no clone yet: the first run is at 2030-01-08T06:00:00Z;"
                + " kubectl annotate refreshschedule/orders pgclone.dev/refresh-now=$(date +%s) refreshes now");
        assertThat(condition("Ready").getReason()).isEqualTo("NoCloneYet");
        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(4L));

        status.setNextScheduleTime(null);
        write(null);
        assertThat(condition("Refreshed").getMessage()).startsWith("no clone yet and the schedule is suspended; ");
    }

    @Test
    void aServingCloneIsReadyAndRefreshed() {
        status.setActiveClone("orders-203001070600");
        write(null, child("orders-203001070600", RUN, State.READY, "Ready", "CloneReady", "serving"));

        assertThat(condition("Refreshed").getStatus()).isEqualTo("True");
        assertThat(condition("Refreshed").getMessage()).isEqualTo("clone orders-203001070600 serves behind Service orders"
                + " (data as of 2030-01-07T06:00:01Z)");
        assertThat(condition("Ready").getStatus()).isEqualTo("True");
        assertThat(condition("Ready").getReason()).isEqualTo("CloneServing");
        assertThat(condition("Ready").getMessage()).startsWith("Service orders (").endsWith(") selects clone orders-203001070600"
                + " (data as of 2030-01-07T06:00:01Z)");
        assertThat(status.getLatestClone()).isEqualTo("orders-203001070600");
    }

    @Test
    void aRunInProgressIsRefreshingWhileTheFirstCloneIsAwaited() {
        write(null, child("orders-203001070600", RUN, State.IN_PROGRESS, "Starting", "Waiting", "waiting for postgres"));

        assertThat(condition("Refreshed").getReason()).isEqualTo("Refreshing");
        assertThat(condition("Refreshed").getMessage()).isEqualTo("clone orders-203001070600 is Starting: waiting for postgres");
        assertThat(condition("Ready").getReason()).isEqualTo("Waiting");
        assertThat(condition("Ready").getMessage()).isEqualTo("waiting for the first clone orders-203001070600 to become Ready (Starting)");
    }

    @Test
    void aFailedRunIsReportedOnceWhileThePreviousCloneServes() {
        status.setActiveClone("orders-203001060600");
        Child serving = child("orders-203001060600", RUN.minusSeconds(86400), State.READY, "Ready", "CloneReady", "serving");
        Child failed = child("orders-203001070600", RUN, State.FAILED, "Failed", "PostCloneSqlFailed", "masking failed");

        ScheduleStatusFactory.Written first = write(null, serving, failed);
        assertThat(first.runFailed()).isEqualTo("clone orders-203001070600 failed: masking failed; clone orders-203001060600 keeps"
                + " serving behind Service orders; the next run tries again");
        assertThat(condition("Refreshed").getStatus()).isEqualTo("False");
        assertThat(condition("Refreshed").getReason()).isEqualTo("PostCloneSqlFailed");
        assertThat(condition("Ready").getStatus()).isEqualTo("True");
        assertThat(status.getFailedClone()).isEqualTo("orders-203001070600");

        assertThat(write(null, serving, failed).runFailed()).isNull();

        // the failed clone is pruned: no longer remembered
        write(null, serving);
        assertThat(status.getFailedClone()).isNull();
    }

    @Test
    void aFailedFirstCloneKeepsReadyFalseWithItsReason() {
        write(null, child("orders-203001070600", RUN, State.FAILED, "Failed", null, "the image cannot be pulled"));

        assertThat(condition("Refreshed").getReason()).isEqualTo("RefreshFailed");
        assertThat(condition("Ready").getReason()).isEqualTo("RefreshFailed");
        assertThat(condition("Ready").getMessage()).isEqualTo("the first clone orders-203001070600 failed: the image cannot be pulled");
    }

    @Test
    void aServingCloneThatIsGoneOrNotReadyMakesReadyFalse() {
        status.setActiveClone("orders-203001070600");
        write(null);
        assertThat(condition("Ready").getReason()).isEqualTo("CloneNotReady");
        assertThat(condition("Ready").getMessage()).isEqualTo("clone orders-203001070600 behind Service orders no longer exists;"
                + " the next Ready clone replaces it");

        write(null, child("orders-203001070600", RUN, State.IN_PROGRESS, "Starting", "Waiting", "pod recreated"));
        assertThat(condition("Ready").getMessage()).isEqualTo("clone orders-203001070600 behind Service orders is not Ready: pod recreated");
    }

    @Test
    void aBlockingProblemWarnsWhenNewOrReworded_andItsBackoffCountsFromItsTransition() {
        Problem missing = new Problem("SourceNotFound", "PersistentVolumeClaim staging/data does not exist");
        ScheduleStatusFactory.Written first = write(missing);
        assertThat(first.problemBegan()).isTrue();
        assertThat(first.warnProblem()).isTrue();
        assertThat(first.problemSince()).isEqualTo(NOW);
        assertThat(condition("Refreshed").getReason()).isEqualTo("SourceNotFound");
        assertThat(condition("Ready").getReason()).isEqualTo("SourceNotFound");

        clock = Clock.fixed(NOW.plusSeconds(40), ZoneOffset.UTC);
        ScheduleStatusFactory.Written again = write(missing);
        assertThat(again.problemBegan()).isFalse();
        assertThat(again.warnProblem()).isFalse();
        assertThat(again.problemSince()).isEqualTo(NOW);
        assertThat(condition("Refreshed").getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z");

        ScheduleStatusFactory.Written reworded = write(new Problem("SourceNotFound", "PersistentVolumeClaim staging/data2 does not exist"));
        assertThat(reworded.problemBegan()).isFalse();
        assertThat(reworded.warnProblem()).isTrue();
    }

    @Test
    void aBlockingProblemLeavesReadyToTheServingClone() {
        status.setActiveClone("orders-203001060600");
        write(new Problem("SourceNotFound", "gone"), child("orders-203001060600", RUN, State.READY, "Ready", "CloneReady", "serving"));

        assertThat(condition("Refreshed").getReason()).isEqualTo("SourceNotFound");
        assertThat(condition("Ready").getStatus()).isEqualTo("True");
    }

    @Test
    void writesWhatTheReconcileDecidedBeforeTheConditionsReadIt() {
        status.setFailedClone("orders-203001060600");
        ScheduleReport report = new ScheduleReport(status);
        report.switched("orders-203001070600", NOW);
        report.ran(RUN, "orders-203001070600");
        report.handledRequest("1893996000");
        report.nextRun(Instant.parse("2030-01-09T06:00:00Z"));
        Child older = child("orders-203001060600", RUN.minusSeconds(86400), State.FAILED, "Failed", "PostCloneScriptFailed", "mask.sql failed");

        new ScheduleStatusFactory(clock).write(schedule, status, report,
                new ScheduleHistory(List.of(older, child("orders-203001070600", RUN, State.READY, "Ready", "CloneReady", "serving"))), null);

        assertThat(status.getObservedGeneration()).isEqualTo(4L);
        assertThat(status.getActiveClone()).isEqualTo("orders-203001070600");
        assertThat(status.getLastSuccessfulTime()).isEqualTo("2030-01-07T10:00:00Z");
        assertThat(status.getFailedClone()).as("a refresh ends the failure it reported").isNull();
        assertThat(status.getLastScheduleTime()).isEqualTo("2030-01-07T06:00:00Z");
        assertThat(status.getLatestClone()).isEqualTo("orders-203001070600");
        assertThat(status.getLastRefreshRequest()).isEqualTo("1893996000");
        assertThat(status.getNextScheduleTime()).isEqualTo("2030-01-09T06:00:00Z");
        assertThat(condition("Ready").getReason()).isEqualTo("CloneServing");
    }

    @Test
    void aFallbackKeepsTheLastSuccessAndAnEarlierRunIsNotRecordedOverALaterOne() {
        status.setLastSuccessfulTime("2030-01-06T06:00:00Z");
        status.setLastScheduleTime("2030-01-07T06:00:00Z");
        ScheduleReport report = new ScheduleReport(status);
        report.switched("orders-203001050600", null);
        report.ran(RUN.minusSeconds(3600), "orders-203001070500");
        report.nextRun(null);

        new ScheduleStatusFactory(clock).write(schedule, status, report, new ScheduleHistory(List.of()), null);

        assertThat(status.getActiveClone()).isEqualTo("orders-203001050600");
        assertThat(status.getLastSuccessfulTime()).isEqualTo("2030-01-06T06:00:00Z");
        assertThat(status.getLastScheduleTime()).isEqualTo("2030-01-07T06:00:00Z");
        assertThat(status.getNextScheduleTime()).as("no run planned").isNull();
        assertThat(report.activeClone()).isEqualTo("orders-203001050600");
    }
}
