package dev.pgclone.operator.rehearsal;

import java.time.Duration;
import dev.pgclone.operator.postgres.Jdbc;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.function.Consumer;

/**
 * Runs one rehearsal against a Ready clone, blocking until it ends: baseline, migration under the
 * workload with the monitor sampling, checks. Runs on the rehearsal workers, never on a reconcile
 * thread.
 */
public interface RehearsalRunner {

    /** The stages a run reports as it goes, for status.phase. */
    enum Stage { BASELINE, MIGRATING, CHECKING }

    /**
     * @param rehearsal  namespace/name, for the evidence and logs
     * @param cloneName  the clone it runs on
     * @param dataAsOf   when the clone's snapshot was taken, or null
     * @param target     the clone's address and superuser, in {@code plan.database()}
     * @param plan       what to run
     * @param scripts    the SQL path's scripts in the order they run (name to text), empty for the Job path
     * @param job        starts and watches the migration Job (Job path), or null
     */
    record Request(String rehearsal, String cloneName, Instant dataAsOf, Jdbc.Target target, RehearsalPlan plan,
                   LinkedHashMap<String, String> scripts, MigrationJob job) {}

    /** The Job path's handle on the Job: the runner starts it when the baseline is measured and waits for it to end. */
    interface MigrationJob extends AutoCloseable {
        /** Creates the Job and starts following it. */
        void start();

        /**
         * Waits at most {@code max} for the Job to end: null while it still runs; otherwise why it
         * failed, or "" when it succeeded. Returns as soon as the Job's status says it ended.
         */
        String awaitOutcome(Duration max);

        /** Deletes the Job and its Pods (the migration timed out). */
        void stop();

        /** Stops following the Job; the Job itself stays (the rehearsal owns it). */
        @Override
        void close();
    }

    RehearsalEvidence run(Request request, Consumer<Stage> stage);
}
