package dev.pgclone.operator.postgres.rehearsal;

/**
 * A validation query after the migration against its expectation.
 *
 * @param expected the expectation as users wrote it ({@code rows = 0}, {@code value >= 100})
 * @param actual   what the query returned ({@code 3 rows}, {@code 97}), or null when it failed
 * @param error    SQLSTATE and one-line message when the query failed, else null
 */
public record CheckResult(String name, String sql, boolean passed, String expected, String actual, String error) {}
