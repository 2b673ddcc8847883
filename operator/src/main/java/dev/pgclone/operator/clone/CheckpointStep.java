package dev.pgclone.operator.clone;

import dev.pgclone.operator.postgres.CheckpointResult;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.postgres.SourceConnection;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The CHECKPOINT on the source before its snapshot is taken (spec.source.checkpoint), so a clone's
 * crash recovery replays little WAL. It runs only when the {@link SnapshotStep} that follows is
 * about to take a new snapshot, on the background pool (on a busy production server it can take a
 * while), and never stops the clone: a source it cannot reach only costs recovery time, so every
 * failure ends in a warning and a note on the snapshot. What happened is handed to the snapshot
 * step through {@link CloneContext#checkpointNote()}, its duration in its report. It reports on SnapshotReady while it runs.
 */
final class CheckpointStep implements CloneStep {

    /** A CHECKPOINT that takes longer than this is abandoned; the snapshot is crash-consistent anyway. */
    static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(60);

    private final BackgroundWork work;
    private final SourceCheckpointer checkpointer;
    private final SnapshotStep snapshot;
    private final SourceBackup backup;

    CheckpointStep(BackgroundWork work, SourceCheckpointer checkpointer, SnapshotStep snapshot) {
        this.work = work;
        this.checkpointer = checkpointer;
        this.snapshot = snapshot;
        this.backup = new SourceBackup(work, checkpointer);
    }

    @Override
    public String name() {
        return "checkpoint";
    }

    @Override
    public String condition() {
        return Conditions.SNAPSHOT_READY;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        if (requested(ctx) && SourceBackup.applies(ctx)) {
            // the backup takes the snapshots itself; until it ends the snapshot step must not look at a half-made pair
            return backup.run(ctx, snapshot);
        }
        if (!requested(ctx) || !snapshot.takesNewSnapshot(ctx)) {
            return Outcome.proceed();
        }
        Optional<BackgroundWork.Finished<CheckpointResult>> done = work.take(key(ctx));
        if (done.isEmpty()) {
            return start(ctx);
        }
        ctx.checkpointNote(note(ctx, done.get()));
        CheckpointResult result = done.get().result();
        return result != null && result.succeeded()
                ? Outcome.proceed().learned(new Learned.CheckpointSeconds(PreparationStep.round(result.durationSeconds())))
                : Outcome.proceed();
    }

    private static boolean requested(CloneContext ctx) {
        var checkpoint = ctx.clone().getSpec().getSource().getCheckpoint();
        return checkpoint != null && checkpoint.getSecretName() != null && !checkpoint.getSecretName().isBlank();
    }

    private static String key(CloneContext ctx) {
        return key(ctx.clone().getMetadata().getUid());
    }

    /** The background work of a clone's CHECKPOINT. */
    static String key(String cloneUid) {
        return "checkpoint/" + cloneUid;
    }

    private Outcome start(CloneContext ctx) {
        String key = key(ctx);
        if (!work.running(key)) {
            Supplier<CheckpointResult> task = task(ctx);
            if (!work.submit(BackgroundWork.Lane.CHECKPOINT, key, ResourceID.fromResource(ctx.clone()), task)) {
                return Outcome.recheckAfter(Duration.ofSeconds(5));
            }
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.CHECKPOINTING, work.waiting(key)
                ? "waiting for a worker to run CHECKPOINT on the source: " + work.waitingReason(BackgroundWork.Lane.CHECKPOINT, ctx.namespace())
                : "running CHECKPOINT on the source so the clone recovers quickly, then taking the snapshot"));
    }

    /** The CHECKPOINT to run, or, when the Secret does not lead to a connection, a failed result saying why. */
    private Supplier<CheckpointResult> task(CloneContext ctx) {
        try {
            SourceConnection connection = connection(ctx);
            return () -> checkpointer.checkpoint(connection, CHECKPOINT_TIMEOUT);
        } catch (IllegalArgumentException e) {
            return failed(e.getMessage());
        }
    }

    /**
     * The source connection spec.source.checkpoint.secretName leads to.
     *
     * @throws IllegalArgumentException saying why there is none
     */
    static SourceConnection connection(CloneContext ctx) {
        String secretName = ctx.clone().getSpec().getSource().getCheckpoint().getSecretName();
        String where = "Secret " + ctx.sourceNamespace() + "/" + secretName;
        Secret secret = ctx.client().secrets().inNamespace(ctx.sourceNamespace()).withName(secretName).get();
        if (secret == null) {
            throw new IllegalArgumentException(where + " named by spec.source.checkpoint.secretName does not exist");
        }
        Map<String, String> data = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().keySet().forEach(k -> data.put(k, CloneSecrets.value(secret, k)));
        }
        if (secret.getStringData() != null) {
            data.putAll(secret.getStringData());
        }
        try {
            SourceConnection named = SourceConnection.fromSecretData(data, ctx.sourceNamespace());
            // a CloudNativePG Secret names the Cluster's Service, which may point at another instance by now
            return ctx.sourceHost() == null ? named : new SourceConnection(ctx.sourceHost(), named.port(), named.username(), named.password(),
                    named.database(), named.sslMode());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " is not usable: " + e.getMessage(), e);
        }
    }

    private static Supplier<CheckpointResult> failed(String message) {
        CheckpointResult result = new CheckpointResult(false, 0.0, message);
        return () -> result;
    }

    /** The snapshot's note on how the CHECKPOINT went; a failure is also a warning, for whoever may see why. */
    private static String note(CloneContext ctx, BackgroundWork.Finished<CheckpointResult> done) {
        CheckpointResult result = done.result();
        if (result != null && result.succeeded()) {
            return "done in " + PreparationStep.round(result.durationSeconds()) + "s";
        }
        String why = result == null ? "unexpected error: " + done.crash() : result.message();
        String consequence = "; taking the snapshot anyway (it is crash-consistent), but the clone's recovery may take longer";
        if (ctx.cloneSource() != null && !ctx.namespace().equals(ctx.sourceNamespace())) {
            // the reason names production's host and user: only the CloneSource's owners see it
            ctx.events().warning(ctx.cloneSource(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT before a snapshot for DatabaseClone "
                    + ctx.namespace() + "/" + ctx.clone().getMetadata().getName() + " failed: " + why + consequence);
            ctx.events().warning(ctx.clone(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT on the source of CloneSource "
                    + ctx.clone().getSpec().getSource().getCloneSource() + " failed (its owners see why in its events)" + consequence);
        } else {
            ctx.events().warning(ctx.clone(), Reasons.CHECKPOINT_FAILED, "CHECKPOINT on the source failed: " + why + consequence);
        }
        return Annotations.CHECKPOINT_FAILED_PREFIX + why;
    }
}
