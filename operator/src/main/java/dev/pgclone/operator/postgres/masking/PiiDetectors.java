package dev.pgclone.operator.postgres.masking;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether one value of a masked copy still looks like personal data: the value detectors of the
 * PII check ({@link PiiScan} feeds them sampled values). Pure functions, no JDBC.
 *
 * <p>Each detector prefers missing a value over flagging an innocent one: a finding stops or
 * taints a publication, so ids, dates, amounts and hashes must not look like phone numbers or
 * cards. E-mail addresses are found anywhere in a value; phone numbers, IBANs and card numbers
 * only as the whole value (after trimming), where text around a number would otherwise make every
 * order number a suspect.
 */
public final class PiiDetectors {

    /** What a finding is about; the names appear in the CloneSource's status. */
    public enum Kind {
        /** An e-mail address at a domain the rules do not allow. */
        Email,
        /** A phone number (see {@link PiiDetectors#isPhoneNumber}). */
        Phone,
        /** An IBAN with a valid ISO 13616 checksum. */
        Iban,
        /** A payment card number that passes the Luhn check. */
        CardNumber,
        /** A column whose name the owners flagged and whose values were not masked to one constant. */
        ColumnName
    }

    /** Longer values are no phone number, IBAN or card, even with generous spacing: skip the work. */
    private static final int MAX_NUMBER_CHARS = 64;

    // The local part starts where a run of address characters starts (the look-behind), so that a
    // long run without '@' is scanned once rather than once per position. The domain has at least
    // one dot and ends in a letters-only TLD that is not followed by more host characters.
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63})(?![A-Za-z0-9-])");

    // Digit groups joined by exactly one separator: a space, '-', '.', '/', " - ", or an area code
    // in parentheses ("+49 (0)30 ...", "(030) 123-4567"). A separator is required between groups,
    // so the expression cannot backtrack exponentially.
    private static final Pattern PHONE_SHAPE = Pattern.compile(
            "\\+?(?:\\(\\d{1,5}\\) ?)?\\d+(?:(?:[ ./-]| - | ?\\(\\d{1,5}\\) ?)\\d+)*");
    private static final Pattern DECIMAL = Pattern.compile("\\d+\\.\\d+");
    // An amount in thousands groups: a first group of 1-2 digits ("1 234 567 890"), or dots
    // throughout. A first group of three with spaces stays a phone number ("612 345 678" in Spain).
    private static final Pattern THOUSANDS = Pattern.compile("[1-9]\\d?(?:[ .]\\d{3})+|[1-9]\\d{2}(?:\\.\\d{3})+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern DATE_FIRST = Pattern.compile(
            "(?:(?:19|20)\\d\\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\\d|3[01])|(?:0?[1-9]|[12]\\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)\\d\\d)(?:\\D.*)?");

    private static final Pattern IBAN_COMPACT = Pattern.compile("[A-Za-z]{2}\\d{2}[A-Za-z0-9]{11,30}");
    private static final Pattern IBAN_GROUPED = Pattern.compile("[A-Za-z]{2}\\d{2}(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?");

    private static final Pattern CARD_SHAPE = Pattern.compile("\\d+(?:[ -]\\d+)*");

    /**
     * IBAN length per country, from the ISO 13616 registry. Requiring the registered country and
     * its exact length besides the checksum keeps random tokens and hex hashes (about 1 in 97 of
     * which pass the checksum alone) from counting as IBANs.
     */
    private static final Map<String, Integer> IBAN_LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BI", 27),
            Map.entry("BR", 29), Map.entry("BY", 28), Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28),
            Map.entry("CZ", 24), Map.entry("DE", 22), Map.entry("DJ", 27), Map.entry("DK", 18), Map.entry("DO", 28),
            Map.entry("EE", 20), Map.entry("EG", 29), Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FK", 18),
            Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22), Map.entry("GE", 22), Map.entry("GI", 23),
            Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28), Map.entry("HN", 28), Map.entry("HR", 21),
            Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IQ", 23), Map.entry("IS", 26),
            Map.entry("IT", 27), Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20), Map.entry("LB", 28),
            Map.entry("LC", 32), Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20), Map.entry("LV", 21),
            Map.entry("LY", 25), Map.entry("MC", 27), Map.entry("MD", 24), Map.entry("ME", 22), Map.entry("MK", 19),
            Map.entry("MN", 20), Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30), Map.entry("NI", 28),
            Map.entry("NL", 18), Map.entry("NO", 15), Map.entry("OM", 23), Map.entry("PK", 24), Map.entry("PL", 28),
            Map.entry("PS", 29), Map.entry("PT", 25), Map.entry("QA", 29), Map.entry("RO", 24), Map.entry("RS", 22),
            Map.entry("RU", 33), Map.entry("SA", 24), Map.entry("SC", 31), Map.entry("SD", 18), Map.entry("SE", 24),
            Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("SO", 23), Map.entry("ST", 25),
            Map.entry("SV", 28), Map.entry("TL", 23), Map.entry("TN", 24), Map.entry("TR", 26), Map.entry("UA", 29),
            Map.entry("VA", 22), Map.entry("VG", 24), Map.entry("XK", 20), Map.entry("YE", 30));

    private PiiDetectors() {}

    /**
     * The kind of personal data this value looks like, if any. When several could apply, the most
     * specific wins: an e-mail address, then an IBAN, then a card number (both checksummed), then a
     * phone number. {@link Kind#ColumnName} is never returned: it is about a column, not a value.
     */
    public static Optional<Kind> classify(String value, PiiRules rules) {
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        if (containsEmail(value, rules)) {
            return Optional.of(Kind.Email);
        }
        String v = value.strip();
        if (v.length() > MAX_NUMBER_CHARS) {
            return Optional.empty();
        }
        if (isIban(v)) {
            return Optional.of(Kind.Iban);
        }
        if (isCardNumber(v)) {
            return Optional.of(Kind.CardNumber);
        }
        if (isPhoneNumber(v)) {
            return Optional.of(Kind.Phone);
        }
        return Optional.empty();
    }

    /**
     * Whether the value is or contains an address {@code local@domain.tld} (a domain with at least
     * one dot and a letters-only TLD) at a domain the rules do not allow.
     */
    static boolean containsEmail(String value, PiiRules rules) {
        if (value.indexOf('@') < 0) {
            return false;
        }
        Matcher m = EMAIL.matcher(value);
        while (m.find()) {
            if (!rules.allowsEmailDomain(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the whole (trimmed) value is a phone number. The rule:
     * <ol>
     * <li>only digits, an optional leading {@code +}, and between digit groups one separator each: a
     *     space, {@code -}, {@code .}, {@code /}, {@code " - "}, or a group of 1-5 digits in
     *     parentheses (an area code: {@code (030) 123-4567}, {@code +49 (0)30 1234567});</li>
     * <li>9 to 15 digits in all (E.164 allows 15);</li>
     * <li>with a {@code +}: the country code does not start with 0; without one: either a separator
     *     or parentheses, or 10 or more digits starting with 0 ({@code 0301234567}, a national number
     *     with its trunk prefix). A bare run of digits otherwise is an id or an amount;</li>
     * <li>not something else that the shape also fits, all without {@code +}: a decimal number
     *     ({@code 1234567.89}), a number in thousands groups ({@code 1 234 567 890}, {@code 123.456.789};
     *     not {@code 612 345 678}, a Spanish number), an IPv4 address,
     *     a value starting with a date ({@code 2024-01-15 ...}, {@code 15.01.2024 ...}), or an
     *     ISBN-13 (13 digits starting with 978 or 979).</li>
     * </ol>
     * Dates ({@code 2024-01-15}: 8 digits), times and UUIDs (letters, or over 15 digits) never fit.
     */
    static boolean isPhoneNumber(String v) {
        if (!PHONE_SHAPE.matcher(v).matches()) {
            return false;
        }
        int digits = countDigits(v);
        if (digits < 9 || digits > 15) {
            return false;
        }
        if (v.startsWith("+")) {
            int first = firstDigit(v);
            return v.charAt(first) != '0';
        }
        boolean separated = false;
        for (int i = 0; i < v.length(); i++) {
            if (!Character.isDigit(v.charAt(i))) {
                separated = true;
                break;
            }
        }
        if (!separated) {
            return digits >= 10 && v.charAt(0) == '0';
        }
        if (DECIMAL.matcher(v).matches() || THOUSANDS.matcher(v).matches() || IPV4.matcher(v).matches()
                || DATE_FIRST.matcher(v).matches()) {
            return false;
        }
        String compact = v.replaceAll("\\D", "");
        return !(digits == 13 && (compact.startsWith("978") || compact.startsWith("979")));
    }

    /**
     * Whether the whole (trimmed) value is an IBAN: two letters, two check digits and 11-30 letters or
     * digits, written without spaces or in groups of four; a country of the ISO 13616 registry with
     * that country's length; and the mod-97 checksum of ISO 7064 equal to 1. Lower case counts too.
     */
    static boolean isIban(String v) {
        if (!IBAN_COMPACT.matcher(v).matches() && !IBAN_GROUPED.matcher(v).matches()) {
            return false;
        }
        String iban = v.replace(" ", "").toUpperCase(java.util.Locale.ROOT);
        Integer length = IBAN_LENGTHS.get(iban.substring(0, 2));
        return length != null && length == iban.length() && ibanMod97(iban) == 1;
    }

    /** The ISO 7064 mod-97 remainder of an IBAN: the first four characters moved to the end, letters as 10-35. */
    static int ibanMod97(String iban) {
        String rearranged = iban.substring(4) + iban.substring(0, 4);
        int remainder = 0;
        for (int i = 0; i < rearranged.length(); i++) {
            int n = Character.digit(rearranged.charAt(i), 36);
            if (n < 0) {
                return -1;
            }
            // a letter is two decimal digits, a digit one
            remainder = n >= 10 ? (remainder * 100 + n) % 97 : (remainder * 10 + n) % 97;
        }
        return remainder;
    }

    /**
     * Whether the whole (trimmed) value is a payment card number: 13-19 digits, optionally in groups
     * separated by single spaces or dashes; the first digit 2-6 (the ranges of Mastercard, Amex,
     * Diners, JCB, Visa, Maestro, Discover, UnionPay); not one digit repeated; and a valid Luhn check
     * digit.
     */
    static boolean isCardNumber(String v) {
        if (!CARD_SHAPE.matcher(v).matches()) {
            return false;
        }
        String digits = v.replace(" ", "").replace("-", "");
        if (digits.length() < 13 || digits.length() > 19 || digits.charAt(0) < '2' || digits.charAt(0) > '6') {
            return false;
        }
        if (digits.chars().allMatch(c -> c == digits.charAt(0))) {
            return false;
        }
        return luhnValid(digits);
    }

    /** The Luhn (mod 10) check: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0. */
    static boolean luhnValid(String digits) {
        int sum = 0;
        boolean doubled = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    private static int countDigits(String v) {
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            if (Character.isDigit(v.charAt(i))) {
                n++;
            }
        }
        return n;
    }

    private static int firstDigit(String v) {
        for (int i = 0; i < v.length(); i++) {
            if (Character.isDigit(v.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
