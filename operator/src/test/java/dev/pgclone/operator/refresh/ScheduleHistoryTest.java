package dev.pgclone.operator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.refresh.ScheduleHistory.Child;
import dev.pgclone.operator.refresh.ScheduleHistory.Deletion;
import dev.pgclone.operator.refresh.ScheduleHistory.State;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which clone serves, which run blocks a new one, and what is pruned in which order. */
class ScheduleHistoryTest {

    @Test
    void pruningKeepsTheNewestSupersededReadyClonesUpToTheLimitAndDeletesOldestFirst() {
        // given in shuffled order: the history sorts by run time
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605030600", State.READY), child("s-202605050600", State.READY),
                child("s-202605010600", State.READY), child("s-202605040600", State.READY)));
        String active = "s-202605050600";

        assertThat(names(history.toDelete(active, runTime(active), 1)))
                .containsExactly("s-202605010600", "s-202605030600");
        assertThat(names(history.toDelete(active, runTime(active), 0)))
                .containsExactly("s-202605010600", "s-202605030600", "s-202605040600");
        assertThat(history.toDelete(active, runTime(active), 3)).isEmpty();
        assertThat(history.toDelete(active, runTime(active), 0)).first()
                .satisfies(d -> assertThat(d.why()).contains("superseded by s-202605050600").contains("historyLimit 0"));
    }

    @Test
    void supersededClonesThatAreNotReadyGoWhateverTheLimit() {
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605010600", State.FAILED), child("s-202605020600", State.IN_PROGRESS),
                child("s-202605030600", State.READY), child("s-202605040600", State.READY)));
        String active = "s-202605040600";
        assertThat(names(history.toDelete(active, runTime(active), 5))).containsExactly("s-202605010600", "s-202605020600");
    }

    @Test
    void afterAFailedRunTheLatestFailureStaysForInspectionAndEarlierOnesGo() {
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605010600", State.READY), child("s-202605020600", State.FAILED),
                child("s-202605030600", State.FAILED), child("s-202605040600", State.IN_PROGRESS)));
        String active = "s-202605010600";
        List<Deletion> deletions = history.toDelete(active, runTime(active), 1);
        assertThat(names(deletions)).containsExactly("s-202605020600");
        assertThat(deletions.get(0).why()).contains("s-202605030600 failed too");
    }

    @Test
    void withoutAnyServingCloneOnlyEarlierFailuresGo() {
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605010600", State.FAILED), child("s-202605020600", State.FAILED), child("s-202605030600", State.IN_PROGRESS)));
        assertThat(names(history.toDelete(null, null, 0))).containsExactly("s-202605010600");
    }

    @Test
    void theServiceMovesOnlyForwardToTheNewestReadyClone() {
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605010600", State.READY), child("s-202605020600", State.READY), child("s-202605030600", State.FAILED)));

        assertThat(history.switchTarget(null, null)).hasValueSatisfying(s -> {
            assertThat(s.to().name()).isEqualTo("s-202605020600");
            assertThat(s.forward()).isTrue();
        });
        assertThat(history.switchTarget("s-202605010600", runTime("s-202605010600")))
                .hasValueSatisfying(s -> assertThat(s.forward()).isTrue());
        assertThat(history.switchTarget("s-202605020600", runTime("s-202605020600"))).isEmpty();
    }

    @Test
    void anActiveCloneThatIsNotReadyKeepsTheServiceButOneThatIsGoneIsReplacedByAnOlderOne() {
        ScheduleHistory notReady = new ScheduleHistory(List.of(
                child("s-202605010600", State.READY), child("s-202605020600", State.IN_PROGRESS)));
        assertThat(notReady.switchTarget("s-202605020600", runTime("s-202605020600"))).isEmpty();

        ScheduleHistory gone = new ScheduleHistory(List.of(child("s-202605010600", State.READY)));
        assertThat(gone.switchTarget("s-202605020600", runTime("s-202605020600"))).hasValueSatisfying(s -> {
            assertThat(s.to().name()).isEqualTo("s-202605010600");
            assertThat(s.forward()).isFalse();
        });
    }

    @Test
    void onlyARunNewerThanTheServingCloneCountsAsInProgress() {
        ScheduleHistory history = new ScheduleHistory(List.of(
                child("s-202605010600", State.IN_PROGRESS), child("s-202605020600", State.READY), child("s-202605030600", State.FAILED)));
        assertThat(history.inProgress(runTime("s-202605020600"))).isEmpty();
        assertThat(history.inProgress(null)).map(Child::name).contains("s-202605010600");

        ScheduleHistory running = new ScheduleHistory(List.of(child("s-202605020600", State.READY), child("s-202605040600", State.IN_PROGRESS)));
        assertThat(running.inProgress(runTime("s-202605020600"))).map(Child::name).contains("s-202605040600");
        assertThat(running.newest()).map(Child::name).contains("s-202605040600");
    }

    private static Child child(String name, State state) {
        return new Child(name, runTime(name), state, state == State.READY ? "Ready" : state == State.FAILED ? "Failed" : "Restoring",
                null, null, null);
    }

    /** s-yyyyMMddHHmm to its instant, as the reconciler reads it from the name. */
    private static Instant runTime(String name) {
        String t = name.substring(2);
        return Instant.parse(t.substring(0, 4) + "-" + t.substring(4, 6) + "-" + t.substring(6, 8) + "T"
                + t.substring(8, 10) + ":" + t.substring(10, 12) + ":00Z");
    }

    private static List<String> names(List<Deletion> deletions) {
        return deletions.stream().map(d -> d.child().name()).toList();
    }
}
