package dev.pgclone.operator.postgres;

import java.util.List;

/**
 * The outcome of {@link ClonePreparer#prepare}.
 *
 * @param succeeded       every step ran without error
 * @param postgresVersion the clone's {@code server_version} up to the first space (e.g. {@code 16.4});
 *                        null when the clone could not be reached
 * @param steps           the steps that ran, in order; a failed step is the last one
 * @param failureReason   null on success; else one of the constants below (CamelCase, for a condition reason)
 * @param failureMessage  null on success; else one line a user can act on, without any password
 */
public record PreparationResult(
        boolean succeeded,
        String postgresVersion,
        List<StepOutcome> steps,
        String failureReason,
        String failureMessage) {

    /** The clone did not accept a connection in time (not started yet, wrong address, network policy). */
    public static final String UNREACHABLE = "Unreachable";
    /** The clone refused the superuser's login (SQLSTATE class 28). */
    public static final String AUTHENTICATION_FAILED = "AuthenticationFailed";
    /** The scripts' database ({@code spec.credentials.database}) or {@code postgres} does not exist in the clone. */
    public static final String DATABASE_MISSING = "DatabaseMissing";
    /** A role of {@code spec.credentials.roles} does not exist in the cloned data. */
    public static final String ROLE_MISSING = "RoleMissing";
    /** Setting a role's password failed for another reason (e.g. the role is the superuser, or the clone is read-only). */
    public static final String CREDENTIALS_FAILED = "CredentialsFailed";
    /** A post-clone script failed; {@link #steps()} ends with it and names the statement. */
    public static final String POST_CLONE_SQL_FAILED = "PostCloneSqlFailed";
    /** A post-clone script ran longer than its timeout and was cancelled; {@link #steps()} ends with it. */
    public static final String POST_CLONE_TIMEOUT = "PostCloneTimeout";
    /** The calling thread was interrupted; preparation stopped between two statements. */
    public static final String INTERRUPTED = "Interrupted";

    public PreparationResult {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    public static PreparationResult success(String postgresVersion, List<StepOutcome> steps) {
        return new PreparationResult(true, postgresVersion, steps, null, null);
    }

    public static PreparationResult failure(String reason, String message, String postgresVersion, List<StepOutcome> steps) {
        return new PreparationResult(false, postgresVersion, steps, reason, message);
    }

    /**
     * True when trying the same clone again may help: only {@link #UNREACHABLE} (a Pod that is not
     * listening yet, a network blip). The other failures repeat on the same data, and a failed
     * script may have changed the copy (statements run with autocommit), so retrying them means a
     * fresh clone from the snapshot.
     */
    public boolean retryable() {
        return UNREACHABLE.equals(failureReason);
    }
}
