package dev.pgclone.operator.clone;

import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.Reasons;
import java.util.List;

/**
 * The clone workflow, in order: each step's postcondition gates the next. Written as plain named
 * steps rather than JOSDK managed dependents because the gates are not "resource exists": the
 * volume must not wait for Bound, the Service exists early but selects only a prepared Pod, and
 * preparation is an asynchronous action with its own restart semantics.
 */
final class CloneWorkflow {

    private final List<CloneStep> steps;

    CloneWorkflow(BackgroundWork work, ClonePreparer preparer, SourceCheckpointer checkpointer, ClonePodAddress address,
                  CloneMetrics metrics, String bootstrapScript, OperatorKey key) {
        this.steps = List.of(
                new SnapshotStep(work, checkpointer, metrics),
                new VolumeStep(),
                new SecretsStep(),
                new BootstrapConfigStep(bootstrapScript),
                new ServiceStep(),
                new PodStep(key),
                new PreparationStep(work, preparer, address, key));
    }

    record Result(CloneStep blockedAt, Outcome outcome) {
        boolean complete() {
            return blockedAt == null;
        }
    }

    Result run(CloneContext ctx) {
        for (CloneStep step : steps) {
            Outcome outcome;
            try {
                outcome = step.run(ctx);
            } catch (Ownership.NameConflict conflict) {
                // somebody else's object under a name this clone needs: never touched; the user renames or removes
                outcome = Outcome.retry(Reasons.NAME_CONFLICT, conflict.describeFor("DatabaseClone", ctx.clone().getMetadata().getName()));
            }
            if (!outcome.proceeds()) {
                return new Result(step, outcome);
            }
        }
        return new Result(null, Outcome.proceed());
    }

    List<CloneStep> steps() {
        return steps;
    }
}
