package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PgbenchScriptTest {

    private static List<String> once(String script) throws SQLException {
        return PgbenchScript.parse("s", script).session(3, 42).next();
    }

    private static String value(String expression) throws SQLException {
        return once("\\set v " + expression + "\nSELECT :v;").get(0);
    }

    @Test
    void statementsRunInOrderWithVariablesFilledIn() throws SQLException {
        PgbenchScript script = PgbenchScript.parse("transfer", """
                -- move money between two accounts
                \\set from random(1, 10)
                \\set to :from + 100
                UPDATE accounts SET balance = balance - 5
                 WHERE id = :from;
                UPDATE accounts SET balance = balance + 5 WHERE id = :to;
                INSERT INTO history (account, client) VALUES (:from, :client_id);
                """);
        assertThat(script.name()).isEqualTo("transfer");
        assertThat(script.statements()).hasSize(3);
        assertThat(script.statements().get(0)).isEqualTo("UPDATE accounts SET balance = balance - 5\n WHERE id = :from");

        List<String> run = script.session(7, 1).next();
        long from = Long.parseLong(run.get(0).replaceAll("(?s).*id = ", ""));
        assertThat(from).isBetween(1L, 10L);
        assertThat(run.get(1)).isEqualTo("UPDATE accounts SET balance = balance + 5 WHERE id = " + (from + 100));
        assertThat(run.get(2)).isEqualTo("INSERT INTO history (account, client) VALUES (" + from + ", 7)");
    }

    @Test
    void randomCoversItsWholeRangeAndNothingElse() throws SQLException {
        PgbenchScript.Session s = PgbenchScript.parse("r", "\\set x random(-2, 2)\nSELECT :x").session(0, 9);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(s.next().get(0));
        }
        assertThat(seen).containsExactlyInAnyOrder("SELECT -2", "SELECT -1", "SELECT 0", "SELECT 1", "SELECT 2");
    }

    @Test
    void sameSeedSameNumbers() throws SQLException {
        PgbenchScript script = PgbenchScript.parse("r", "\\set x random(1, 1000000000)\nSELECT :x");
        assertThat(script.session(0, 5).next()).isEqualTo(script.session(0, 5).next());
    }

    @Test
    void integerArithmeticHasTheUsualPrecedenceAndTruncates() throws SQLException {
        assertThat(value("1 + 2 * 3")).isEqualTo("SELECT 7");
        assertThat(value("(1 + 2) * 3")).isEqualTo("SELECT 9");
        assertThat(value("7 / 2")).isEqualTo("SELECT 3");
        assertThat(value("-7 / 2")).isEqualTo("SELECT -3");
        assertThat(value("-7 % 3")).isEqualTo("SELECT -1");
        assertThat(value("10 - 2 - 3")).isEqualTo("SELECT 5");
        assertThat(value("- -4")).isEqualTo("SELECT 4");
        assertThat(value("random(5, 5) * 2")).isEqualTo("SELECT 10");
    }

    @Test
    void variablesLiveOnFromOneExecutionToTheNext() throws SQLException {
        PgbenchScript.Session s = PgbenchScript.parse("c", "\\set n 0\n\\set n :n + 1\nSELECT :n").session(0, 1);
        assertThat(s.next()).containsExactly("SELECT 1");
        assertThat(s.next()).containsExactly("SELECT 1");
        PgbenchScript.Session counter = PgbenchScript.parse("c", "\\set n :client_id * 10\nSELECT :n, :client_id").session(4, 1);
        assertThat(counter.next()).containsExactly("SELECT 40, 4");
    }

    @Test
    void castsUnknownNamesAndLongerNamesAreLeftAsWritten() throws SQLException {
        assertThat(once("\\set id 5\nSELECT :id::text, ':idx', :other, 'a:b', f(x := :id);"))
                .containsExactly("SELECT 5::text, ':idx', :other, 'a:b', f(x := 5)");
    }

    @Test
    void aNegativeValueAfterAMinusDoesNotBecomeAComment() throws SQLException {
        assertThat(once("\\set v -3\nSELECT 1-:v;")).containsExactly("SELECT 1- -3");
    }

    @Test
    void aSetLineContinuesAfterATrailingBackslash() throws SQLException {
        assertThat(once("\\set v 1 + \\\n  2\nSELECT :v;")).containsExactly("SELECT 3");
    }

    @Test
    void failuresWhileEvaluatingCarryTheirSqlState() {
        assertThatThrownBy(() -> value("1 / (2 - 2)")).isInstanceOf(SQLException.class)
                .hasMessageContaining("line 1").hasMessageContaining("division by zero")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22012"));
        assertThatThrownBy(() -> value("9223372036854775807 + 1"))
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22003"));
        assertThatThrownBy(() -> value("random(3, 1)")).hasMessageContaining("empty range")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"));
    }

    @Test
    void unsupportedMetaCommandsAreRefusedWithTheirLine() {
        assertThatThrownBy(() -> PgbenchScript.parse("app.sql", "SELECT 1;\n\n\\sleep 10 ms\nSELECT 2;"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("pgbench script \"app.sql\", line 3: \\sleep is not supported");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set a 1\n\\if :a = 1\nSELECT 1;\n\\endif"))
                .hasMessageContaining("line 2: \\if is not supported");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\setshell x echo 1\nSELECT 1;"))
                .hasMessageContaining("line 1: \\setshell is not supported");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "SELECT 1 AS one\n\\gset\n"))
                .hasMessageContaining("line 2: \\gset is not supported");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "SELECT 1 AS one \\gset p_\n"))
                .hasMessageContaining("line 1: \\gset is not supported");
    }

    @Test
    void expressionsOutsideTheSubsetAreRefusedWithTheirLine() {
        assertThatThrownBy(() -> PgbenchScript.parse("s", "SELECT 1;\n\\set x random_gaussian(1, 10, 2.5)"))
                .hasMessageContaining("line 2").hasMessageContaining("function random_gaussian() is not supported");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x 1.5\nSELECT 1;"))
                .hasMessageContaining("line 1").hasMessageContaining("only integers");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x :y + 1\nSELECT 1;"))
                .hasMessageContaining("variable :y is not set on an earlier line");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x 1 << 2\nSELECT 1;"))
                .hasMessageContaining("unexpected \"<< 2\"");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x (1 + 2\nSELECT 1;"))
                .hasMessageContaining("expected ')'");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x\nSELECT 1;"))
                .hasMessageContaining("\\set x has no expression");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set 1\nSELECT 1;"))
                .hasMessageContaining("\\set 1 has no expression");
        assertThatThrownBy(() -> PgbenchScript.parse("s", "\\set x 99999999999999999999\nSELECT 1;"))
                .hasMessageContaining("out of range");
    }

    @Test
    void aScriptWithoutSqlIsRefused() {
        assertThatThrownBy(() -> PgbenchScript.parse("empty", "\\set x 1\n-- nothing else\n"))
                .hasMessage("pgbench script \"empty\" has no SQL statement");
    }

    @Test
    void aPlainQueryRunsAsWrittenEvenWithColons() throws SQLException {
        PgbenchScript q = PgbenchScript.literal("q", "SELECT :client_id, 'x:y'");
        assertThat(q.session(2, 1).next()).containsExactly("SELECT :client_id, 'x:y'");
    }

    @Test
    void pgbenchsOwnTpcbLikeScriptIsAccepted() throws SQLException {
        // the shape of pgbench's built-in script, with the scale as a literal
        PgbenchScript s = PgbenchScript.parse("tpcb-like", """
                \\set aid random(1, 100000 * 1)
                \\set bid random(1, 1 * 1)
                \\set tid random(1, 10 * 1)
                \\set delta random(-5000, 5000)
                BEGIN;
                UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
                SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
                UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
                UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
                INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
                END;
                """);
        List<String> run = s.session(0, 3).next();
        assertThat(run).hasSize(7);
        assertThat(run.get(0)).isEqualTo("BEGIN");
        assertThat(run.get(6)).isEqualTo("END");
        assertThat(run).noneMatch(sql -> sql.matches("(?s).*:(aid|bid|tid|delta)\\b.*"));
    }
}
