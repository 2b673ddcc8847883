package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.SqlScripts;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validation queries after the migration, each against its expectation.
 *
 * <p>Each query runs alone in a transaction that is rolled back, so a check cannot change the
 * clone whatever it calls, and rows are fetched in batches, so counting a large result does not
 * hold it in memory. A query must be one statement.
 *
 * <p>How a {@link Validation} is judged:
 * <ul>
 *   <li>{@code rows}: the number of rows returned, compared with {@code comparison} ({@code =} by default);</li>
 *   <li>{@code value}: the first column of the first row (a query returning no row fails). When
 *       both sides read as numbers they compare as numbers ({@link BigDecimal}: {@code 1.0 = 1},
 *       {@code 10 > 9}); otherwise as text, by Unicode code points (not the database's collation).
 *       A boolean column reads {@code true} or {@code false}.</li>
 *   <li>NULL: an expected value written {@code NULL} (any case) stands for SQL NULL. {@code =} and
 *       {@code !=} then mean "is (not) distinct from": NULL = NULL passes, NULL != 5 passes. The
 *       order comparisons fail when either side is NULL.</li>
 * </ul>
 */
public final class Checks {

    public static final String APPLICATION_NAME = "pgclone-rehearsal/checks";
    static final Set<String> COMPARISONS = Set.of("=", "!=", "<>", "<", "<=", ">", ">=");
    private static final int FETCH_SIZE = 1000;

    private final Connection connection;

    /** Checks on a session the caller owns, as {@link #connect} opens it. */
    public Checks(Connection connection) {
        this.connection = connection;
    }

    /**
     * Opens the checks session (used by {@link Plans} too): its own {@code application_name} and a
     * {@code statement_timeout} sent at login, so no setting in the clone's catalogs overrides it.
     */
    public static Connection connect(Jdbc.Target target, Duration loginTimeout, Duration statementTimeout) throws SQLException {
        if (statementTimeout == null || statementTimeout.toMillis() <= 0) {
            throw new IllegalArgumentException("the checks session needs a statement_timeout above zero, not " + statementTimeout);
        }
        return Jdbc.connect(target, loginTimeout, statementTimeout.plusSeconds(5),
                Map.of("statement_timeout", Long.toString(statementTimeout.toMillis())), APPLICATION_NAME);
    }

    public List<CheckResult> run(List<Validation> validations) {
        List<CheckResult> out = new ArrayList<>(validations.size());
        for (Validation v : validations) {
            out.add(run(v));
        }
        return out;
    }

    public CheckResult run(Validation v) {
        String op = v.comparison() == null || v.comparison().isBlank() ? "=" : v.comparison().strip();
        if ((v.rows() == null) == (v.value() == null)) {
            return new CheckResult(v.name(), v.sql(), false, "", null, "a check needs exactly one of rows and value");
        }
        String expected = v.rows() != null ? "rows " + op + " " + v.rows() : "value " + op + " " + v.value();
        if (!COMPARISONS.contains(op)) {
            return new CheckResult(v.name(), v.sql(), false, expected, null,
                    "comparison \"" + op + "\" is not one of =, !=, <, <=, >, >=");
        }
        List<SqlScripts.SqlStatement> statements = SqlScripts.split(v.sql());
        if (statements.size() != 1) {
            return new CheckResult(v.name(), v.sql(), false, expected, null,
                    "a check's query must be one statement; this one has " + statements.size());
        }
        try {
            return Transactions.rolledBack(connection, () -> {
                try (Statement st = connection.createStatement()) {
                    st.setFetchSize(FETCH_SIZE);
                    try (ResultSet rs = st.executeQuery(statements.get(0).sql())) {
                        if (v.rows() != null) {
                            long n = 0;
                            while (rs.next()) {
                                n++;
                            }
                            boolean passed = holds(Long.compare(n, v.rows()), op);
                            return new CheckResult(v.name(), v.sql(), passed, expected, n == 1 ? "1 row" : n + " rows", null);
                        }
                        if (!rs.next()) {
                            return new CheckResult(v.name(), v.sql(), false, expected, "no row", null);
                        }
                        String actual = valueOf(rs);
                        return new CheckResult(v.name(), v.sql(), compare(actual, op, v.value()), expected,
                                actual == null ? "NULL" : actual, null);
                    }
                }
            });
        } catch (SQLException e) {
            return new CheckResult(v.name(), v.sql(), false, expected, null, Jdbc.describe(e));
        }
    }

    private static String valueOf(ResultSet rs) throws SQLException {
        int type = rs.getMetaData().getColumnType(1);
        if (type == Types.BOOLEAN || type == Types.BIT) {
            boolean b = rs.getBoolean(1);
            return rs.wasNull() ? null : Boolean.toString(b);
        }
        return rs.getString(1);
    }

    /**
     * Whether {@code actual op expected} holds (see the class comment).
     *
     * @param actual   the query's value, null for SQL NULL
     * @param expected as written; {@code NULL} stands for SQL NULL
     */
    static boolean compare(String actual, String op, String expected) {
        boolean expectedNull = expected.strip().equalsIgnoreCase("NULL");
        if (actual == null || expectedNull) {
            boolean same = actual == null && expectedNull;
            return switch (op) {
                case "=" -> same;
                case "!=", "<>" -> !same;
                default -> false;
            };
        }
        BigDecimal a = number(actual);
        BigDecimal e = number(expected);
        int order = a != null && e != null ? a.compareTo(e) : actual.compareTo(expected);
        return holds(order, op);
    }

    private static boolean holds(int order, String op) {
        return switch (op) {
            case "=" -> order == 0;
            case "!=", "<>" -> order != 0;
            case "<" -> order < 0;
            case "<=" -> order <= 0;
            case ">" -> order > 0;
            case ">=" -> order >= 0;
            default -> throw new IllegalArgumentException("comparison " + op);
        };
    }

    private static BigDecimal number(String s) {
        try {
            return new BigDecimal(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
