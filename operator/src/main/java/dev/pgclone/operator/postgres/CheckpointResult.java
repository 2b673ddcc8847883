package dev.pgclone.operator.postgres;

/**
 * The outcome of {@link SourceCheckpointer#checkpoint}.
 *
 * @param succeeded       CHECKPOINT completed on the source
 * @param durationSeconds wall time including connecting, millisecond precision
 * @param message         one line without the password: what happened and, on failure, what to check
 */
public record CheckpointResult(boolean succeeded, double durationSeconds, String message) {
}
