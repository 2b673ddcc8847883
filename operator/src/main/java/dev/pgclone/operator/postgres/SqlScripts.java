package dev.pgclone.operator.postgres;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Splits a SQL script into statements the way psql would, so that post-clone scripts can run one
 * statement at a time with autocommit on. Statement by statement is what lets a script contain
 * {@code CREATE INDEX CONCURRENTLY} or {@code VACUUM} (which refuse to run inside a transaction
 * block, and a multi-statement query string is one implicit transaction), and what lets a failure
 * name the statement and line that failed.
 *
 * <p>A semicolon ends a statement unless it is inside a string ({@code '...'}, {@code E'...'} with
 * backslash escapes), a quoted identifier, a dollar-quoted body ({@code $$...$$}, {@code $tag$...$tag$}),
 * a comment ({@code --} to the end of the line, nested {@code /* ... *}{@code /}), parentheses, or
 * the {@code BEGIN ATOMIC ... END} body of a SQL-standard {@code CREATE FUNCTION/PROCEDURE}.
 * Empty statements and statements made only of comments are dropped. psql meta-commands
 * ({@code \connect}, {@code \copy}) are not interpreted: the server rejects them with a syntax error
 * that names the statement, which is the honest answer for a script that needs psql.
 *
 * <p>Assumes {@code standard_conforming_strings = on} (the default since PostgreSQL 9.1): a
 * backslash escapes a quote only in {@code E''} strings.
 */
public final class SqlScripts {

    /**
     * One statement of a script.
     *
     * @param number 1-based among the script's non-empty statements, as reported to users
     * @param line   1-based line of the script on which the statement's first token stands
     * @param offset index in the script of that first token
     * @param sql    the statement text without its terminating semicolon, leading comments and
     *               trailing whitespace
     */
    public record SqlStatement(int number, int line, int offset, String sql) {

        /**
         * The script line holding the given 1-based character position of {@link #sql()}, which is
         * how PostgreSQL reports where in a statement an error is; the statement's first line when
         * the server gave no position.
         */
        public int lineOfPosition(int position) {
            int line = this.line;
            int end = Math.min(position - 1, sql.length());
            for (int i = 0; i < end; i++) {
                if (sql.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }
    }

    private SqlScripts() {}

    public static List<SqlStatement> split(String script) {
        return new Splitter(script == null ? "" : script).run();
    }

    /** One pass over the text; the state is small enough to keep in fields. */
    private static final class Splitter {
        private final String s;
        private final int n;
        private final int[] lineStarts;
        private final List<SqlStatement> out = new ArrayList<>();

        private int start = -1;          // first significant character of the current statement
        private int lastSignificantEnd;  // index after the last token, to trim trailing comments/space
        private int parenDepth;
        private int beginDepth;
        // psql's heuristic for SQL-standard function bodies: remember the first letters of the
        // statement's first four words when they are CREATE / OR / REPLACE / FUNCTION / PROCEDURE.
        private final char[] leadingWords = new char[4];
        private int wordCount;

        Splitter(String s) {
            this.s = s;
            this.n = s.length();
            this.lineStarts = lineStarts(s);
        }

        List<SqlStatement> run() {
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '-' && next(i) == '-') {
                    i = endOfLineComment(i);
                } else if (c == '/' && next(i) == '*') {
                    i = endOfBlockComment(i);
                } else if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == ';' && parenDepth == 0 && beginDepth == 0) {
                    emit();
                    i++;
                } else {
                    if (start < 0) {
                        start = i;
                    }
                    i = token(i);
                    lastSignificantEnd = i;
                }
            }
            emit();
            return out;
        }

        /** Consumes one significant token starting at {@code i}; returns the index after it. */
        private int token(int i) {
            char c = s.charAt(i);
            if (c == '\'') {
                return endOfString(i, false);
            }
            if (c == '"') {
                return endOfQuotedIdentifier(i);
            }
            if (c == '$') {
                int afterTag = dollarTagEnd(i);
                if (afterTag > 0) {
                    String tag = s.substring(i, afterTag);
                    int close = s.indexOf(tag, afterTag);
                    return close < 0 ? n : close + tag.length();
                }
                // a positional parameter ($1) or a stray dollar: digits are ordinary characters
                return i + 1;
            }
            if (isIdentStart(c)) {
                // E'...' (and e'...') is a string with backslash escapes, not the word E
                if ((c == 'E' || c == 'e') && next(i) == '\'') {
                    return endOfString(i + 1, true);
                }
                int j = i + 1;
                while (j < n && isIdentPart(s.charAt(j))) {
                    j++;
                }
                word(s.substring(i, j));
                return j;
            }
            if (Character.isDigit(c)) {
                // numbers such as 1e10, 0x1F, 1_000, 1.5: consume them whole so their letters are
                // not mistaken for words like END
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '.')) {
                    j++;
                }
                return j;
            }
            if (c == '(') {
                parenDepth++;
            } else if (c == ')' && parenDepth > 0) {
                parenDepth--;
            }
            return i + 1;
        }

        /** Tracks BEGIN ... END (with CASE ... END nested inside) in CREATE [OR REPLACE] FUNCTION/PROCEDURE. */
        private void word(String w) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (wordCount < leadingWords.length) {
                switch (lower) {
                    case "create", "or", "replace", "function", "procedure" -> leadingWords[wordCount] = lower.charAt(0);
                    default -> leadingWords[wordCount] = 0;
                }
            }
            wordCount++;
            boolean routine = leadingWords[0] == 'c'
                    && (leadingWords[1] == 'f' || leadingWords[1] == 'p'
                        || (leadingWords[1] == 'o' && leadingWords[2] == 'r'
                            && (leadingWords[3] == 'f' || leadingWords[3] == 'p')));
            if (!routine || parenDepth != 0) {
                return;
            }
            switch (lower) {
                case "begin" -> beginDepth++;
                // CASE closes with END too; it only matters inside a body
                case "case" -> {
                    if (beginDepth > 0) {
                        beginDepth++;
                    }
                }
                case "end" -> {
                    if (beginDepth > 0) {
                        beginDepth--;
                    }
                }
                default -> { }
            }
        }

        private void emit() {
            if (start >= 0) {
                String sql = s.substring(start, lastSignificantEnd);
                out.add(new SqlStatement(out.size() + 1, lineOf(start), start, sql));
            }
            start = -1;
            parenDepth = 0;
            beginDepth = 0;
            wordCount = 0;
            Arrays.fill(leadingWords, (char) 0);
        }

        private int endOfLineComment(int i) {
            int nl = s.indexOf('\n', i);
            return nl < 0 ? n : nl + 1;
        }

        /** PostgreSQL block comments nest; an unterminated one runs to the end (the server will say so). */
        private int endOfBlockComment(int i) {
            int depth = 0;
            int j = i;
            while (j < n) {
                if (s.charAt(j) == '/' && next(j) == '*') {
                    depth++;
                    j += 2;
                } else if (s.charAt(j) == '*' && next(j) == '/') {
                    depth--;
                    j += 2;
                    if (depth == 0) {
                        return j;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }

        /** {@code i} is the opening quote; '' is a quote inside; with backslashes, \x escapes x. */
        private int endOfString(int i, boolean backslashEscapes) {
            int j = i + 1;
            while (j < n) {
                char c = s.charAt(j);
                if (backslashEscapes && c == '\\') {
                    j += 2;
                } else if (c == '\'') {
                    if (next(j) == '\'') {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }

        private int endOfQuotedIdentifier(int i) {
            int j = i + 1;
            while (j < n) {
                if (s.charAt(j) == '"') {
                    if (next(j) == '"') {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }

        /**
         * If a dollar-quote opening tag ({@code $$} or {@code $name$}, name not starting with a
         * digit) starts at {@code i}, the index after it; else -1. A dollar inside an identifier
         * never gets here: identifiers consume their dollars.
         */
        private int dollarTagEnd(int i) {
            int j = i + 1;
            if (j < n && s.charAt(j) == '$') {
                return j + 1;
            }
            if (j >= n || !isIdentStart(s.charAt(j))) {
                return -1;
            }
            j++;
            while (j < n && isIdentPart(s.charAt(j)) && s.charAt(j) != '$') {
                j++;
            }
            return j < n && s.charAt(j) == '$' ? j + 1 : -1;
        }

        private char next(int i) {
            return i + 1 < n ? s.charAt(i + 1) : 0;
        }

        private int lineOf(int index) {
            int pos = Arrays.binarySearch(lineStarts, index);
            return pos >= 0 ? pos + 1 : -pos - 1;
        }

        private static int[] lineStarts(String s) {
            List<Integer> starts = new ArrayList<>();
            starts.add(0);
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '\n') {
                    starts.add(i + 1);
                }
            }
            return starts.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    // PostgreSQL's lexer: identifiers start with a letter, underscore or any non-ASCII character,
    // and continue with those, digits and dollars.
    static boolean isIdentStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    static boolean isIdentPart(char c) {
        return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
    }
}
