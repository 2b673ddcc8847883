package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.Endpoint;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.SnapshotStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneStatus.Step;
import java.util.List;

/**
 * A status field a step learned in this reconcile, carried in its {@link Outcome} for the
 * {@link CloneStatusFactory} to write: steps never set the status themselves. A field no step
 * reports keeps what the last reconcile wrote.
 */
public sealed interface Learned {

    /** The snapshot the copy restores from (the source snapshot it shares, for a CloneSource), and when its data was taken. */
    record Snapshot(SnapshotStatus snapshot, String dataAsOf) implements Learned {}

    /** The connection Secrets published for the clone, superuser first. */
    record Secrets(List<String> names) implements Learned {
        public Secrets {
            names = List.copyOf(names);
        }
    }

    /** Where the clone is served. */
    record Served(Endpoint endpoint) implements Learned {}

    /** The preparation's steps with their timings; null when a discarded copy's steps no longer apply. */
    record PreparationSteps(List<Step> steps) implements Learned {}

    /** The server version the preparation found. */
    record PostgresVersion(String version) implements Learned {}

    /** How long the CHECKPOINT before the snapshot took. */
    record CheckpointSeconds(Double seconds) implements Learned {}

    /** How long the preparation took. */
    record PrepareSeconds(Double seconds) implements Learned {}
}
