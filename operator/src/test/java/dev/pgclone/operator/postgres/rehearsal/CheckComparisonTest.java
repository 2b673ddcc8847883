package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a validation's value is judged, without a database (the queries themselves: {@link ChecksAndPlansTest}). */
class CheckComparisonTest {

    @Test
    void numbersCompareAsNumbers() {
        assertThat(Checks.compare("1.0", "=", "1")).isTrue();
        assertThat(Checks.compare("10", ">", "9")).isTrue();
        assertThat(Checks.compare("10", "<", "9")).isFalse();
        assertThat(Checks.compare("1e3", "=", "1000")).isTrue();
        assertThat(Checks.compare("-0.5", "<", "0")).isTrue();
        assertThat(Checks.compare("100", ">=", " 100 ")).isTrue();
        assertThat(Checks.compare("99.99", "<>", "100")).isTrue();
    }

    @Test
    void textComparesAsTextWhenEitherSideIsNoNumber() {
        // "9a" is no number, so both sides compare as text, where "10" sorts first
        assertThat(Checks.compare("10", "<", "9a")).isTrue();
        assertThat(Checks.compare("abc", "=", "abc")).isTrue();
        assertThat(Checks.compare("abc", "<", "abd")).isTrue();
        assertThat(Checks.compare("abc", "!=", "ABC")).isTrue();
        assertThat(Checks.compare("NaN", "=", "NaN")).isTrue();
        assertThat(Checks.compare("true", "=", "true")).isTrue();
    }

    @Test
    void nullIsDistinctFromEveryValueAndHasNoOrder() {
        assertThat(Checks.compare(null, "=", "NULL")).isTrue();
        assertThat(Checks.compare(null, "=", "null")).isTrue();
        assertThat(Checks.compare(null, "!=", "NULL")).isFalse();
        assertThat(Checks.compare(null, "=", "0")).isFalse();
        assertThat(Checks.compare(null, "!=", "0")).isTrue();
        assertThat(Checks.compare("0", "=", "NULL")).isFalse();
        assertThat(Checks.compare("0", "!=", "NULL")).isTrue();
        assertThat(Checks.compare(null, ">", "0")).isFalse();
        assertThat(Checks.compare(null, "<=", "0")).isFalse();
        assertThat(Checks.compare("5", ">=", "NULL")).isFalse();
        assertThat(Checks.compare(null, ">=", "NULL")).isFalse();
    }
}
