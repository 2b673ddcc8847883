package dev.pgclone.operator.postgres.masking;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.masking.PiiDetectors.Kind;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The PII check of a masked copy: samples the text-like columns of one database over JDBC and
 * reports the columns whose values still look like personal data ({@link PiiDetectors}), and the
 * columns the owners flagged by name ({@link PiiRules#columnNamePatterns()}) that were not masked
 * to a constant.
 *
 * <p>What is read: ordinary tables, the leaf partitions of partitioned tables (not the parents,
 * which would count every row twice) and populated materialized views, in every schema but the
 * system ones and temporary ones; of those, columns of type text, varchar, char, citext, json and
 * jsonb, domains over them, and arrays of any of these (each element is checked), plus columns of
 * any type whose name matches an owner's pattern. Each column gets up to
 * {@link PiiRules#sampleRows()} non-null values, from the whole table rather than its first pages
 * (a masking script that stopped part way leaves the rest of the table as it was): a table with
 * more rows than the sample by statistics is read through {@code TABLESAMPLE SYSTEM}, about three
 * times the sample in random pages, and a random choice of those rows is kept; a table with fewer
 * rows, or one never analyzed, is read from the start. A json value is checked leaf by leaf
 * (strings, integers, keys), so a phone number inside a document is found as in a column of its own.
 *
 * <p>How: one read-only transaction, rolled back at the end, with a {@code statement_timeout} per
 * statement so a huge or locked table cannot hold the check up; a column that cannot be read (no
 * privilege, the timeout) is listed in {@link Result#skipped()} and the scan goes on. Rows hidden
 * by row-level security are not seen: the check should run as a role that bypasses it, as the
 * operator's superuser does. Nothing of a value leaves this class: findings, skip reasons and
 * exceptions carry names, counts and SQLSTATEs only.
 */
public final class PiiScan {

    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(60);
    /** Characters of a value read: enough for any address or number, bounded for megabyte documents. */
    static final int MAX_VALUE_CHARS = 100_000;
    /** TABLESAMPLE reads about this many times the sample: rows are sampled in whole pages and some are NULL. */
    static final double SAMPLE_READ_FACTOR = 3.0;
    private static final int FETCH_SIZE = 250;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the scan found in one database.
     *
     * @param findings       ordered by schema, table, column and kind
     * @param columnsScanned columns sampled (including those with nothing to report)
     * @param skipped        {@code database.schema.table.column: reason} for each column that could not be read
     */
    public record Result(List<PiiFinding> findings, int columnsScanned, List<String> skipped) {
        public Result {
            findings = List.copyOf(findings);
            skipped = List.copyOf(skipped);
        }
    }

    /** How a column's values are read and split into the strings the detectors see. */
    private enum Shape { Text, Array, Json }

    /** A column to sample; relSql and colSql are quoted by the server ({@code format('%I.%I')}, {@code quote_ident}). */
    private record Column(String schema, String table, String name, String relSql, String colSql, double reltuples,
                          boolean readable, boolean textLike, Shape shape) {}

    private PiiScan() {}

    /** {@link #scan(Connection, String, PiiRules, Duration)} with a 60 s statement timeout. */
    public static Result scan(Connection connection, String database, PiiRules rules) throws SQLException {
        return scan(connection, database, rules, DEFAULT_STATEMENT_TIMEOUT);
    }

    /**
     * Scans the database {@code connection} is connected to; {@code database} is its name for the
     * findings. The connection must be in autocommit mode (the scan runs a transaction of its own)
     * and is left in it.
     *
     * @throws SQLException when the catalog cannot be read or the connection fails; a column that
     *                      cannot be read is no exception but an entry of {@link Result#skipped()}
     */
    public static Result scan(Connection connection, String database, PiiRules rules, Duration statementTimeout) throws SQLException {
        if (!connection.getAutoCommit()) {
            throw new IllegalStateException("the PII scan runs a read-only transaction of its own: it needs a connection in autocommit mode");
        }
        connection.setAutoCommit(false);
        Result result;
        try {
            result = scanInTransaction(connection, database, rules, statementTimeout);
        } catch (SQLException | RuntimeException e) {
            try {
                endTransaction(connection);
            } catch (SQLException | RuntimeException secondary) {
                e.addSuppressed(secondary);
            }
            throw e;
        }
        endTransaction(connection);
        return result;
    }

    private static void endTransaction(Connection connection) throws SQLException {
        try {
            connection.rollback();
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static Result scanInTransaction(Connection c, String database, PiiRules rules, Duration statementTimeout) throws SQLException {
        long timeoutMs = Math.max(1, Math.min(Integer.MAX_VALUE, statementTimeout.toMillis()));
        execute(c, "SET TRANSACTION READ ONLY");
        // SET LOCAL: gone with the transaction, whatever the session had before
        execute(c, "SET LOCAL statement_timeout = " + timeoutMs);
        // functions and casts of the copy's own schemas must not stand in for the built-in ones
        execute(c, "SET LOCAL search_path = pg_catalog, pg_temp");

        List<PiiFinding> findings = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int scanned = 0;
        for (Column col : columns(c)) {
            boolean named = rules.flagsColumnName(col.name());
            if (!col.textLike() && !named) {
                continue;
            }
            String label = PiiFinding.displayName(database) + "." + PiiFinding.displayName(col.schema()) + "."
                    + PiiFinding.displayName(col.table()) + "." + PiiFinding.displayName(col.name());
            if (!col.readable()) {
                skipped.add(label + ": no SELECT privilege");
                continue;
            }
            Tally tally;
            // a failed statement aborts the transaction: the savepoint keeps the rest of the scan going
            Savepoint savepoint = c.setSavepoint();
            try {
                tally = sample(c, col, rules, named);
                c.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (connectionLost(c, e)) {
                    throw e;
                }
                c.rollback(savepoint);
                skipped.add(label + ": " + skipReason(e, statementTimeout));
                continue;
            }
            scanned++;
            findings.addAll(tally.findings(database, col));
        }
        findings.sort(Comparator.comparing(PiiFinding::schema).thenComparing(PiiFinding::table)
                .thenComparing(PiiFinding::column).thenComparing(PiiFinding::kind));
        return new Result(findings, scanned, skipped);
    }

    /**
     * Every column of the relations to scan, with its type resolved through domains and arrays to a
     * base type, and whether the session may read it.
     */
    private static final String COLUMNS_SQL = """
            WITH RECURSIVE cols AS (
                SELECT n.nspname, c.relname, c.reltuples, a.attnum, a.attname, a.atttypid,
                       format('%I.%I', n.nspname, c.relname) AS rel_sql, quote_ident(a.attname) AS col_sql,
                       has_schema_privilege(n.oid, 'USAGE') AND has_column_privilege(c.oid, a.attnum, 'SELECT') AS readable
                FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE (c.relkind = 'r' OR (c.relkind = 'm' AND c.relispopulated))
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                  AND n.nspname !~ '^pg_(toast_)?temp_'
            ), types (start, cur, is_array, depth) AS (
                SELECT DISTINCT atttypid, atttypid, false, 0 FROM cols
              UNION ALL
                SELECT r.start, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
                       r.is_array OR t.typtype <> 'd', r.depth + 1
                FROM types r JOIN pg_catalog.pg_type t ON t.oid = r.cur
                WHERE r.depth < 16 AND (t.typtype = 'd' OR (t.typcategory = 'A' AND t.typelem <> 0))
            ), resolved AS (
                SELECT DISTINCT ON (start) start, cur, is_array FROM types ORDER BY start, depth DESC
            )
            SELECT cols.nspname, cols.relname, cols.attname, cols.rel_sql, cols.col_sql, cols.reltuples, cols.readable,
                   bn.nspname AS type_schema, bt.typname, r.is_array
            FROM cols
            JOIN resolved r ON r.start = cols.atttypid
            JOIN pg_catalog.pg_type bt ON bt.oid = r.cur
            JOIN pg_catalog.pg_namespace bn ON bn.oid = bt.typnamespace
            ORDER BY cols.nspname, cols.relname, cols.attnum
            """;

    private static List<Column> columns(Connection c) throws SQLException {
        List<Column> columns = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(COLUMNS_SQL)) {
            while (rs.next()) {
                String typeSchema = rs.getString("type_schema");
                String type = rs.getString("typname");
                // citext lives wherever its extension was created; the others are built in
                boolean json = "pg_catalog".equals(typeSchema) && (type.equals("json") || type.equals("jsonb"));
                boolean textLike = json || type.equals("citext")
                        || ("pg_catalog".equals(typeSchema) && (type.equals("text") || type.equals("varchar") || type.equals("bpchar")));
                Shape shape = !textLike ? Shape.Text : rs.getBoolean("is_array") ? Shape.Array : json ? Shape.Json : Shape.Text;
                columns.add(new Column(rs.getString("nspname"), rs.getString("relname"), rs.getString("attname"), rs.getString("rel_sql"),
                        rs.getString("col_sql"), rs.getDouble("reltuples"), rs.getBoolean("readable"), textLike, shape));
            }
        }
        return columns;
    }

    /** The statement sampling one column; the names in it come quoted from the server. */
    private static String sampleSql(Column col, int sampleRows) {
        String value = col.textLike() && col.shape() == Shape.Array
                ? "CAST(" + col.colSql() + " AS text[])"
                : "left(CAST(" + col.colSql() + " AS text), " + MAX_VALUE_CHARS + ")";
        return sampleSql(value, col.relSql(), col.colSql(), col.reltuples(), sampleRows);
    }

    /**
     * Up to {@code sampleRows} non-null values of {@code valueSql}. From a table with more rows than
     * that (by {@code pg_class.reltuples}) they are a random choice among the rows read: both
     * TABLESAMPLE and a sequential scan return rows in the order of the table's pages, and a plain
     * LIMIT would keep those of the first pages only.
     */
    static String sampleSql(String valueSql, String relSql, String colSql, double reltuples, int sampleRows) {
        String from = " FROM " + relSql + samplingClause(reltuples, sampleRows) + " WHERE " + colSql + " IS NOT NULL";
        if (reltuples > sampleRows) {
            return "SELECT v FROM (SELECT " + valueSql + " AS v" + from + ") s ORDER BY random() LIMIT " + sampleRows;
        }
        return "SELECT " + valueSql + from + " LIMIT " + sampleRows;
    }

    /**
     * {@code TABLESAMPLE SYSTEM (pct)} reading about {@value #SAMPLE_READ_FACTOR} times the sample
     * from a table with more rows than that (by {@code pg_class.reltuples}), else nothing: a table
     * that small is read whole, and one never analyzed (reltuples -1 or 0) from the start up to the
     * LIMIT.
     */
    static String samplingClause(double reltuples, int sampleRows) {
        if (!(reltuples > SAMPLE_READ_FACTOR * sampleRows)) {
            return "";
        }
        // never 0%, which would read nothing at all
        double pct = Math.max(100.0 * SAMPLE_READ_FACTOR * sampleRows / reltuples, 0.000001);
        return " TABLESAMPLE SYSTEM (" + String.format(Locale.ROOT, "%.6f", pct) + ")";
    }

    private static Tally sample(Connection c, Column col, PiiRules rules, boolean named) throws SQLException {
        Tally tally = new Tally(named);
        try (Statement st = c.createStatement()) {
            st.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = st.executeQuery(sampleSql(col, rules.sampleRows()))) {
                while (rs.next()) {
                    if (!col.textLike()) {
                        // flagged by name only: its values are not checked, only whether they vary
                        tally.add(rs.getString(1), Set.of());
                        continue;
                    }
                    switch (col.shape()) {
                        case Array -> {
                            List<String> elements = new ArrayList<>();
                            Array array = rs.getArray(1);
                            try {
                                flatten(array.getArray(), elements);
                            } finally {
                                array.free();
                            }
                            tally.add(String.join("\u0001", elements), kinds(elements, rules));
                        }
                        case Json -> {
                            String text = rs.getString(1);
                            tally.add(text, kinds(jsonParts(text), rules));
                        }
                        case Text -> {
                            String text = rs.getString(1);
                            tally.add(text, kinds(List.of(text), rules));
                        }
                    }
                }
            }
        }
        return tally;
    }

    /** The kinds any of one value's parts look like: a value counts once per kind. */
    private static Set<Kind> kinds(List<String> parts, PiiRules rules) {
        Set<Kind> kinds = EnumSet.noneOf(Kind.class);
        for (String part : parts) {
            PiiDetectors.classify(part, rules).ifPresent(kinds::add);
        }
        return kinds;
    }

    /** The elements of a (possibly multi-dimensional) array, NULLs left out. */
    private static void flatten(Object array, List<String> out) {
        if (array instanceof Object[] items) {
            for (Object item : items) {
                if (item instanceof Object[]) {
                    flatten(item, out);
                } else if (item != null) {
                    out.add(item.toString());
                }
            }
        }
    }

    /**
     * The strings of a JSON document a person's data could be: string values, integers (a card
     * number stored as a number) and keys (an object keyed by address). A value cut at
     * {@value #MAX_VALUE_CHARS} characters, or otherwise not parsable, is checked as one string.
     */
    static List<String> jsonParts(String text) {
        List<String> parts = new ArrayList<>();
        try {
            collect(JSON.readTree(text), parts);
        } catch (JsonProcessingException | RuntimeException e) {
            return List.of(text);
        }
        return parts;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual()) {
            out.add(node.textValue());
        } else if (node.isIntegralNumber()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                collect(item, out);
            }
        } else if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                out.add(field.getKey());
                collect(field.getValue(), out);
            }
        }
    }

    /**
     * Counts for one column. Values are held only as 64-bit hashes, for the distinct count of a
     * flagged column; whether they vary at all is decided exactly against the first one.
     */
    private static final class Tally {
        private final boolean named;
        private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        private final Set<Long> hashes = new HashSet<>();
        private String first;
        private boolean varies;
        private int sampled;

        Tally(boolean named) {
            this.named = named;
        }

        void add(String identity, Set<Kind> kinds) {
            sampled++;
            for (Kind k : kinds) {
                counts.merge(k, 1, Integer::sum);
            }
            if (!named) {
                return;
            }
            if (first == null) {
                first = identity;
            } else if (!varies && !first.equals(identity)) {
                varies = true;
            }
            hashes.add(fnv1a64(identity));
        }

        List<PiiFinding> findings(String database, Column col) {
            List<PiiFinding> out = new ArrayList<>();
            counts.forEach((kind, n) -> out.add(new PiiFinding(database, col.schema(), col.table(), col.name(), kind, n, sampled)));
            if (named && varies) {
                // at least 2 distinct even if two different values shared a hash
                out.add(new PiiFinding(database, col.schema(), col.table(), col.name(), Kind.ColumnName, Math.max(2, hashes.size()), sampled));
            }
            return out;
        }
    }

    private static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Errors after which the session is gone or unusable: the scan fails instead of skipping. */
    private static boolean connectionLost(Connection c, SQLException e) {
        String state = e.getSQLState();
        if (state == null || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.startsWith("58")) {
            return true;
        }
        try {
            return c.isClosed();
        } catch (SQLException closed) {
            return true;
        }
    }

    /**
     * Why a column was skipped, from the SQLSTATE alone: the server's message could quote a value
     * (an invalid byte sequence, for one), and skip reasons go where findings go.
     */
    private static String skipReason(SQLException e, Duration statementTimeout) {
        String state = e.getSQLState();
        return switch (state) {
            case "57014" -> "not read within the statement timeout of " + Jdbc.human(statementTimeout) + " (SQLSTATE 57014)";
            case "42501" -> "permission denied (SQLSTATE 42501)";
            default -> "could not be read (SQLSTATE " + state + ")";
        };
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
