package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.testing.SteppedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloneStatusFactoryTest {

    private static final Instant START = Instant.parse("2030-01-07T10:00:00Z");
    private static final String CREATED = "2030-01-07T09:59:00Z";

    private record Step(String name, String condition) implements CloneStep {
        @Override
        public Outcome run(CloneContext ctx) {
            throw new UnsupportedOperationException("the factory only reads reports");
        }
    }

    private static final Step SNAPSHOT = new Step("snapshot", Conditions.SNAPSHOT_READY);
    private static final Step VOLUME = new Step("volume", Conditions.VOLUME_READY);
    private static final Step SECRETS = new Step("secrets", null);
    private static final Step POD = new Step("pod", Conditions.POSTGRES_STARTED);
    private static final Step PREPARATION = new Step("preparation", Conditions.PREPARED);
    private static final List<CloneStep> STEPS = List.of(SNAPSHOT, VOLUME, SECRETS, POD, PREPARATION);

    private final SteppedClock clock = new SteppedClock(START);
    private final CloneStatusFactory factory = new CloneStatusFactory(clock, STEPS);
    private final DatabaseCloneStatus status = new DatabaseCloneStatus();

    private static CloneWorkflow.Result run(Object... stepsAndOutcomes) {
        List<CloneWorkflow.Reached> reached = new ArrayList<>();
        for (int i = 0; i < stepsAndOutcomes.length; i += 2) {
            reached.add(new CloneWorkflow.Reached((CloneStep) stepsAndOutcomes[i], (Outcome) stepsAndOutcomes[i + 1]));
        }
        CloneWorkflow.Reached last = reached.get(reached.size() - 1);
        return last.outcome().proceeds() && reached.size() == STEPS.size() ? new CloneWorkflow.Result(reached, null, Outcome.proceed())
                : new CloneWorkflow.Result(reached, last.step(), last.outcome());
    }

    private static Outcome ok(String reason) {
        return Outcome.proceed(Finding.isTrue(reason, reason + " holds"));
    }

    private Condition condition(String type) {
        return status.condition(type).orElseThrow();
    }

    private void servedAt() {
        status.setEndpoint(new DatabaseCloneStatus.Endpoint("orders.staging.svc", 5432));
        status.setSecrets(List.of("orders-superuser", "orders-app"));
    }

    private CloneWorkflow.Result complete() {
        return run(SNAPSHOT, Outcome.proceed(Finding.isTrue("SnapshotReady", "snapshot ready").since("2030-01-07T09:59:30Z")),
                VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, Outcome.proceed(Finding.isTrue("PostgresRunning", "accepting connections").since("2030-01-07T09:59:50Z")),
                PREPARATION, ok("Prepared"));
    }

    @Test
    void aCompletedWorkflowIsReadyWithItsEndpointAndTheTimeItTook() {
        servedAt();
        CloneStatusFactory.Written written = factory.workflow(status, 3, complete(), CREATED);

        assertThat(status.getConditions()).extracting(Condition::getType).containsExactlyElementsOf(Conditions.CLONE_TYPES);
        assertThat(status.getConditions()).allSatisfy(c -> {
            assertThat(c.getStatus()).isEqualTo("True");
            assertThat(c.getObservedGeneration()).isEqualTo(3L);
            assertThat(c.getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z");
        });
        assertThat(condition("Ready").getReason()).isEqualTo("CloneReady");
        assertThat(condition("Ready").getMessage()).isEqualTo("serving at orders.staging.svc:5432; credentials in Secret(s) orders-superuser, orders-app");
        assertThat(status.getPhase()).isEqualTo("Ready");
        assertThat(status.getReadyAt()).isEqualTo("2030-01-07T10:00:00Z");
        assertThat(status.getTimings().getTotalSeconds()).isEqualTo(60.0);
        assertThat(status.getTimings().getSnapshotSeconds()).isEqualTo(30.0);
        assertThat(status.getTimings().getStartSeconds()).isEqualTo(10.0);
        assertThat(written.becameReady()).isTrue();
        assertThat(written.timed()).containsExactlyInAnyOrder(Conditions.SNAPSHOT_READY, Conditions.POSTGRES_STARTED);
        assertThat(written.warn()).isFalse();
    }

    @Test
    void anUnchangedStatusKeepsItsTransitionTimesReadyAtAndTimings() {
        servedAt();
        factory.workflow(status, 3, complete(), CREATED);
        clock.advance(Duration.ofMinutes(10));

        CloneStatusFactory.Written again = factory.workflow(status, 3, complete(), CREATED);

        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z"));
        assertThat(status.getReadyAt()).isEqualTo("2030-01-07T10:00:00Z");
        assertThat(status.getTimings().getTotalSeconds()).isEqualTo(60.0);
        assertThat(status.getTimings().getSnapshotSeconds()).isEqualTo(30.0);
        assertThat(again.becameReady()).isFalse();
        assertThat(again.timed()).isEmpty();
    }

    @Test
    void stepsNotReachedAreUnknownAndWaitForTheBlockingStepsCondition() {
        factory.workflow(status, 1, run(SNAPSHOT, Outcome.waitFor(Finding.isFalse("SnapshotCreated", "snapshot data-0 requested"))), CREATED);

        assertThat(condition("SnapshotReady").getStatus()).isEqualTo("False");
        for (String type : List.of("VolumeReady", "PostgresStarted", "Prepared")) {
            assertThat(condition(type).getStatus()).isEqualTo("Unknown");
            assertThat(condition(type).getReason()).isEqualTo("Waiting");
            assertThat(condition(type).getMessage()).isEqualTo("waiting for SnapshotReady");
        }
        assertThat(condition("Ready").getStatus()).isEqualTo("False");
        assertThat(condition("Ready").getReason()).isEqualTo("Waiting");
        assertThat(condition("Ready").getMessage()).isEqualTo("snapshot data-0 requested");
        assertThat(status.getPhase()).isEqualTo("Snapshotting");
    }

    @Test
    void aStepWithoutAConditionIsNamedByTheStepsItHolds() {
        CloneStatusFactory.Written written = factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"),
                SECRETS, Outcome.waitFor()), CREATED);

        assertThat(condition("PostgresStarted").getMessage()).isEqualTo("waiting for step secrets");
        assertThat(condition("Prepared").getMessage()).isEqualTo("waiting for step secrets");
        assertThat(condition("Ready").getMessage()).isEqualTo("working on secrets");
        assertThat(status.getPhase()).isEqualTo("Starting");
        assertThat(written.problemBegan()).isFalse();
        assertThat(written.warn()).isFalse();
    }

    @Test
    void thePhaseIsTheFirstStageNotReportedTrue() {
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"),
                VOLUME, Outcome.proceed(Finding.isFalse("VolumePending", "restoring")), SECRETS, Outcome.proceed(),
                POD, Outcome.waitFor(Finding.isFalse("PodStarting", "pod created"))), CREATED);
        assertThat(status.getPhase()).isEqualTo("Restoring");

        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, Outcome.waitFor(Finding.isFalse("PodStarting", "pod created"))), CREATED);
        assertThat(status.getPhase()).isEqualTo("Starting");

        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.waitFor(Finding.isFalse("Preparing", "running 1 script"))), CREATED);
        assertThat(status.getPhase()).isEqualTo("Preparing");
        assertThat(condition("Ready").getMessage()).isEqualTo("running 1 script");
    }

    @Test
    void aBlockingStepCannotKeepATrueCondition() {
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.waitFor(Finding.isFalse("Preparing", "running"))), CREATED);
        clock.advance(Duration.ofSeconds(5));

        // the Pod is being deleted: the step waits and says nothing new
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, Outcome.waitFor()), CREATED);

        assertThat(condition("PostgresStarted").getStatus()).isEqualTo("Unknown");
        assertThat(condition("PostgresStarted").getMessage()).isEqualTo("working on pod again");
        assertThat(condition("PostgresStarted").getLastTransitionTime()).isEqualTo("2030-01-07T10:00:05Z");
        assertThat(condition("Ready").getMessage()).isEqualTo("working on pod again");
        assertThat(condition("Prepared").getMessage()).isEqualTo("waiting for PostgresStarted");
        assertThat(status.getPhase()).isEqualTo("Starting");
    }

    @Test
    void aWaitingStepThatSaysNothingNewKeepsItsCondition() {
        factory.workflow(status, 1, run(SNAPSHOT, Outcome.waitFor(Finding.isFalse("Checkpointing", "running CHECKPOINT"))), CREATED);
        factory.workflow(status, 1, run(SNAPSHOT, Outcome.waitFor()), CREATED);

        assertThat(condition("SnapshotReady").getReason()).isEqualTo("Checkpointing");
        assertThat(condition("Ready").getMessage()).isEqualTo("running CHECKPOINT");
    }

    @Test
    void aFindingForAnotherReasonReplacesOnlyThatReason() {
        Outcome pickedUp = Outcome.waitFor(Finding.isFalse("Preparing", "setting credentials").onlyInsteadOf("Waiting"));
        CloneWorkflow.Result queued = run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.waitFor(Finding.isFalse("Waiting", "waiting for a database worker")));
        factory.workflow(status, 1, queued, CREATED);
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, pickedUp), CREATED);
        assertThat(condition("Prepared").getReason()).isEqualTo("Preparing");
        assertThat(condition("Prepared").getMessage()).isEqualTo("setting credentials");

        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.waitFor(Finding.isFalse("Preparing", "running 2 post-clone script(s)"))), CREATED);
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, pickedUp), CREATED);
        assertThat(condition("Prepared").getMessage()).isEqualTo("running 2 post-clone script(s)");
    }

    @Test
    void aFailureSetsTheStepAndReadyFalseAndWarnsOnlyWhenItIsNewOrSaysSomethingNew() {
        CloneWorkflow.Result lost = run(SNAPSHOT, ok("SnapshotReady"), VOLUME, Outcome.fail("VolumeLost", "the volume is lost"));
        CloneStatusFactory.Written first = factory.workflow(status, 2, lost, CREATED);

        assertThat(condition("VolumeReady").getStatus()).isEqualTo("False");
        assertThat(condition("VolumeReady").getReason()).isEqualTo("VolumeLost");
        assertThat(condition("Ready").getReason()).isEqualTo("VolumeLost");
        assertThat(condition("Ready").getMessage()).isEqualTo("the volume is lost");
        assertThat(condition("PostgresStarted").getMessage()).isEqualTo("waiting for VolumeReady");
        assertThat(status.getPhase()).isEqualTo("Failed");
        assertThat(first.problemBegan()).isTrue();
        assertThat(first.warn()).isTrue();
        assertThat(first.problemSince()).isEqualTo(START);

        clock.advance(Duration.ofSeconds(30));
        CloneStatusFactory.Written same = factory.workflow(status, 2, lost, CREATED);
        assertThat(same.problemBegan()).isFalse();
        assertThat(same.warn()).isFalse();
        assertThat(same.problemSince()).isEqualTo(START);
        assertThat(condition("Ready").getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z");

        CloneStatusFactory.Written reworded = factory.workflow(status, 2,
                run(SNAPSHOT, ok("SnapshotReady"), VOLUME, Outcome.fail("VolumeLost", "the volume is lost for good")), CREATED);
        assertThat(reworded.problemBegan()).isFalse();
        assertThat(reworded.warn()).isTrue();
        assertThat(condition("Ready").getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z");
    }

    @Test
    void aFailureOfAStepWithoutAConditionIsReportedByReadyAlone() {
        CloneStatusFactory.Written written = factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"),
                SECRETS, Outcome.retry("CredentialsSecretNotFound", "Secret staging/creds does not exist")), CREATED);

        assertThat(status.getConditions()).extracting(Condition::getType)
                .containsExactly("SnapshotReady", "VolumeReady", "PostgresStarted", "Prepared", "Ready");
        assertThat(condition("Ready").getReason()).isEqualTo("CredentialsSecretNotFound");
        assertThat(condition("PostgresStarted").getMessage()).isEqualTo("waiting for step secrets");
        assertThat(status.getPhase()).isEqualTo("Failed");
        assertThat(written.problemBegan()).isTrue();
    }

    @Test
    void anInvalidCloneReportsOnReadyAndLeavesTheOtherConditionsAsTheyWere() {
        servedAt();
        factory.workflow(status, 1, complete(), CREATED);
        clock.advance(Duration.ofMinutes(1));

        CloneStatusFactory.Written written = factory.invalid(status, 2, "InvalidSpec", "invalid spec: spec.ttl does not parse");

        assertThat(condition("Ready").getStatus()).isEqualTo("False");
        assertThat(condition("Ready").getReason()).isEqualTo("InvalidSpec");
        assertThat(condition("Ready").getObservedGeneration()).isEqualTo(2L);
        assertThat(condition("Prepared").getStatus()).isEqualTo("True");
        assertThat(condition("Prepared").getObservedGeneration()).isEqualTo(1L);
        assertThat(status.getPhase()).isEqualTo("Failed");
        assertThat(written.problemBegan()).isTrue();
        assertThat(written.problemSince()).isEqualTo(START.plus(Duration.ofMinutes(1)));
    }

    @Test
    void aRefusedCloneWaitsForItsSnapshotAgain() {
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, Outcome.waitFor(Finding.isFalse("PodStarting", "pod created"))), CREATED);
        status.getConditions().removeIf(c -> c.getType().equals("Prepared"));

        factory.refused(status, 1, "NamespaceNotAllowed", "CloneSource prod/orders does not allow namespace staging", false);

        assertThat(condition("SnapshotReady").getStatus()).isEqualTo("False");
        assertThat(condition("SnapshotReady").getReason()).isEqualTo("NamespaceNotAllowed");
        assertThat(condition("VolumeReady").getStatus()).isEqualTo("Unknown");
        assertThat(condition("VolumeReady").getMessage()).isEqualTo("waiting for SnapshotReady");
        assertThat(condition("PostgresStarted").getStatus()).isEqualTo("Unknown");
        assertThat(status.condition("Prepared")).isEmpty();
        assertThat(condition("Ready").getReason()).isEqualTo("NamespaceNotAllowed");
        assertThat(status.getPhase()).isEqualTo("Failed");
    }

    @Test
    void aStepBlockingOnAConditionALaterStepSharesKeepsItsReport() {
        Step checkpoint = new Step("checkpoint", Conditions.SNAPSHOT_READY);
        CloneStatusFactory shared = new CloneStatusFactory(clock, List.of(checkpoint, SNAPSHOT, VOLUME));
        Outcome running = Outcome.waitFor(Finding.isFalse("Checkpointing", "running CHECKPOINT on the source"));

        shared.workflow(status, 1, new CloneWorkflow.Result(List.of(new CloneWorkflow.Reached(checkpoint, running)), checkpoint, running), CREATED);

        assertThat(condition("SnapshotReady").getReason()).isEqualTo("Checkpointing");
        assertThat(condition("VolumeReady").getMessage()).isEqualTo("waiting for SnapshotReady");
        assertThat(condition("Ready").getMessage()).isEqualTo("running CHECKPOINT on the source");
        assertThat(status.getPhase()).isEqualTo("Snapshotting");
    }

    @Test
    void aGivenSnapshotHasNoSnapshottingTime() {
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, Outcome.waitFor()), CREATED);
        assertThat(status.getTimings()).isNull();
    }

    private static final DatabaseCloneStatus.SnapshotStatus SHARED =
            new DatabaseCloneStatus.SnapshotStatus("orders-20300107", "prod", "2030-01-07T09:00:00Z", "10Gi");

    @Test
    void theFieldsTheStepsLearnedAreWrittenAndReadyNamesWhereItServes() {
        CloneWorkflow.Result learned = run(
                SNAPSHOT, ok("SnapshotReady").learned(new Learned.Snapshot(SHARED, "2030-01-07T09:00:00Z"), new Learned.CheckpointSeconds(1.5)),
                VOLUME, ok("VolumeBound"),
                SECRETS, Outcome.proceed().learned(new Learned.Secrets(List.of("orders-superuser", "orders-app")),
                        new Learned.Served(new DatabaseCloneStatus.Endpoint("orders.staging.svc", 5432))),
                POD, ok("PostgresRunning"),
                PREPARATION, ok("Prepared").learned(new Learned.PrepareSeconds(2.25), new Learned.PostgresVersion("16.4"),
                        new Learned.PreparationSteps(List.of(new DatabaseCloneStatus.Step("credentials", 0.1, null, null)))));

        factory.workflow(status, 1, learned, CREATED);

        assertThat(status.getSnapshot()).isEqualTo(SHARED);
        assertThat(status.getDataAsOf()).isEqualTo("2030-01-07T09:00:00Z");
        assertThat(status.getSecrets()).containsExactly("orders-superuser", "orders-app");
        assertThat(status.getEndpoint()).isEqualTo(new DatabaseCloneStatus.Endpoint("orders.staging.svc", 5432));
        assertThat(status.getPostgresVersion()).isEqualTo("16.4");
        assertThat(status.getSteps()).extracting(DatabaseCloneStatus.Step::getName).containsExactly("credentials");
        assertThat(status.getTimings().getCheckpointSeconds()).isEqualTo(1.5);
        assertThat(status.getTimings().getPrepareSeconds()).isEqualTo(2.25);
        assertThat(condition("Ready").getMessage()).isEqualTo("serving at orders.staging.svc:5432; credentials in Secret(s) orders-superuser, orders-app");
    }

    @Test
    void aFailedStepStillReportsWhatItLearned() {
        factory.workflow(status, 1, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.fail("PostCloneScriptFailed", "10-mask.sql: syntax error")
                        .learned(new Learned.PrepareSeconds(0.5), new Learned.PreparationSteps(
                                List.of(new DatabaseCloneStatus.Step("10-mask.sql", 0.2, null, "syntax error"))))), CREATED);

        assertThat(status.getSteps()).extracting(DatabaseCloneStatus.Step::getError).containsExactly("syntax error");
        assertThat(status.getTimings().getPrepareSeconds()).isEqualTo(0.5);
        assertThat(condition("Prepared").getReason()).isEqualTo("PostCloneScriptFailed");
        assertThat(status.getPhase()).isEqualTo("Failed");
    }

    @Test
    void aFieldNoStepReportsKeepsItsValueAndADiscardedCopysStepsGo() {
        servedAt();
        status.setPostgresVersion("16.4");
        status.setSteps(List.of(new DatabaseCloneStatus.Step("credentials", 0.1, null, null)));

        factory.workflow(status, 2, run(SNAPSHOT, ok("SnapshotReady"), VOLUME, ok("VolumeBound"), SECRETS, Outcome.proceed(),
                POD, ok("PostgresRunning"), PREPARATION, Outcome.waitFor(Finding.isFalse("PreparationInterrupted", "restoring a fresh copy"))
                        .learned(new Learned.PreparationSteps(null))), CREATED);

        assertThat(status.getSteps()).isNull();
        assertThat(status.getPostgresVersion()).isEqualTo("16.4");
        assertThat(status.getSecrets()).containsExactly("orders-superuser", "orders-app");
        assertThat(status.getEndpoint().getHost()).isEqualTo("orders.staging.svc");
    }

    @Test
    void aRefusalThatDeletedTheCopyReportsNoData() {
        status.setSnapshot(SHARED);
        status.setDataAsOf("2030-01-07T09:00:00Z");
        status.setReadyAt("2030-01-07T09:30:00Z");
        DatabaseCloneStatus kept = factory.startFrom(status);

        factory.refused(kept, 1, "NamespaceNotAllowed", "CloneSource prod/orders does not allow namespace staging", false);
        factory.refused(status, 1, "NamespaceNotAllowed", "CloneSource prod/orders does not allow namespace staging", true);

        assertThat(kept.getSnapshot()).isEqualTo(SHARED);
        assertThat(kept.getReadyAt()).isEqualTo("2030-01-07T09:30:00Z");
        assertThat(status.getSnapshot()).isNull();
        assertThat(status.getDataAsOf()).isNull();
        assertThat(status.getReadyAt()).isNull();
        assertThat(condition("Ready").getReason()).isEqualTo("NamespaceNotAllowed");
    }

    @Test
    void aReconcileStartsFromACopyOfTheLastStatusAndWhatItObserved() {
        assertThat(factory.startFrom(null).getConditions()).isEmpty();
        status.setPhase("Ready");
        status.setConditions(null);

        DatabaseCloneStatus next = factory.startFrom(status);
        factory.observed(next, 4, "pvc staging/orders", "2030-01-08T10:00:00Z", null);

        assertThat(next).isNotSameAs(status);
        assertThat(next.getPhase()).isEqualTo("Ready");
        assertThat(next.getConditions()).isEmpty();
        assertThat(next.getObservedGeneration()).isEqualTo(4L);
        assertThat(next.getSource()).isEqualTo("pvc staging/orders");
        assertThat(next.getExpiresAt()).isEqualTo("2030-01-08T10:00:00Z");
        assertThat(status.getObservedGeneration()).as("the last status is not changed").isNull();
    }
}
