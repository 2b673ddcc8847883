package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The shape drawn from a JSON plan, on plans written here; real plans: {@link ChecksAndPlansTest}. */
class PlanShapeTest {

    private static String shape(String json) throws Exception {
        JsonNode plan = new ObjectMapper().readTree(json);
        StringBuilder b = new StringBuilder();
        Plans.shape(plan, 0, b);
        return b.toString();
    }

    @Test
    void namesNodesAsTextExplainDoesWithoutCostsOrTimings() throws Exception {
        String json = """
                {"Node Type": "Aggregate", "Strategy": "Hashed", "Startup Cost": 1.0, "Actual Total Time": 5.5,
                 "Plans": [
                   {"Node Type": "Hash Join", "Join Type": "Left", "Parent Relationship": "Outer", "Total Cost": 9.0,
                    "Plans": [
                      {"Node Type": "Seq Scan", "Parallel Aware": true, "Relation Name": "orders", "Alias": "o", "Actual Rows": 10},
                      {"Node Type": "Hash", "Plans": [
                        {"Node Type": "Index Scan", "Index Name": "customers_pkey", "Relation Name": "customers", "Alias": "customers"}
                      ]}
                    ]},
                   {"Node Type": "Bitmap Index Scan", "Index Name": "orders_status_idx", "Subplan Name": "InitPlan 1"},
                   {"Node Type": "Nested Loop", "Join Type": "Anti"},
                   {"Node Type": "CTE Scan", "CTE Name": "recent", "Alias": "r"},
                   {"Node Type": "Function Scan", "Function Name": "generate_series", "Alias": "generate_series"}
                 ]}
                """;
        assertThat(shape(json)).isEqualTo("""
                HashAggregate
                  Hash Left Join
                    Parallel Seq Scan on orders o
                    Hash
                      Index Scan using customers_pkey on customers
                  Bitmap Index Scan on orders_status_idx [InitPlan 1]
                  Nested Loop Anti Join
                  CTE Scan on recent r
                  Function Scan on generate_series""");
    }

    @Test
    void aModificationIsNamedByItsOperation() throws Exception {
        assertThat(shape("""
                {"Node Type": "ModifyTable", "Operation": "Delete", "Relation Name": "t", "Alias": "t",
                 "Plans": [{"Node Type": "Seq Scan", "Relation Name": "t", "Alias": "t"}]}
                """)).isEqualTo("Delete on t\n  Seq Scan on t");
        assertThat(shape("{\"Node Type\": \"Aggregate\", \"Strategy\": \"Plain\"}")).isEqualTo("Aggregate");
        assertThat(shape("{\"Node Type\": \"Aggregate\", \"Strategy\": \"Sorted\"}")).isEqualTo("GroupAggregate");
    }
}
