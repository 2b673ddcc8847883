package dev.pgclone.operator.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PasswordUtil;

/**
 * Prepares a started clone over JDBC, as its superuser:
 * <ol>
 *   <li>reads {@code server_version};</li>
 *   <li>step {@value #CREDENTIALS_STEP}: gives each role of the request LOGIN, its password and no
 *       expiry (connected to {@code postgres}; roles are cluster-wide);</li>
 *   <li>one step per script, in the request's database, statement by statement with autocommit
 *       (see {@link SqlScripts}), each script on a fresh session so one script's {@code SET}s do
 *       not leak into the next.</li>
 * </ol>
 * The first failing step ends the preparation; later steps are neither run nor recorded.
 *
 * <p>Passwords never reach the server in clear text: the SCRAM-SHA-256 verifier is computed here
 * and sent instead, in a session that does not log statements, so neither the clone's log (whose
 * {@code log_statement} came from production) nor any error can show them. Every text of the result
 * is also redacted against the request's passwords.
 *
 * <p>Statements run with autocommit, so a script that fails half-way leaves its earlier statements
 * applied: the reconciler must not retry {@link PreparationResult#POST_CLONE_SQL_FAILED} on the same
 * copy.
 */
public final class JdbcClonePreparer implements ClonePreparer {

    public static final String CREDENTIALS_STEP = "credentials";

    private static final Logger LOG = Logger.getLogger(JdbcClonePreparer.class);

    /** Bound on the operator's own statements (version, role checks, ALTER ROLE); they are instant unless something is wrong. */
    static final Duration CONTROL_STATEMENT_TIMEOUT = Duration.ofSeconds(60);
    /** Added to a statement timeout to bound waits on a silent network; the server cancels first. */
    private static final Duration SOCKET_SLACK = Duration.ofSeconds(30);

    @Override
    public PreparationResult prepare(PreparationRequest request) {
        PreparationResult result = new Run(request).execute();
        if (result.succeeded()) {
            LOG.debugf("prepared clone at %s: %d steps", Jdbc.hostPort(request.host(), request.port()), result.steps().size());
        } else {
            LOG.debugf("preparing clone at %s failed: %s: %s", Jdbc.hostPort(request.host(), request.port()),
                    result.failureReason(), result.failureMessage());
        }
        return result;
    }

    static String leadingToken(String version) {
        if (version == null) {
            return null;
        }
        String trimmed = version.strip();
        int space = trimmed.indexOf(' ');
        return space < 0 ? trimmed : trimmed.substring(0, space);
    }

    /** The state of one preparation. */
    private static final class Run {
        private final PreparationRequest req;
        private final List<String> secrets = new ArrayList<>();
        private final List<StepOutcome> steps = new ArrayList<>();
        private String version;

        Run(PreparationRequest req) {
            this.req = req;
            secrets.add(req.superuserPassword());
            secrets.addAll(req.rolePasswords().values());
        }

        PreparationResult execute() {
            try (Connection c = connect(PreparationRequest.DEFAULT_DATABASE, CONTROL_STATEMENT_TIMEOUT.plus(SOCKET_SLACK))) {
                controlSession(c);
                version = readVersion(c);
                if (!req.rolePasswords().isEmpty()) {
                    PreparationResult failed = credentials(c);
                    if (failed != null) {
                        return failed;
                    }
                }
            } catch (ConnectFailed e) {
                return fail(e.reason, e.message);
            } catch (SQLException e) {
                // the session settings failed: the connection broke, or the role is not a superuser
                if (Jdbc.sqlState(e).startsWith("08")) {
                    return fail(PreparationResult.UNREACHABLE, "lost the connection to the clone at " + where()
                            + " (" + Jdbc.describe(e) + "): check that the clone Pod is still running");
                }
                return fail(PreparationResult.CREDENTIALS_FAILED, "cannot prepare a session on the clone at " + where()
                        + " as \"" + req.superuser() + "\" (" + Jdbc.describe(e) + "): spec.postgres.superuser must be a superuser");
            }
            for (int i = 0; i < req.scripts().size(); i++) {
                PreparationResult failed = script(req.scripts().get(i), i == req.scripts().size() - 1);
                if (failed != null) {
                    return failed;
                }
            }
            return PreparationResult.success(version, steps);
        }

        // ------------------------------------------------------------------ credentials

        /** Returns a failed result, or null when every role got its password. */
        private PreparationResult credentials(Connection c) {
            long start = System.nanoTime();
            if (req.rolePasswords().containsKey(req.superuser())) {
                // its password is the one in Secret <clone>-superuser; overwriting it would lock the operator out
                return credentialsFailed(start, PreparationResult.CREDENTIALS_FAILED,
                        "role \"" + req.superuser() + "\" is the clone's superuser",
                        "role \"" + req.superuser() + "\" is the clone's superuser, whose password the operator"
                                + " manages: remove it from spec.credentials.roles");
            }
            String role = null;
            try {
                List<String> missing = missingRoles(c);
                if (!missing.isEmpty()) {
                    String quoted = missing.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", "));
                    boolean one = missing.size() == 1;
                    return credentialsFailed(start, PreparationResult.ROLE_MISSING,
                            (one ? "role " : "roles ") + quoted + (one ? " does not exist" : " do not exist"),
                            (one ? "role " : "roles ") + quoted + (one ? " does not exist" : " do not exist")
                                    + " in the cloned database: remove " + (one ? "it" : "them")
                                    + " from spec.credentials.roles or create " + (one ? "it" : "them") + " in the source");
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement st = c.createStatement()) {
                    st.setEscapeProcessing(false);
                    for (var entry : req.rolePasswords().entrySet()) {
                        role = entry.getKey();
                        String verifier = PasswordUtil.encodeScramSha256(entry.getValue().toCharArray());
                        // VALID UNTIL 'infinity': a production role may carry an expiry that has passed
                        // or will, and the published password must keep working
                        st.execute("ALTER ROLE " + pg.escapeIdentifier(role) + " WITH LOGIN PASSWORD '"
                                + pg.escapeLiteral(verifier) + "' VALID UNTIL 'infinity'");
                    }
                }
            } catch (SQLException e) {
                String what = Jdbc.describe(e);
                String subject = role == null ? "checking the roles" : "setting the password of role \"" + role + "\"";
                return credentialsFailed(start, PreparationResult.CREDENTIALS_FAILED,
                        what + (role == null ? "" : " (role \"" + role + "\")"),
                        subject + " failed: " + what);
            }
            steps.add(new StepOutcome(CREDENTIALS_STEP, Jdbc.secondsSince(start), null, null));
            return null;
        }

        private List<String> missingRoles(Connection c) throws SQLException {
            List<String> missing = new ArrayList<>();
            Array names = c.createArrayOf("text", req.rolePasswords().keySet().toArray());
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT u.r FROM unnest(?::text[]) WITH ORDINALITY AS u(r, i)"
                            + " WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = u.r) ORDER BY u.i")) {
                ps.setArray(1, names);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        missing.add(rs.getString(1));
                    }
                }
            }
            return missing;
        }

        private PreparationResult credentialsFailed(long start, String reason, String stepError, String message) {
            steps.add(new StepOutcome(CREDENTIALS_STEP, Jdbc.secondsSince(start), null, redact(stepError)));
            return fail(reason, message);
        }

        // ------------------------------------------------------------------ scripts

        /** Runs one script on its own session; returns a failed result, or null. */
        private PreparationResult script(SqlScript script, boolean last) {
            long start = System.nanoTime();
            List<SqlScripts.SqlStatement> statements = SqlScripts.split(script.sql());
            long rows = 0;
            Duration socketTimeout = req.statementTimeout() == null ? null : req.statementTimeout().plus(SOCKET_SLACK);
            Connection c;
            try {
                c = connect(req.database(), socketTimeout);
            } catch (ConnectFailed e) {
                steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), null, redact(e.stepError)));
                return fail(e.reason, e.message);
            }
            SqlScripts.SqlStatement current = null;
            try (c; Statement st = c.createStatement()) {
                // JDBC escapes ({fn ...}, {d '...'}) are not SQL: send the text as written
                st.setEscapeProcessing(false);
                // explicit, because the clone carries production's per-database and per-role
                // settings, where a statement_timeout of seconds is common
                long timeoutMs = req.statementTimeout() == null ? 0 : Math.max(1, req.statementTimeout().toMillis());
                st.execute("SET statement_timeout = " + timeoutMs);
                st.execute("SET password_encryption = 'scram-sha-256'");
                for (SqlScripts.SqlStatement s : statements) {
                    current = s;
                    if (Thread.currentThread().isInterrupted()) {
                        steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), rows,
                                "interrupted before statement " + s.number() + " (line " + s.line() + ")"));
                        return fail(PreparationResult.INTERRUPTED, "preparation was interrupted before statement "
                                + s.number() + " of post-clone script \"" + script.name() + "\"");
                    }
                    rows += execute(st, s.sql());
                }
                current = null;
                if (c.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE) {
                    // psql would roll it back at the end of the file too; committing silently could
                    // hide a forgotten COMMIT that the author meant to place elsewhere
                    st.execute("ROLLBACK");
                    String error = "the script left a transaction open (BEGIN without COMMIT); it was rolled back";
                    steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), rows, error));
                    return fail(PreparationResult.POST_CLONE_SQL_FAILED, "post-clone script \"" + script.name()
                            + "\" left a transaction open (BEGIN without COMMIT), which was rolled back: end it with COMMIT"
                            + (last ? "" : "; later scripts were not run"));
                }
            } catch (SQLException e) {
                String what = Jdbc.describe(e);
                String at = current == null ? "" : " (statement " + current.number() + ", line " + current.lineOfPosition(position(e)) + ")";
                steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), rows, redact(what + at)));
                String message = "post-clone script \"" + script.name() + "\" failed"
                        + (current == null ? "" : " at statement " + current.number() + " (line " + current.lineOfPosition(position(e)) + ")")
                        + ": " + what + (last ? "" : "; later scripts were not run");
                return fail(PreparationResult.POST_CLONE_SQL_FAILED, message);
            }
            steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), rows, null));
            return null;
        }

        /** Executes one statement; returns the rows it affected (the sum of all its update counts). */
        private static long execute(Statement st, String sql) throws SQLException {
            long rows = 0;
            boolean isResultSet = st.execute(sql);
            while (true) {
                if (isResultSet) {
                    // a SELECT's rows are not "affected"; close so the next result can be read
                    st.getResultSet().close();
                } else {
                    long count = st.getLargeUpdateCount();
                    if (count == -1) {
                        return rows;
                    }
                    rows += count;
                }
                isResultSet = st.getMoreResults();
            }
        }

        /** The 1-based character position the server gave for an error in the statement, or 0. */
        private static int position(SQLException e) {
            if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
                return p.getServerErrorMessage().getPosition();
            }
            return 0;
        }

        // ------------------------------------------------------------------ connections

        private Connection connect(String database, Duration socketTimeout) throws ConnectFailed {
            Jdbc.Target target = new Jdbc.Target(req.host(), req.port(), database, req.superuser(), req.superuserPassword(), "disable");
            try {
                return Jdbc.connect(target, req.connectTimeout(), socketTimeout);
            } catch (SQLException e) {
                throw connectFailed(e, database);
            }
        }

        private ConnectFailed connectFailed(SQLException e, String database) {
            String what = Jdbc.describe(e);
            if (Thread.currentThread().isInterrupted()) {
                return new ConnectFailed(what, PreparationResult.INTERRUPTED,
                        "preparation was interrupted while connecting to the clone at " + where());
            }
            if (Jdbc.isAuthenticationFailure(e)) {
                return new ConnectFailed(what, PreparationResult.AUTHENTICATION_FAILED,
                        "cannot log in to the clone at " + where() + " as \"" + req.superuser() + "\" (" + what
                                + "): check that the clone was started with the password of its superuser Secret"
                                + " and that its pg_hba.conf allows scram-sha-256 over TCP");
            }
            if (Jdbc.isMissingDatabase(e)) {
                String hint = PreparationRequest.DEFAULT_DATABASE.equals(database)
                        ? "the operator connects to it to set passwords: create it in the source"
                        : "set spec.credentials.database to a database that exists in the source";
                return new ConnectFailed(what, PreparationResult.DATABASE_MISSING,
                        "database \"" + database + "\" does not exist in the clone at " + where() + ": " + hint);
            }
            return new ConnectFailed(what, PreparationResult.UNREACHABLE,
                    "cannot connect to the clone at " + where() + " within " + Jdbc.human(req.connectTimeout())
                            + " (" + what + "): check that the clone Pod is running and ready and that the operator"
                            + " can reach its IP (NetworkPolicy)");
        }

        /**
         * Settings of the operator's own session: SCRAM for anything that hashes a password here,
         * and no statement logging, because the clone runs with production's logging settings and
         * ALTER ROLE ... PASSWORD would otherwise be written to its log.
         */
        private static void controlSession(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("SET password_encryption = 'scram-sha-256'");
                st.execute("SET log_statement = 'none'");
                st.execute("SET log_min_duration_statement = -1");
                st.execute("SET log_min_error_statement = 'panic'");
                st.execute("SET statement_timeout = " + CONTROL_STATEMENT_TIMEOUT.toMillis());
            }
        }

        /** {@code SHOW server_version} up to the first space: "16.4 (Debian 16.4-1.pgdg120+1)" is 16.4. */
        private static String readVersion(Connection c) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
                return rs.next() ? leadingToken(rs.getString(1)) : null;
            } catch (SQLException e) {
                // the version is informative; preparation does not depend on it
                return null;
            }
        }

        private String where() {
            return Jdbc.hostPort(req.host(), req.port());
        }

        private String redact(String text) {
            return Jdbc.redact(text, secrets);
        }

        private PreparationResult fail(String reason, String message) {
            return PreparationResult.failure(reason, redact(message), version, steps);
        }
    }

    /** A connection that could not be opened: the failure to report, and the error for a step that needed it. */
    private static final class ConnectFailed extends Exception {
        final String stepError;
        final String reason;
        final String message;

        ConnectFailed(String stepError, String reason, String message) {
            super(null, null, false, false);
            this.stepError = stepError;
            this.reason = reason;
            this.message = message;
        }
    }
}
