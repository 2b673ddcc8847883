package dev.pgclone.operator.postgres.rehearsal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.SqlScripts;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)} of named queries, before and after the
 * migration, on the checks session ({@link Checks#connect}).
 *
 * <p>ANALYZE executes the query, so each run is in a transaction that is rolled back: an
 * {@code UPDATE} or {@code DELETE} changes no row (a sequence it advances stays advanced, as
 * sequences ignore rollbacks). A query must be one statement. Each query runs {@code runs} times
 * and the run with the median execution time is kept, which keeps one cold cache or one scheduling
 * hiccup from passing for a regression.
 *
 * <p>The shape is what the planner chose and nothing it measured or estimated: one line per plan
 * node, indented two spaces per level, with the node type as text EXPLAIN names it
 * ({@code HashAggregate}, {@code Hash Left Join}, {@code Parallel Seq Scan}, {@code Delete}), the
 * index ({@code using orders_pkey}, or {@code on} for a bitmap index scan), the relation and its
 * alias when it differs, and a sub-plan's name in brackets. The buffer totals are the root node's,
 * which include every node below it (work of triggers, foreign-key checks among them, is not in
 * the plan's nodes).
 */
public final class Plans {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final int runs;

    /** Plans on a session the caller owns; {@code runs} (at least 1) runs per capture. */
    public Plans(Connection connection, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs " + runs + " is below 1");
        }
        this.connection = connection;
        this.runs = runs;
    }

    /** Each query by name, in the map's order. */
    public Map<String, PlanCapture> captureAll(Map<String, String> queries) {
        Map<String, PlanCapture> out = new LinkedHashMap<>();
        queries.forEach((name, sql) -> out.put(name, capture(sql)));
        return out;
    }

    /** Before against after for each query; a query missing from a side reads as a capture that failed. */
    public static List<PlanComparison> compare(Map<String, String> queries, Map<String, PlanCapture> before,
                                               Map<String, PlanCapture> after) {
        List<PlanComparison> out = new ArrayList<>();
        queries.forEach((name, sql) -> out.add(new PlanComparison(name, sql, orMissing(before.get(name), "before"),
                orMissing(after.get(name), "after"))));
        return out;
    }

    private static PlanCapture orMissing(PlanCapture c, String when) {
        return c != null ? c : failed("no plan was captured " + when + " the migration");
    }

    public PlanCapture capture(String sql) {
        List<SqlScripts.SqlStatement> statements = SqlScripts.split(sql);
        if (statements.size() != 1) {
            return failed("a plan's query must be one statement; this one has " + statements.size());
        }
        String explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statements.get(0).sql();
        List<PlanCapture> captured = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            PlanCapture c = once(explain);
            if (c.error() != null) {
                return c;
            }
            captured.add(c);
        }
        captured.sort(Comparator.comparingDouble(PlanCapture::executionMs));
        return captured.get(captured.size() / 2);
    }

    private PlanCapture once(String explain) {
        String json;
        try {
            json = Transactions.rolledBack(connection, () -> {
                try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(explain)) {
                    rs.next();
                    return rs.getString(1);
                }
            });
        } catch (SQLException e) {
            return failed(Jdbc.describe(e));
        }
        try {
            JsonNode root = JSON.readTree(json).get(0);
            JsonNode plan = root.get("Plan");
            StringBuilder shape = new StringBuilder();
            shape(plan, 0, shape);
            return new PlanCapture(shape.toString(), root.path("Execution Time").asDouble(Double.NaN),
                    plan.path("Shared Hit Blocks").asLong(), plan.path("Shared Read Blocks").asLong(), json, null);
        } catch (JsonProcessingException | RuntimeException e) {
            return new PlanCapture(null, Double.NaN, 0, 0, json, "the plan could not be read: " + Jdbc.oneLine(e.getMessage()));
        }
    }

    private static PlanCapture failed(String error) {
        return new PlanCapture(null, Double.NaN, 0, 0, null, error);
    }

    static void shape(JsonNode node, int depth, StringBuilder out) {
        if (out.length() > 0) {
            out.append('\n');
        }
        out.append("  ".repeat(depth)).append(label(node));
        for (JsonNode child : node.path("Plans")) {
            shape(child, depth + 1, out);
        }
    }

    static String label(JsonNode node) {
        String type = node.path("Node Type").asText();
        String strategy = node.path("Strategy").asText("");
        switch (type) {
            case "Aggregate" -> type = switch (strategy) {
                case "Sorted" -> "GroupAggregate";
                case "Hashed" -> "HashAggregate";
                case "Mixed" -> "MixedAggregate";
                default -> "Aggregate";
            };
            case "SetOp" -> type = "Hashed".equals(strategy) ? "HashSetOp" : "SetOp";
            case "ModifyTable" -> type = node.path("Operation").asText(type);
            default -> { }
        }
        String join = node.path("Join Type").asText("");
        if (!join.isEmpty() && !join.equals("Inner")) {
            type = type.equals("Nested Loop") ? "Nested Loop " + join + " Join" : type.replace(" Join", " " + join + " Join");
        }
        StringBuilder b = new StringBuilder();
        if (node.path("Parallel Aware").asBoolean(false)) {
            b.append("Parallel ");
        }
        b.append(type);
        String index = node.path("Index Name").asText("");
        if (!index.isEmpty()) {
            b.append(type.equals("Bitmap Index Scan") ? " on " : " using ").append(index);
        }
        String alias = node.path("Alias").asText("");
        String target = node.path("Relation Name").asText("");
        if (target.isEmpty()) {
            target = node.path("CTE Name").asText("");
        }
        if (target.isEmpty()) {
            target = node.path("Function Name").asText("");
        }
        if (!target.isEmpty()) {
            b.append(" on ").append(target);
            if (!alias.isEmpty() && !alias.equals(target)) {
                b.append(' ').append(alias);
            }
        } else if (!alias.isEmpty()) {
            b.append(" on ").append(alias);
        }
        String subplan = node.path("Subplan Name").asText("");
        if (!subplan.isEmpty()) {
            b.append(" [").append(subplan).append(']');
        }
        return b.toString();
    }
}
