package dev.pgclone.operator.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.postgres.masking.PiiDetectors.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The value detectors of the PII check, the rules' validation and how a finding reads. */
class PiiDetectorsTest {

    private static final PiiRules RULES = PiiRules.of(List.of("example.com", "@Corp.Example.ORG"), List.of("(?i)ssn"), null);

    private static Optional<Kind> classify(String value) {
        return PiiDetectors.classify(value, RULES);
    }

    // ---------------------------------------------------------------- e-mail

    @ParameterizedTest
    @ValueSource(strings = {"jane.doe@gmail.com", "  Jane.Doe+news@GMail.COM ", "o'brien@mail.co.uk",
            "contact: jane@gmail.com, please", "{\"email\": \"jane@gmail.com\"}", "a@example.com and b@gmail.com",
            "user@example.com.evil.io", "user@notexample.com"})
    void addressesAtOtherDomainsAreEmail(String value) {
        assertThat(classify(value)).contains(Kind.Email);
    }

    @ParameterizedTest
    @ValueSource(strings = {"user123@example.com", "a@mail.example.com", "A@EXAMPLE.COM", "x@corp.example.org", "x@eu.corp.example.org",
            "user@localhost", "not an address", "@gmail.com", "user@", "user@gmail", "user@gmail.c0m", "price: 5 @ 10.00"})
    void allowedDomainsAndNonAddressesAreNoEmail(String value) {
        assertThat(classify(value)).isEmpty();
    }

    @Test
    void withoutAllowedDomainsEveryAddressCounts() {
        assertThat(PiiDetectors.classify("user123@example.com", PiiRules.defaults())).contains(Kind.Email);
    }

    @Test
    void aLongRunWithoutAnAddressIsCheap() {
        String blob = "A".repeat(200_000) + "@";
        long start = System.nanoTime();
        assertThat(classify(blob)).isEmpty();
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(2.0);
    }

    // ---------------------------------------------------------------- phone

    @ParameterizedTest
    @ValueSource(strings = {"+49 30 1234567", "(030) 123-4567", "0301234567", "+49 (0)30 1234567", "+1-212-555-0100", "+1 (212) 555-0100",
            "030/1234567", "06 12 34 56 78", "612 345 678", "+441234567890", "030 - 123 456 7", "0049 30 1234567", " 030 1234567 "})
    void phoneNumbers(String value) {
        assertThat(classify(value)).contains(Kind.Phone);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2024-01-15", "15.01.2024", "2024-01-15 1030", "15.01.2024 10.30", "20240115", "1234567.89", "1,234,567.89",
            "-1234567890", "123456789", "1234567890", "49301234567", "1 234 567 890", "123.456.789", "192.168.100.200",
            "550e8400-e29b-41d4-a716-446655440000", "12345678-1234-1234-1234-123456789012", "978-3-16-148410-0", "call +49 30 1234567",
            "+49 30 1234567 ext", "+0 30 1234567", "12345678", "+1234567", "10:30", "42", "030 1234 5678 9012 34"})
    void idsDatesAmountsAndTextAreNoPhone(String value) {
        assertThat(classify(value)).isNotEqualTo(Optional.of(Kind.Phone));
        assertThat(PiiDetectors.isPhoneNumber(value.strip())).isFalse();
    }

    // ---------------------------------------------------------------- IBAN

    @ParameterizedTest
    @ValueSource(strings = {"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "de89370400440532013000", "GB82 WEST 1234 5698 7654 32",
            "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300", "NO9386011117947", " CH93 0076 2011 6238 5295 7 "})
    void ibansWithValidChecksums(String value) {
        assertThat(classify(value)).contains(Kind.Iban);
    }

    @ParameterizedTest
    @ValueSource(strings = {"DE88 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 01", "DE8937040044053201300", "DE89 37040044 05320130 00",
            "XX89 3704 0044 0532 0130 00", "IBAN DE89 3704 0044 0532 0130 00", "GB82WEST12345698765433"})
    void badChecksumsLengthsCountriesAndGroupingAreNoIban(String value) {
        assertThat(classify(value)).isNotEqualTo(Optional.of(Kind.Iban));
    }

    @Test
    void theMod97OfAValidIbanIsOne() {
        assertThat(PiiDetectors.ibanMod97("DE89370400440532013000")).isEqualTo(1);
        assertThat(PiiDetectors.ibanMod97("GB82WEST12345698765432")).isEqualTo(1);
        assertThat(PiiDetectors.ibanMod97("DE00370400440532013000")).isNotEqualTo(1);
    }

    // ---------------------------------------------------------------- cards

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1111", "4111111111111111", "4111-1111-1111-1111", "5500 0000 0000 0004", "3782 822463 10005",
            "6011111111111117", "2221000000000009", "4222222222222", "6200000000000005"})
    void luhnValidCardNumbers(String value) {
        assertThat(classify(value)).contains(Kind.CardNumber);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1112", "4111111111111112", "1111111111111117", "7111111111111114", "4444444444444444",
            "5555 5555 5555 5555", "4111 XXXX XXXX 1111", "4111  1111 1111 1111", "4111_1111_1111_1111", "411111111111",
            "41111111111111111111", "card 4111 1111 1111 1111"})
    void otherDigitRunsAreNoCardNumber(String value) {
        assertThat(classify(value)).isNotEqualTo(Optional.of(Kind.CardNumber));
    }

    @Test
    void luhn() {
        assertThat(PiiDetectors.luhnValid("79927398713")).isTrue();
        assertThat(PiiDetectors.luhnValid("79927398710")).isFalse();
    }

    // ---------------------------------------------------------------- everything else

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "hello world", "Order 12345 shipped", "42", "3.14159", "true", "{\"a\": 1}", "{}",
            "8f14e45fceea167a5a36dedd4bea2543", "ZmFrZS1iYXNlNjQtdG9rZW4tZm9yLXRlc3Rz", "N/A", "***", "xxx-xx-xxxx"})
    void ordinaryValuesAreNothing(String value) {
        assertThat(classify(value)).isEmpty();
    }

    @Test
    void nullIsNothing() {
        assertThat(classify(null)).isEmpty();
    }

    @Test
    void aValueIsNeverAColumnNameFinding() {
        assertThat(classify("ssn")).isEmpty();
    }

    // ---------------------------------------------------------------- rules

    @Test
    void rulesNormalizeDomainsAndDefaultTheSample() {
        PiiRules rules = PiiRules.of(List.of(" Example.COM ", "*.corp.io"), null, null);
        assertThat(rules.allowedEmailDomains()).containsExactly("example.com", "corp.io");
        assertThat(rules.sampleRows()).isEqualTo(PiiRules.DEFAULT_SAMPLE_ROWS).isEqualTo(1000);
        assertThat(rules.allowsEmailDomain("MAIL.Example.com")).isTrue();
        assertThat(rules.allowsEmailDomain("badexample.com")).isFalse();
        assertThat(PiiRules.defaults().sampleRows()).isEqualTo(1000);
        assertThat(PiiRules.defaults().allowedEmailDomains()).isEmpty();
    }

    @Test
    void columnNamePatternsMatchAnywhereInTheName() {
        PiiRules rules = PiiRules.of(null, List.of("ssn", "^passport$"), 10);
        assertThat(rules.flagsColumnName("ssn")).isTrue();
        assertThat(rules.flagsColumnName("customer_ssn")).isTrue();
        assertThat(rules.flagsColumnName("SSN")).isFalse();
        assertThat(rules.flagsColumnName("passport")).isTrue();
        assertThat(rules.flagsColumnName("passport_no")).isFalse();
        assertThat(rules.sampleRows()).isEqualTo(10);
    }

    @Test
    void aBadPatternIsNamedInTheMessage() {
        assertThatThrownBy(() -> PiiRules.of(null, List.of("ssn", "(passport"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("column name pattern \"(passport\" is not a regular expression (");
        assertThatThrownBy(() -> PiiRules.of(null, List.of(" "), null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badDomainsAndSampleSizesAreRefused() {
        assertThatThrownBy(() -> PiiRules.of(List.of("not a domain"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"not a domain\"");
        assertThatThrownBy(() -> PiiRules.of(null, null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PiiRules.of(null, null, 100_001)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- findings

    @Test
    void findingsReadAsOneLine() {
        assertThat(new PiiFinding("orders", "public", "customers", "email", Kind.Email, 412, 1000).describe())
                .isEqualTo("orders.public.customers.email: 412 of 1000 sampled values look like e-mail addresses");
        assertThat(new PiiFinding("orders", "Sales", "my \"best\" table", "card no", Kind.CardNumber, 3, 20).describe())
                .isEqualTo("orders.\"Sales\".\"my \"\"best\"\" table\".\"card no\": 3 of 20 sampled values look like payment card numbers");
        assertThat(new PiiFinding("hr", "public", "people", "ssn", Kind.ColumnName, 998, 1000).describe())
                .isEqualTo("hr.public.people.ssn: the column name matches a PII pattern and its 1000 sampled values are not all the same (998 distinct)");
    }
}
