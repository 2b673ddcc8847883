package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Validations and EXPLAIN on the checks session, against a real PostgreSQL with a table of 50,000 rows. */
@PostgresTest
class ChecksAndPlansTest {

    private static final String PASSWORD = "checks-test";
    private static LocalPostgres pg;
    private static Connection session;

    @BeforeAll
    static void startServer() throws Exception {
        pg = LocalPostgres.start("checks");
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        pg.psql("CREATE TABLE orders (id serial PRIMARY KEY, k int NOT NULL, status text, amount numeric);"
                + " INSERT INTO orders (k, status, amount) SELECT g, CASE WHEN g % 3 = 0 THEN 'complete' ELSE 'open' END, g / 100.0"
                + " FROM generate_series(1, 50000) g; ANALYZE orders");
        Jdbc.Target target = new Jdbc.Target("127.0.0.1", pg.port(), "postgres", "postgres", PASSWORD, "disable");
        session = Checks.connect(target, Duration.ofSeconds(30), Duration.ofSeconds(3));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (session != null) {
            session.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private static CheckResult check(String sql, Long rows, String value, String comparison) {
        return new Checks(session).run(new Validation("c", sql, rows, value, comparison));
    }

    @Test
    void rowChecksCountTheRowsReturned() {
        CheckResult none = check("SELECT id FROM orders WHERE amount < 0", 0L, null, null);
        assertThat(none.passed()).isTrue();
        assertThat(none.expected()).isEqualTo("rows = 0");
        assertThat(none.actual()).isEqualTo("0 rows");
        assertThat(none.error()).isNull();

        CheckResult three = check("SELECT id FROM orders WHERE id <= 3", 0L, null, null);
        assertThat(three.passed()).isFalse();
        assertThat(three.actual()).isEqualTo("3 rows");
        assertThat(three.error()).isNull();

        assertThat(check("SELECT id FROM orders WHERE id <= 3", 5L, null, "<=").passed()).isTrue();
        assertThat(check("SELECT id FROM orders WHERE id = 3", 1L, null, null).actual()).isEqualTo("1 row");
        // all of them, fetched in batches
        assertThat(check("SELECT * FROM orders", 50_000L, null, "=").passed()).isTrue();
    }

    @Test
    void valueChecksCompareNumbersAsNumbersAndTextAsText() {
        CheckResult numeric = check("SELECT 1.50::numeric", null, "1.5", null);
        assertThat(numeric.passed()).isTrue();
        assertThat(numeric.actual()).isEqualTo("1.50");
        assertThat(numeric.expected()).isEqualTo("value = 1.5");

        assertThat(check("SELECT count(*) FROM orders", null, "50000", ">=").passed()).isTrue();
        assertThat(check("SELECT count(*) FROM orders", null, "50001", ">=").passed()).isFalse();
        // numbers even in a text column: 10 > 9, where as text "10" < "9"
        assertThat(check("SELECT '10'::text", null, "9", ">").passed()).isTrue();
        assertThat(check("SELECT 'abc'::text", null, "abd", "<").passed()).isTrue();
        CheckResult text = check("SELECT status FROM orders WHERE id = 1", null, "complete", null);
        assertThat(text.passed()).isFalse();
        assertThat(text.actual()).isEqualTo("open");
        assertThat(check("SELECT EXISTS (SELECT 1 FROM orders)", null, "true", null).passed()).isTrue();
    }

    @Test
    void nullIsHandledExplicitly() {
        CheckResult isNull = check("SELECT NULL::int", null, "NULL", "=");
        assertThat(isNull.passed()).isTrue();
        assertThat(isNull.actual()).isEqualTo("NULL");
        assertThat(check("SELECT NULL::int", null, "0", "!=").passed()).isTrue();
        assertThat(check("SELECT 0", null, "NULL", "!=").passed()).isTrue();
        CheckResult noMax = check("SELECT max(amount) FROM orders WHERE false", null, "0", ">");
        assertThat(noMax.passed()).isFalse();
        assertThat(noMax.actual()).isEqualTo("NULL");
        CheckResult noRow = check("SELECT 1 WHERE false", null, "1", null);
        assertThat(noRow.passed()).isFalse();
        assertThat(noRow.actual()).isEqualTo("no row");
    }

    @Test
    void failuresAndBadExpectationsSayWhat() {
        CheckResult missing = check("SELECT * FROM no_such_table", 0L, null, null);
        assertThat(missing.passed()).isFalse();
        assertThat(missing.actual()).isNull();
        assertThat(missing.error()).startsWith("SQLSTATE 42P01: ");
        CheckResult slow = check("SELECT pg_sleep(10)", 1L, null, null);
        assertThat(slow.passed()).isFalse();
        assertThat(slow.error()).as("the session's statement_timeout").startsWith("SQLSTATE 57014: ");
        assertThat(check("SELECT 1", null, "1", "=>").error()).contains("\"=>\" is not one of");
        assertThat(check("SELECT 1", 1L, "1", null).error()).isEqualTo("a check needs exactly one of rows and value");
        assertThat(check("SELECT 1; SELECT 2", 1L, null, null).error()).contains("one statement; this one has 2");
        // the session still works after each failure
        assertThat(check("SELECT 1", 1L, null, null).passed()).isTrue();
    }

    @Test
    void theSessionIsNamedAndChecksChangeNothing() {
        List<CheckResult> results = new Checks(session).run(List.of(
                new Validation("name", "SELECT current_setting('application_name')", null, "pgclone-rehearsal/checks", null),
                new Validation("timeout", "SELECT current_setting('statement_timeout')", null, "3s", null),
                new Validation("delete", "DELETE FROM orders WHERE id <= 10 RETURNING id", 10L, null, null)));
        assertThat(results).allSatisfy(r -> assertThat(r.passed()).as("%s", r).isTrue());
        assertThat(pg.psql("SELECT count(*) FROM orders WHERE id <= 10")).isEqualTo("10");
    }

    @Test
    void anIndexChangesThePlanShapeAndTheRatioIsComputed() {
        Plans plans = new Plans(session, 3);
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("by-k", "SELECT * FROM orders WHERE k = 4242");
        queries.put("by-id", "SELECT * FROM orders WHERE id = 4242");
        queries.put("broken", "SELECT * FROM no_such_table");
        Map<String, PlanCapture> before = plans.captureAll(queries);
        pg.psql("CREATE INDEX orders_k_idx ON orders (k); ANALYZE orders");
        Map<String, PlanCapture> after;
        try {
            after = plans.captureAll(queries);
        } finally {
            pg.psql("DROP INDEX orders_k_idx");
        }

        PlanCapture seq = before.get("by-k");
        assertThat(seq.error()).isNull();
        assertThat(seq.shape()).contains("Seq Scan on orders").doesNotContain("cost").doesNotContain("rows=");
        assertThat(seq.executionMs()).isPositive();
        assertThat(seq.sharedBuffersHit() + seq.sharedBuffersRead()).isPositive();
        assertThat(seq.planJson()).contains("\"Execution Time\"");
        PlanCapture index = after.get("by-k");
        assertThat(index.shape()).contains("orders_k_idx").doesNotContain("Seq Scan");

        List<PlanComparison> compared = Plans.compare(queries, before, after);
        assertThat(compared).extracting(PlanComparison::name).containsExactly("by-k", "by-id", "broken");
        PlanComparison byK = compared.get(0);
        assertThat(byK.shapeChanged()).isTrue();
        assertThat(byK.slowdown()).isEqualTo(index.executionMs() / seq.executionMs());
        // an index lookup against a scan of 50,000 rows: faster by far more than any noise
        assertThat(byK.slowdown()).isLessThan(1);

        PlanComparison byId = compared.get(1);
        assertThat(byId.before().shape()).isEqualTo("Index Scan using orders_pkey on orders");
        assertThat(byId.shapeChanged()).isFalse();
        assertThat(byId.slowdown()).isPositive();

        PlanComparison broken = compared.get(2);
        assertThat(broken.before().error()).startsWith("SQLSTATE 42P01: ");
        assertThat(broken.before().shape()).isNull();
        assertThat(broken.shapeChanged()).isFalse();
        assertThat(broken.slowdown()).isNaN();
    }

    @Test
    void explainAnalyzeOfADeleteLeavesTheRowsInPlace() {
        PlanCapture delete = new Plans(session, 1).capture("DELETE FROM orders WHERE k <= 1000");
        assertThat(delete.error()).isNull();
        assertThat(delete.shape()).startsWith("Delete on orders\n  ");
        assertThat(delete.planJson()).contains("\"Actual Rows\": 1000");
        assertThat(pg.psql("SELECT count(*) FROM orders WHERE k <= 1000")).isEqualTo("1000");
        assertThat(pg.psql("SELECT count(*) FROM orders")).isEqualTo("50000");
    }

    @Test
    void aPlanQueryMustBeOneStatement() {
        PlanCapture two = new Plans(session, 1).capture("SELECT 1; DELETE FROM orders");
        assertThat(two.error()).contains("one statement; this one has 2");
        assertThat(pg.psql("SELECT count(*) FROM orders")).isEqualTo("50000");
        assertThat(Plans.compare(Map.of("gone", "SELECT 1"), Map.of(), Map.of()).get(0).before().error())
                .isEqualTo("no plan was captured before the migration");
    }
}
