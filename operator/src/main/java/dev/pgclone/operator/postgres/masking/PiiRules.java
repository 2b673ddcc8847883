package dev.pgclone.operator.postgres.masking;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the PII check of a masked copy looks for beyond its built-in detectors
 * ({@link PiiDetectors}), from a CloneSource's {@code spec.masking.piiCheck}.
 *
 * @param allowedEmailDomains lower-case domains masking may leave in e-mail addresses: an address
 *                            at one of them or at a subdomain of one ({@code example.com} allows
 *                            {@code a@example.com} and {@code a@mail.example.com}) is no finding
 * @param columnNamePatterns  the owners' patterns for column names that hold personal data
 *                            whatever the values look like: a column whose name contains a match
 *                            ({@link java.util.regex.Matcher#find()}; anchor with {@code ^} and
 *                            {@code $} for whole names, {@code (?i)} for any case) is a finding
 *                            unless its sampled values are all the same (masked to a constant)
 * @param sampleRows          non-null values sampled per column
 */
public record PiiRules(List<String> allowedEmailDomains, List<Pattern> columnNamePatterns, int sampleRows) {

    public static final int DEFAULT_SAMPLE_ROWS = 1000;
    /** The CRD's bound: more would make the check as slow as reading the tables. */
    public static final int MAX_SAMPLE_ROWS = 100_000;

    public PiiRules {
        if (sampleRows < 1 || sampleRows > MAX_SAMPLE_ROWS) {
            throw new IllegalArgumentException("sampleRows must be between 1 and " + MAX_SAMPLE_ROWS + ", not " + sampleRows);
        }
        allowedEmailDomains = allowedEmailDomains == null ? List.of()
                : allowedEmailDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        columnNamePatterns = columnNamePatterns == null ? List.of() : List.copyOf(columnNamePatterns);
    }

    /** The built-in detectors alone: no allowed domain, no column-name pattern, 1000 values per column. */
    public static PiiRules defaults() {
        return new PiiRules(List.of(), List.of(), DEFAULT_SAMPLE_ROWS);
    }

    /**
     * Rules from the spec's fields as users wrote them (any may be null: the default). Domains are
     * trimmed and lower-cased, and a leading {@code @} or {@code *.} is dropped ({@code @example.com}
     * and {@code *.example.com} mean what {@code example.com} means).
     *
     * @throws IllegalArgumentException naming the offending pattern, domain or number, in words
     *                                  fit for a status message
     */
    public static PiiRules of(List<String> domains, List<String> patterns, Integer sampleRows) {
        List<String> cleanDomains = new ArrayList<>();
        for (String domain : domains == null ? List.<String>of() : domains) {
            cleanDomains.add(normalizeDomain(domain));
        }
        List<Pattern> compiled = new ArrayList<>();
        for (String pattern : patterns == null ? List.<String>of() : patterns) {
            if (pattern == null || pattern.isBlank()) {
                throw new IllegalArgumentException("a column name pattern is empty: it would match every column");
            }
            try {
                compiled.add(Pattern.compile(pattern));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("column name pattern \"" + pattern + "\" is not a regular expression ("
                        + e.getDescription() + ")", e);
            }
        }
        int rows = sampleRows == null ? DEFAULT_SAMPLE_ROWS : sampleRows;
        return new PiiRules(cleanDomains, compiled, rows);
    }

    private static String normalizeDomain(String domain) {
        String d = domain == null ? "" : domain.strip().toLowerCase(Locale.ROOT);
        if (d.startsWith("@")) {
            d = d.substring(1);
        } else if (d.startsWith("*.")) {
            d = d.substring(2);
        }
        if (!d.matches("[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")) {
            throw new IllegalArgumentException("allowed e-mail domain \"" + domain + "\" is not a domain name (e.g. example.com)");
        }
        return d;
    }

    /** Whether masking may leave addresses at this domain: one of the allowed domains or a subdomain of one. */
    public boolean allowsEmailDomain(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        for (String allowed : allowedEmailDomains) {
            if (d.equals(allowed) || d.endsWith("." + allowed)) {
                return true;
            }
        }
        return false;
    }

    /** Whether one of the owners' patterns finds a match in this column name. */
    public boolean flagsColumnName(String column) {
        for (Pattern p : columnNamePatterns) {
            if (p.matcher(column).find()) {
                return true;
            }
        }
        return false;
    }
}
