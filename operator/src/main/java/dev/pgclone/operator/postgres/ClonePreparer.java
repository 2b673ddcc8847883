package dev.pgclone.operator.postgres;

/**
 * The seam between the reconciler and the SQL that prepares a started clone: set the passwords of
 * the published roles, run the post-clone scripts, read the server version. The reconciler calls it
 * on its own bounded executor (it blocks for as long as the scripts run); API-server tests of the
 * orchestration replace it with a recording stand-in, and {@link JdbcClonePreparer} is the real one.
 */
public interface ClonePreparer {

    /**
     * Prepares the clone described by {@code request}. Expected failures (unreachable, wrong
     * password, missing role, failing SQL) come back as a failed {@link PreparationResult}, never as
     * an exception, and no text in the result contains a password from the request.
     */
    PreparationResult prepare(PreparationRequest request);

    /**
     * Finishes a masked-snapshot build after its preparation ran the masking: rewrites what the
     * masking touched, runs the PII check, and asks the server to stop for the snapshot
     * ({@link JdbcMaskingFinisher}). Failures come back as a failed {@link MaskingResult}.
     */
    MaskingResult finishMasking(MaskingRequest request);
}
