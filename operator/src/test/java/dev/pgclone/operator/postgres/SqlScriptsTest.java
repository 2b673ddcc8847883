package dev.pgclone.operator.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.postgres.SqlScripts.SqlStatement;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptsTest {

    private static List<String> texts(String script) {
        return SqlScripts.split(script).stream().map(SqlStatement::sql).toList();
    }

    @Test
    void splitsOnSemicolonsAndDropsEmptyStatements() {
        assertThat(texts("SELECT 1; SELECT 2;;\n ; SELECT 3;")).containsExactly("SELECT 1", "SELECT 2", "SELECT 3");
    }

    @Test
    void keepsATrailingStatementWithoutSemicolon() {
        assertThat(texts("UPDATE t SET a = 1;\nUPDATE t SET b = 2\n\n")).containsExactly("UPDATE t SET a = 1", "UPDATE t SET b = 2");
    }

    @Test
    void semicolonsInsideStandardStringsAndDoubledQuotes() {
        assertThat(texts("INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT 'x'"))
                .containsExactly("INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT 'x'");
    }

    @Test
    void backslashIsNotAnEscapeInStandardStrings() {
        // with standard_conforming_strings the string is 'a\' and the ; after it ends the statement
        assertThat(texts("SELECT 'a\\'; SELECT 2")).containsExactly("SELECT 'a\\'", "SELECT 2");
    }

    @Test
    void backslashEscapesAQuoteInEStrings() {
        assertThat(texts("SELECT E'it\\'s; \\\\'; SELECT e'x\\';y'; SELECT 3"))
                .containsExactly("SELECT E'it\\'s; \\\\'", "SELECT e'x\\';y'", "SELECT 3");
    }

    @Test
    void anIdentifierEndingInEDoesNotStartAnEString() {
        // "somE" is a word; the string after it is a standard one, so its backslash escapes nothing
        assertThat(texts("SELECT somE'a\\'; SELECT 2")).containsExactly("SELECT somE'a\\'", "SELECT 2");
    }

    @Test
    void semicolonsInsideQuotedIdentifiers() {
        assertThat(texts("CREATE TABLE \"we;ird\"\"x\" (id int); DROP TABLE \"we;ird\"\"x\""))
                .containsExactly("CREATE TABLE \"we;ird\"\"x\" (id int)", "DROP TABLE \"we;ird\"\"x\"");
    }

    @Test
    void dollarQuotedFunctionBodies() {
        String fn = """
                CREATE FUNCTION mask(t text) RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                  RETURN 'x'; -- not the end
                END;
                $$""";
        String tagged = """
                DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$ inside;'; END $body$""";
        assertThat(texts(fn + ";\n" + tagged + ";\nSELECT 1;")).containsExactly(fn, tagged, "SELECT 1");
    }

    @Test
    void dollarsThatAreNotQuotes() {
        // $1 is a parameter, a$b$ an identifier with dollars: neither opens a dollar quote
        assertThat(texts("PREPARE p AS SELECT $1; SELECT a$b$ FROM t; SELECT 2"))
                .containsExactly("PREPARE p AS SELECT $1", "SELECT a$b$ FROM t", "SELECT 2");
    }

    @Test
    void lineCommentsAreSkippedAndMaySpeakOfSemicolons() {
        String script = """
                -- masking; runs first
                UPDATE users SET email = 'x' -- trailing; comment
                WHERE id > 0;
                -- only a comment at the end; nothing to run""";
        List<SqlStatement> statements = SqlScripts.split(script);
        assertThat(statements).hasSize(1);
        assertThat(statements.get(0).sql()).isEqualTo("UPDATE users SET email = 'x' -- trailing; comment\nWHERE id > 0");
        assertThat(statements.get(0).line()).isEqualTo(2);
    }

    @Test
    void blockCommentsNestAndMaySpeakOfSemicolons() {
        assertThat(texts("/* a; /* nested; */ still comment; */ SELECT 1 /* x; */ + 1; /* tail; */"))
                .containsExactly("SELECT 1 /* x; */ + 1");
    }

    @Test
    void aStatementOfOnlyCommentsIsDropped() {
        assertThat(texts("-- nothing\n/* here */;SELECT 1")).containsExactly("SELECT 1");
    }

    @Test
    void semicolonsInsideParentheses() {
        // psql does not end a statement inside parentheses either (the server then reports the error)
        assertThat(texts("SELECT (1; 2); SELECT 3")).containsExactly("SELECT (1; 2)", "SELECT 3");
    }

    @Test
    void sqlStandardFunctionBodies() {
        String fn = """
                CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
                BEGIN ATOMIC
                  SELECT CASE WHEN a IS NULL THEN 0 ELSE a END + b;
                  SELECT 1;
                END""";
        String proc = "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END";
        assertThat(texts(fn + ";\n" + proc + "; BEGIN; SELECT 1; END;"))
                .containsExactly(fn, proc, "BEGIN", "SELECT 1", "END");
    }

    @Test
    void numericLiterals() {
        assertThat(texts("SELECT 1e10, 0x1F, 1_000, 1.5, .5; SELECT 2")).containsExactly("SELECT 1e10, 0x1F, 1_000, 1.5, .5", "SELECT 2");
    }

    @Test
    void numbersLinesAndOffsets() {
        String script = "SELECT 1;\n\n  -- two\n  SELECT\n  2;SELECT 3";
        List<SqlStatement> statements = SqlScripts.split(script);
        assertThat(statements).extracting(SqlStatement::number).containsExactly(1, 2, 3);
        assertThat(statements).extracting(SqlStatement::line).containsExactly(1, 4, 5);
        assertThat(statements).extracting(SqlStatement::offset).containsExactly(0, script.indexOf("SELECT\n"), script.indexOf("SELECT 3"));
    }

    @Test
    void lineOfAnErrorPosition() {
        SqlStatement s = SqlScripts.split("\n\nUPDATE t\nSET a = nope\nWHERE true").get(0);
        assertThat(s.line()).isEqualTo(3);
        // PostgreSQL reports 1-based character positions; "nope" is on the statement's second line
        assertThat(s.lineOfPosition(s.sql().indexOf("nope") + 1)).isEqualTo(4);
        assertThat(s.lineOfPosition(1)).isEqualTo(3);
        assertThat(s.lineOfPosition(0)).isEqualTo(3);
    }

    @Test
    void unterminatedQuotesRunToTheEnd() {
        // the server reports the unterminated literal; the splitter must not invent statements
        assertThat(texts("SELECT 'abc; SELECT 2")).containsExactly("SELECT 'abc; SELECT 2");
        assertThat(texts("SELECT $$abc; SELECT 2")).containsExactly("SELECT $$abc; SELECT 2");
        // an unterminated comment is still only a comment: nothing after it runs
        assertThat(texts("SELECT 1 /* abc; SELECT 2")).containsExactly("SELECT 1");
    }

    @Test
    void emptyAndNullScripts() {
        assertThat(SqlScripts.split("")).isEmpty();
        assertThat(SqlScripts.split(null)).isEmpty();
        assertThat(SqlScripts.split(" \n-- c\n")).isEmpty();
    }
}
