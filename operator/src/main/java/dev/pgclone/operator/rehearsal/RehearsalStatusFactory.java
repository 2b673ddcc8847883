package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsalStatus;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The only writer of a MigrationRehearsal's status: phases while it runs, and the verdict once,
 * after which the status changes only for a kept clone's deletion.
 */
public final class RehearsalStatusFactory {

    public static final String CLONE_READY = "CloneReady";
    public static final String MIGRATED = "Migrated";
    public static final String COMPLETE = "Complete";
    public static final String PASSED = "Passed";
    public static final String FAILED = "Failed";

    public static final String PHASE_PENDING = "Pending";
    public static final String PHASE_CLONING = "Cloning";
    public static final String PHASE_BASELINE = "Baseline";
    public static final String PHASE_MIGRATING = "Migrating";
    public static final String PHASE_CHECKING = "Checking";

    private final Conditions conditions;

    public RehearsalStatusFactory(Clock clock) {
        this.conditions = new Conditions(clock);
    }

    public Instant now() {
        return conditions.now();
    }

    /** A copy of the status to change, so the reconcile can tell whether anything did. */
    public MigrationRehearsalStatus startFrom(MigrationRehearsalStatus previous) {
        return previous == null ? new MigrationRehearsalStatus() : Serialization.clone(previous);
    }

    public static boolean ended(MigrationRehearsalStatus status) {
        return status != null && status.getVerdict() != null;
    }

    /** Waiting for the clone: its phase and why. */
    public void cloning(MigrationRehearsal r, MigrationRehearsalStatus s, String clone, String reason, String message) {
        s.setPhase(PHASE_CLONING);
        s.setClone(clone);
        set(r, s, CLONE_READY, Condition.FALSE, reason, message);
        set(r, s, MIGRATED, Condition.UNKNOWN, Reasons.WAITING, "the migration runs once clone " + clone + " is Ready");
        set(r, s, COMPLETE, Condition.FALSE, Reasons.CLONING, "waiting for clone " + clone);
    }

    /** The clone is Ready and the run cannot start yet: a missing input the user is told about. */
    public void waiting(MigrationRehearsal r, MigrationRehearsalStatus s, String clone, String reason, String message) {
        s.setPhase(PHASE_PENDING);
        s.setClone(clone);
        set(r, s, CLONE_READY, Condition.TRUE, Reasons.CLONE_READY, "clone " + clone + " is Ready");
        set(r, s, MIGRATED, Condition.UNKNOWN, reason, message);
        set(r, s, COMPLETE, Condition.FALSE, reason, message);
    }

    /** Since when the rehearsal has waited for this reason (the Complete condition's transition), or null when it has not. */
    public Instant waitingSince(MigrationRehearsalStatus s, String reason) {
        return s.condition(COMPLETE).filter(c -> reason.equals(c.getReason()))
                .map(c -> Conditions.parse(c.getLastTransitionTime())).orElse(null);
    }

    /** The clone is Ready; the run is at this stage (null: submitted, waiting for a worker). */
    public void running(MigrationRehearsal r, MigrationRehearsalStatus s, String clone, String dataAsOf, RehearsalRunner.Stage stage) {
        s.setClone(clone);
        s.setDataAsOf(dataAsOf);
        set(r, s, CLONE_READY, Condition.TRUE, Reasons.CLONE_READY, "clone " + clone + " is Ready" + (dataAsOf == null ? "" : ", data as of " + dataAsOf));
        if (s.getStartTime() == null) {
            s.setStartTime(Conditions.format(now()));
        }
        String phase;
        String reason;
        String message;
        if (stage == null || stage == RehearsalRunner.Stage.BASELINE) {
            phase = PHASE_BASELINE;
            reason = Reasons.MEASURING_BASELINE;
            message = "measuring the workload before the migration";
        } else if (stage == RehearsalRunner.Stage.MIGRATING) {
            phase = PHASE_MIGRATING;
            reason = Reasons.MIGRATING;
            message = "the migration runs while the monitor samples locks and waits";
        } else {
            phase = PHASE_CHECKING;
            reason = Reasons.CHECKING;
            message = "running the validations and EXPLAINs after the migration";
        }
        s.setPhase(phase);
        set(r, s, MIGRATED, stage == RehearsalRunner.Stage.CHECKING ? Condition.TRUE : Condition.UNKNOWN,
                stage == RehearsalRunner.Stage.CHECKING ? Reasons.MIGRATED : reason, message);
        set(r, s, COMPLETE, Condition.FALSE, reason, message);
    }

    /**
     * The end: the verdict, its reasons and the summary; never changed afterwards.
     *
     * @param migrated whether the migration ran to its end (false: it failed, or never started)
     */
    public void ended(MigrationRehearsal r, MigrationRehearsalStatus s, boolean passed, String reason, List<String> reasons,
                      RehearsalSummary summary, String report, boolean migrated, String migrationMessage) {
        String verdict = passed ? PASSED : FAILED;
        s.setVerdict(verdict);
        s.setPhase(verdict);
        s.setReasons(reasons.isEmpty() ? null : new ArrayList<>(reasons));
        s.setSummary(summary == null ? null : summary(summary));
        s.setReport(report);
        s.setCompletionTime(Conditions.format(now()));
        if (s.condition(MIGRATED).map(c -> !Condition.TRUE.equals(c.getStatus())).orElse(true)) {
            set(r, s, MIGRATED, migrated ? Condition.TRUE : Condition.FALSE, migrated ? Reasons.MIGRATED : reason, migrationMessage);
        }
        String message = passed ? "the migration stayed within its limits" + (report == null ? "" : "; report in ConfigMap " + report)
                : String.join("; ", reasons) + (report == null ? "" : "; report in ConfigMap " + report);
        set(r, s, COMPLETE, Condition.TRUE, passed ? Reasons.REHEARSAL_PASSED : Reasons.REHEARSAL_FAILED, message);
        set(r, s, PASSED, passed ? Condition.TRUE : Condition.FALSE, passed ? Reasons.REHEARSAL_PASSED : reason, message);
        set(r, s, FAILED, passed ? Condition.FALSE : Condition.TRUE, passed ? Reasons.REHEARSAL_PASSED : reason, message);
    }

    static MigrationRehearsalStatus.Summary summary(RehearsalSummary in) {
        MigrationRehearsalStatus.Summary out = new MigrationRehearsalStatus.Summary();
        out.setSteps(in.steps());
        out.setDurationSeconds(in.durationSeconds());
        out.setLongestAccessExclusiveLock(lock(in.longestAccessExclusiveLock()));
        out.setLongestWriteBlockingLock(lock(in.longestWriteBlockingLock()));
        out.setLongestWorkloadWait(in.longestWorkloadWait() == null ? null
                : in.longestWorkloadWait().query() + " " + seconds(in.longestWorkloadWait().seconds()));
        out.setRewrites(in.rewrites());
        out.setFailedChecks(in.failedChecks());
        out.setWorstPlanSlowdown(in.worstPlanSlowdown() == null ? null : in.worstPlanSlowdown().ratio());
        return out;
    }

    private static String lock(RehearsalSummary.Lock lock) {
        return lock == null ? null : lock.relation() + " " + lock.mode() + " " + seconds(lock.seconds()) + " (step " + lock.step() + ")";
    }

    private static String seconds(double s) {
        return String.format(java.util.Locale.ROOT, "%.1fs", s);
    }

    /** A kept clone is deleted at this time. */
    public void cloneDeletion(MigrationRehearsalStatus s, Instant at) {
        s.setCloneDeletionTime(at == null ? null : Conditions.format(at));
    }

    private void set(MigrationRehearsal r, MigrationRehearsalStatus s, String type, String status, String reason, String message) {
        s.setObservedGeneration(r.getMetadata().getGeneration());
        conditions.set(s.getConditions(), type, status, reason, message, r.getMetadata().getGeneration());
    }
}
