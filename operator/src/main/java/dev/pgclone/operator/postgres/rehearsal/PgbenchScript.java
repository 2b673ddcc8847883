package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.SqlScripts;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A workload "query" written as a pgbench custom script: one execution runs the script's SQL
 * statements one after another on one session, with autocommit (a {@code BEGIN ... END} written
 * in the script is a transaction block, as pgbench runs it; an error rolls an open block back).
 * The whole script's run is one execution of the query named after the script.
 *
 * <p>The subset of pgbench's script language understood here, chosen because it is what scripts
 * that model an application's queries use:
 * <ul>
 *   <li>SQL statements, each ending with a semicolon, over as many lines as they like; comments as
 *       in SQL;</li>
 *   <li>{@code \set name expression}: integer arithmetic with {@code + - * / %}, unary minus,
 *       parentheses, integer literals, variables as {@code :name}, and {@code random(lb, ub)} (a
 *       uniformly distributed integer from lb to ub, both included). Division truncates toward
 *       zero and {@code %} keeps the dividend's sign, as pgbench's; an overflow, a division by zero
 *       or an empty random range fails that execution with SQLSTATE 22003, 22012 or 22023. A
 *       line ending with a backslash continues on the next;</li>
 *   <li>{@code :name} in SQL is replaced by the variable's value where a {@code \set} on an earlier
 *       line, or the predefined {@code client_id} (the session's number, from 0), gives that name.
 *       As in pgbench, the text is replaced wherever it appears, inside quotes too, {@code ::} (a
 *       cast) is left alone, and a name no earlier line sets is left as written.</li>
 * </ul>
 * Everything else is refused when the script is read, with its line: the other meta-commands
 * ({@code \sleep}, {@code \if}, {@code \setshell}, {@code \gset}, pipelines...), the other functions
 * and operators of pgbench's expressions, and non-integer numbers.
 */
public final class PgbenchScript {

    /** The variable every session has: its number among the query's sessions, from 0. */
    public static final String CLIENT_ID = "client_id";

    private static final Pattern RESULT_META = Pattern.compile("\\\\(gset|aset)(\\s+\\w*)?\\s*$");

    private final String name;
    private final List<Command> commands;
    private final List<String> statements;

    private PgbenchScript(String name, List<Command> commands) {
        this.name = name;
        this.commands = List.copyOf(commands);
        this.statements = this.commands.stream().filter(c -> c instanceof Sql).map(c -> ((Sql) c).text()).toList();
    }

    /**
     * Reads a script.
     *
     * @throws IllegalArgumentException naming the script and the line of the first thing outside
     *                                  the supported subset, or when it has no SQL statement
     */
    public static PgbenchScript parse(String name, String text) {
        return new Parser(name, text == null ? "" : text).run();
    }

    /** One statement run as written, without variables: a plain {@link WorkloadQuery}. */
    static PgbenchScript literal(String name, String sql) {
        return new PgbenchScript(name, List.of(new Sql(1, sql, List.of(new Segment(sql, null)))));
    }

    public String name() {
        return name;
    }

    /** The script's SQL statements as written, in order. */
    public List<String> statements() {
        return statements;
    }

    /** A session's state: its variables and its random numbers. */
    Session session(int clientId, long seed) {
        return new Session(clientId, seed);
    }

    /** The variables of one session, which live on from one execution to the next, as pgbench's do. */
    final class Session {
        private final Map<String, Long> variables = new HashMap<>();
        private final SplittableRandom random;

        private Session(int clientId, long seed) {
            variables.put(CLIENT_ID, (long) clientId);
            random = new SplittableRandom(seed);
        }

        /**
         * Evaluates the script's {@code \set} lines in order and returns its SQL statements with
         * the variables filled in, ready to run.
         *
         * @throws SQLException with SQLSTATE 22003, 22012 or 22023 when an expression fails
         */
        List<String> next() throws SQLException {
            List<String> out = new ArrayList<>(statements.size());
            for (Command c : commands) {
                if (c instanceof Assign a) {
                    try {
                        variables.put(a.variable(), a.expression().eval(variables, random));
                    } catch (EvaluationException e) {
                        throw new SQLException("pgbench script \"" + name + "\", line " + a.line() + ": " + e.getMessage(), e.sqlState);
                    }
                } else {
                    out.add(((Sql) c).fill(variables));
                }
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ the script's commands

    private sealed interface Command permits Assign, Sql {}

    private record Assign(int line, String variable, Expr expression) implements Command {}

    /** A statement cut at its variable references; a segment is literal text or a variable. */
    private record Sql(int line, String text, List<Segment> segments) implements Command {
        String fill(Map<String, Long> variables) {
            if (segments.size() == 1 && segments.get(0).variable() == null) {
                return segments.get(0).text();
            }
            StringBuilder b = new StringBuilder(text.length() + 16);
            for (Segment s : segments) {
                if (s.variable() == null) {
                    b.append(s.text());
                } else {
                    long v = variables.get(s.variable());
                    // "x -:v" with v = -5 must not become the comment "--5"
                    if (v < 0 && b.length() > 0 && b.charAt(b.length() - 1) == '-') {
                        b.append(' ');
                    }
                    b.append(v);
                }
            }
            return b.toString();
        }
    }

    private record Segment(String text, String variable) {}

    // ------------------------------------------------------------------ expressions

    private static final class EvaluationException extends Exception {
        private final String sqlState;

        EvaluationException(String message, String sqlState) {
            super(message);
            this.sqlState = sqlState;
        }
    }

    private sealed interface Expr permits Num, Var, Neg, Binary, Random {
        long eval(Map<String, Long> variables, SplittableRandom random) throws EvaluationException;
    }

    private record Num(long value) implements Expr {
        @Override
        public long eval(Map<String, Long> variables, SplittableRandom random) {
            return value;
        }
    }

    private record Var(String name) implements Expr {
        @Override
        public long eval(Map<String, Long> variables, SplittableRandom random) {
            return variables.get(name);
        }
    }

    private record Neg(Expr operand) implements Expr {
        @Override
        public long eval(Map<String, Long> variables, SplittableRandom random) throws EvaluationException {
            long v = operand.eval(variables, random);
            if (v == Long.MIN_VALUE) {
                throw outOfRange();
            }
            return -v;
        }
    }

    private record Binary(char op, Expr left, Expr right) implements Expr {
        @Override
        public long eval(Map<String, Long> variables, SplittableRandom random) throws EvaluationException {
            long a = left.eval(variables, random);
            long b = right.eval(variables, random);
            try {
                return switch (op) {
                    case '+' -> Math.addExact(a, b);
                    case '-' -> Math.subtractExact(a, b);
                    case '*' -> Math.multiplyExact(a, b);
                    case '/' -> {
                        requireDivisor(b);
                        if (a == Long.MIN_VALUE && b == -1) {
                            throw outOfRange();
                        }
                        yield a / b;
                    }
                    case '%' -> {
                        requireDivisor(b);
                        // MIN_VALUE % -1 is 0, which Java computes without trouble
                        yield a % b;
                    }
                    default -> throw new IllegalStateException("operator " + op);
                };
            } catch (ArithmeticException e) {
                throw outOfRange();
            }
        }

        private static void requireDivisor(long b) throws EvaluationException {
            if (b == 0) {
                throw new EvaluationException("division by zero", "22012");
            }
        }
    }

    private record Random(Expr low, Expr high) implements Expr {
        @Override
        public long eval(Map<String, Long> variables, SplittableRandom random) throws EvaluationException {
            long lo = low.eval(variables, random);
            long hi = high.eval(variables, random);
            if (lo > hi) {
                throw new EvaluationException("empty range given to random(" + lo + ", " + hi + ")", "22023");
            }
            if (hi < Long.MAX_VALUE) {
                return random.nextLong(lo, hi + 1);
            }
            if (lo > Long.MIN_VALUE) {
                return random.nextLong(lo - 1, hi) + 1;
            }
            return random.nextLong();
        }
    }

    private static EvaluationException outOfRange() {
        return new EvaluationException("bigint out of range", "22003");
    }

    // ------------------------------------------------------------------ reading a script

    private static final class Parser {
        private final String name;
        private final String[] lines;
        private final List<Command> commands = new ArrayList<>();
        private final Set<String> defined = new HashSet<>(Set.of(CLIENT_ID));
        private final StringBuilder sqlChunk = new StringBuilder();
        private int sqlChunkLine;

        Parser(String name, String text) {
            this.name = name;
            this.lines = text.split("\r?\n", -1);
        }

        PgbenchScript run() {
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                String trimmed = line.strip();
                if (trimmed.startsWith("\\")) {
                    flushSql();
                    int first = i + 1;
                    StringBuilder command = new StringBuilder(trimmed);
                    while (endsWithBackslash(command) && i + 1 < lines.length) {
                        command.setLength(command.length() - 1);
                        command.append(' ').append(lines[++i].strip());
                    }
                    meta(command.toString(), first);
                } else {
                    Matcher m = RESULT_META.matcher(trimmed);
                    if (m.find()) {
                        throw refused(i + 1, "\\" + m.group(1) + " is not supported");
                    }
                    if (sqlChunk.length() == 0) {
                        sqlChunkLine = i + 1;
                    }
                    sqlChunk.append(line).append('\n');
                }
            }
            flushSql();
            if (commands.stream().noneMatch(c -> c instanceof Sql)) {
                throw new IllegalArgumentException("pgbench script \"" + name + "\" has no SQL statement");
            }
            return new PgbenchScript(name, commands);
        }

        private static boolean endsWithBackslash(StringBuilder b) {
            return b.length() > 1 && b.charAt(b.length() - 1) == '\\';
        }

        private void meta(String command, int line) {
            int space = indexOfWhitespace(command);
            String word = space < 0 ? command : command.substring(0, space);
            if (!word.equals("\\set")) {
                throw refused(line, word + " is not supported");
            }
            String rest = space < 0 ? "" : command.substring(space).strip();
            int nameEnd = 0;
            while (nameEnd < rest.length() && isNameChar(rest.charAt(nameEnd))) {
                nameEnd++;
            }
            String variable = rest.substring(0, nameEnd);
            String expression = rest.substring(nameEnd).strip();
            if (variable.isEmpty() || (nameEnd < rest.length() && !Character.isWhitespace(rest.charAt(nameEnd)))) {
                throw refused(line, "\\set needs a variable name (letters, digits, _) and an expression");
            }
            if (expression.isEmpty()) {
                throw refused(line, "\\set " + variable + " has no expression");
            }
            Expr expr = new ExpressionParser(expression, line).parse();
            commands.add(new Assign(line, variable, expr));
            defined.add(variable);
        }

        private void flushSql() {
            if (sqlChunk.length() == 0) {
                return;
            }
            for (SqlScripts.SqlStatement s : SqlScripts.split(sqlChunk.toString())) {
                commands.add(new Sql(sqlChunkLine + s.line() - 1, s.sql(), segments(s.sql())));
            }
            sqlChunk.setLength(0);
        }

        /** Cuts a statement at the {@code :name} references to variables set on earlier lines. */
        private List<Segment> segments(String sql) {
            List<Segment> out = new ArrayList<>();
            int literalStart = 0;
            int i = 0;
            while (i < sql.length()) {
                if (sql.charAt(i) != ':') {
                    i++;
                    continue;
                }
                if (i + 1 < sql.length() && sql.charAt(i + 1) == ':') {
                    while (i < sql.length() && sql.charAt(i) == ':') {
                        i++;
                    }
                    continue;
                }
                int end = i + 1;
                while (end < sql.length() && isNameChar(sql.charAt(end))) {
                    end++;
                }
                String variable = sql.substring(i + 1, end);
                if (!variable.isEmpty() && defined.contains(variable)) {
                    if (i > literalStart) {
                        out.add(new Segment(sql.substring(literalStart, i), null));
                    }
                    out.add(new Segment(null, variable));
                    literalStart = end;
                }
                i = Math.max(end, i + 1);
            }
            if (literalStart < sql.length() || out.isEmpty()) {
                out.add(new Segment(sql.substring(literalStart), null));
            }
            return out;
        }

        private IllegalArgumentException refused(int line, String what) {
            return new IllegalArgumentException("pgbench script \"" + name + "\", line " + line + ": " + what
                    + "; a workload script may use SQL statements and \\set with integer arithmetic (+ - * / %), :variables"
                    + " and random(lb, ub) only");
        }

        /** Recursive descent over one {@code \set} expression, with the usual precedence. */
        private final class ExpressionParser {
            private final String s;
            private final int line;
            private int pos;

            ExpressionParser(String s, int line) {
                this.s = s;
                this.line = line;
            }

            Expr parse() {
                Expr e = sum();
                skipSpace();
                if (pos < s.length()) {
                    throw error("unexpected \"" + s.substring(pos) + "\"");
                }
                return e;
            }

            private Expr sum() {
                Expr e = product();
                while (true) {
                    skipSpace();
                    if (peek('+') || peek('-')) {
                        char op = s.charAt(pos++);
                        e = new Binary(op, e, product());
                    } else {
                        return e;
                    }
                }
            }

            private Expr product() {
                Expr e = unary();
                while (true) {
                    skipSpace();
                    if (peek('*') || peek('/') || peek('%')) {
                        char op = s.charAt(pos++);
                        e = new Binary(op, e, unary());
                    } else {
                        return e;
                    }
                }
            }

            private Expr unary() {
                skipSpace();
                if (peek('-')) {
                    pos++;
                    return new Neg(unary());
                }
                if (peek('+')) {
                    pos++;
                    return unary();
                }
                return primary();
            }

            private Expr primary() {
                skipSpace();
                if (pos >= s.length()) {
                    throw error("the expression ends too early");
                }
                char c = s.charAt(pos);
                if (c == '(') {
                    pos++;
                    Expr e = sum();
                    expect(')');
                    return e;
                }
                if (Character.isDigit(c)) {
                    return number();
                }
                if (c == ':') {
                    pos++;
                    String variable = name();
                    if (variable.isEmpty()) {
                        throw error("a variable name must follow ':'");
                    }
                    if (!defined.contains(variable)) {
                        throw error("variable :" + variable + " is not set on an earlier line");
                    }
                    return new Var(variable);
                }
                if (Character.isLetter(c) || c == '_') {
                    String function = name();
                    skipSpace();
                    if (!function.equalsIgnoreCase("random")) {
                        throw error(peek('(') ? "function " + function + "() is not supported"
                                : "\"" + function + "\" is neither a number nor a :variable");
                    }
                    expect('(');
                    Expr low = sum();
                    expect(',');
                    Expr high = sum();
                    expect(')');
                    return new Random(low, high);
                }
                throw error("unexpected \"" + s.substring(pos) + "\"");
            }

            private Expr number() {
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                    pos++;
                }
                if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                    throw error("only integers are supported, not " + s.substring(start));
                }
                try {
                    return new Num(Long.parseLong(s.substring(start, pos)));
                } catch (NumberFormatException e) {
                    throw error("integer " + s.substring(start, pos) + " is out of range");
                }
            }

            private String name() {
                int start = pos;
                while (pos < s.length() && isNameChar(s.charAt(pos))) {
                    pos++;
                }
                return s.substring(start, pos);
            }

            private void expect(char c) {
                skipSpace();
                if (!peek(c)) {
                    throw error("expected '" + c + "'" + (pos < s.length() ? " at \"" + s.substring(pos) + "\"" : " at the end"));
                }
                pos++;
            }

            private boolean peek(char c) {
                return pos < s.length() && s.charAt(pos) == c;
            }

            private void skipSpace() {
                while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                    pos++;
                }
            }

            private IllegalArgumentException error(String what) {
                return refused(line, "in \"" + s + "\": " + what);
            }
        }
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
