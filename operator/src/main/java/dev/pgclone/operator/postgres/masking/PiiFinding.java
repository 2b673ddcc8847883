package dev.pgclone.operator.postgres.masking;

import dev.pgclone.operator.postgres.masking.PiiDetectors.Kind;
import java.util.regex.Pattern;

/**
 * One column of a masked copy whose sampled values still look like personal data of one kind. It
 * carries names and counts only, never a value: findings go into the CloneSource's status and
 * Events, which people read who may not see the production data.
 *
 * @param matches for the value kinds, sampled values of that kind; for {@link Kind#ColumnName},
 *                the distinct values among the sample
 * @param sampled non-null values sampled from the column
 */
public record PiiFinding(String database, String schema, String table, String column, Kind kind, int matches, int sampled) {

    /** Identifiers PostgreSQL prints without quotes: shown as they are, everything else in double quotes. */
    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*");

    /** {@code database.schema.table.column}, each name quoted as in SQL where it needs it. */
    public String qualifiedColumn() {
        return displayName(database) + "." + displayName(schema) + "." + displayName(table) + "." + displayName(column);
    }

    /**
     * One line for status, Events and logs, e.g. {@code orders.public.customers.email: 412 of 1000
     * sampled values look like e-mail addresses}.
     */
    public String describe() {
        String what = switch (kind) {
            case Email -> "look like e-mail addresses";
            case Phone -> "look like phone numbers";
            case Iban -> "look like IBANs";
            case CardNumber -> "look like payment card numbers";
            case ColumnName -> null;
        };
        if (what == null) {
            return qualifiedColumn() + ": the column name matches a PII pattern and its " + sampled
                    + " sampled values are not all the same (" + matches + " distinct)";
        }
        return qualifiedColumn() + ": " + matches + " of " + sampled + " sampled values " + what;
    }

    /** A name as a reader can tell where it starts and ends: plain, or double-quoted with quotes doubled. */
    static String displayName(String name) {
        if (PLAIN_IDENTIFIER.matcher(name).matches()) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
