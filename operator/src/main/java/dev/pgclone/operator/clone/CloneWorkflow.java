package dev.pgclone.operator.clone;

import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The clone workflow, in order: each step's postcondition gates the next. Written as plain named
 * steps rather than JOSDK managed dependents because the gates are not "resource exists": the
 * volume must not wait for Bound, the Service exists early but selects only a prepared Pod, and
 * preparation is an asynchronous action with its own restart semantics.
 */
final class CloneWorkflow {

    /** HTTP 422, the API server's answer to an object that fails its validation (reason Invalid). */
    static final int INVALID = 422;

    private final List<CloneStep> steps;

    CloneWorkflow(BackgroundWork work, ClonePreparer preparer, SourceCheckpointer checkpointer, ClonePodAddress address,
                  Map<String, String> bootstrapFiles, OperatorKey key) {
        SnapshotStep snapshot = new SnapshotStep();
        this.steps = List.of(
                new CheckpointStep(work, checkpointer, snapshot),
                snapshot,
                new VolumeStep(),
                new SecretsStep(),
                new BootstrapConfigStep(bootstrapFiles),
                new ServiceStep(),
                new PodStep(key),
                new PreparationStep(work, preparer, address, key),
                new MaskingStep(work, preparer, address, key));
    }

    /** A step that ran in this reconcile, and what it concluded and found. */
    record Reached(CloneStep step, Outcome outcome) {}

    /** The steps that ran, in order, and the one that stopped the workflow (null when it completed) with its outcome. */
    record Result(List<Reached> reached, CloneStep blockedAt, Outcome outcome) {
        boolean complete() {
            return blockedAt == null;
        }
    }

    Result run(CloneContext ctx) {
        List<Reached> reached = new ArrayList<>();
        for (CloneStep step : steps) {
            Outcome outcome;
            try {
                outcome = step.run(ctx);
            } catch (Ownership.NameConflict conflict) {
                // somebody else's object under a name this clone needs: never touched; the user renames or removes
                outcome = Outcome.retry(Reasons.NAME_CONFLICT, conflict.describeFor("DatabaseClone", ctx.clone().getMetadata().getName()));
            } catch (KubernetesClientException e) {
                if (e.getCode() != INVALID) {
                    throw e;
                }
                // the API server found an object made from the spec and name invalid: the same request fails the
                // same way until the spec changes (or an admission policy does), so say so instead of failing the
                // reconcile, which would leave the status as it was and retry in a loop
                outcome = Outcome.retry(Reasons.REJECTED_BY_API_SERVER, rejection(step, e));
            }
            reached.add(new Reached(step, outcome));
            ctx.learned(outcome.learned());
            if (!outcome.proceeds()) {
                return new Result(reached, step, outcome);
            }
        }
        return new Result(reached, null, Outcome.proceed());
    }

    /** The API server's own words (they name the object, the field and the rule), and where the workflow stopped. */
    static String rejection(CloneStep step, KubernetesClientException e) {
        String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        return "the API server refused an object of step " + step.name() + ": " + reason
                + "; change what it points at (for the clone's own name: create a DatabaseClone with another name); retried with backoff";
    }

    List<CloneStep> steps() {
        return steps;
    }
}
