package dev.pgclone.operator.postgres;

/**
 * What one preparation step did, as published in {@code status.steps}.
 *
 * @param name            {@code credentials}, or the script's name
 * @param durationSeconds wall time of the step, millisecond precision
 * @param rows            rows affected (the sum of the update counts of the step's statements);
 *                        null when not meaningful (the credentials step)
 * @param error           null on success; else one line such as
 *                        {@code SQLSTATE 42P01: relation "x" does not exist (statement 3, line 7)}
 */
public record StepOutcome(String name, double durationSeconds, Long rows, String error) {

    public boolean succeeded() {
        return error == null;
    }
}
