package dev.pgclone.operator.postgres.rehearsal;

/**
 * A query run after the migration with what it must return. Exactly one of {@code rows} and
 * {@code value} is set.
 *
 * @param rows       the number of rows the query must return ({@code 0}: "no row breaks the rule")
 * @param value      the first column of the first row, compared as a number when both sides parse
 *                   as numbers, else as text
 * @param comparison how {@code value} compares: {@code =} (default), {@code !=}, {@code <}, {@code <=},
 *                   {@code >}, {@code >=}
 */
public record Validation(String name, String sql, Long rows, String value, String comparison) {}
