package dev.pgclone.operator.postgres;

import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.ServerVersion;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;

/**
 * Prepares a started clone over JDBC, as its superuser, logged in with the password only the
 * operator knows (the clone Pod started with its verifier):
 * <ol>
 *   <li>reads {@code server_version} and checks that every role of the request exists;</li>
 *   <li>one step per script, in the request's database, statement by statement with autocommit
 *       (see {@link SqlScripts}), each script on a fresh session so one script's {@code SET}s do
 *       not leak into the next;</li>
 *   <li>last, step {@value #CREDENTIALS_STEP}: in one transaction, the superuser's published
 *       password and each role's LOGIN, password and no expiry (roles are cluster-wide). Before
 *       it, no published credential opens the clone, so nobody reads rows the scripts have not
 *       masked yet; after it, the operator's password no longer works.</li>
 * </ol>
 * The first failing step ends the preparation; later steps are neither run nor recorded, so a
 * failed preparation leaves every published credential invalid.
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

    /**
     * Settings of every session of the operator on a clone, sent at login. The clone carries
     * production's {@code ALTER ROLE/DATABASE ... SET} settings, and the consumer's
     * {@code spec.postgres.parameters} are the server's defaults; a client's startup settings win
     * over both, so neither can
     * <ul>
     *   <li>skip the triggers masking relies on ({@code session_replication_role=replica});</li>
     *   <li>write statements, and with them password verifiers or unmasked literals, to the log, to
     *       pgaudit or to pg_stat_statements;</li>
     *   <li>make the scripts fail early or never end (their own timeout replaces production's);</li>
     *   <li>make the session read-only or hash a password with md5.</li>
     * </ul>
     */
    static Map<String, String> sessionSettings(Duration statementTimeout) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("session_replication_role", "origin");
        s.put("default_transaction_read_only", "off");
        // the server's limit is INT_MAX ms (about 24 days); longer script timeouts rely on the watchdog alone
        long ms = statementTimeout == null ? 0 : Math.max(1, Math.min(Integer.MAX_VALUE, statementTimeout.toMillis()));
        s.put("statement_timeout", Long.toString(ms));
        s.put("idle_in_transaction_session_timeout", "0");
        s.put("password_encryption", "scram-sha-256");
        // a masked-snapshot build's rewrite of the tables the masking touched reads the statistics counters
        s.put("track_counts", "on");
        s.put("log_statement", "none");
        s.put("log_min_duration_statement", "-1");
        s.put("log_min_error_statement", "panic");
        s.put("log_duration", "off");
        s.put("debug_print_parse", "off");
        s.put("debug_print_rewritten", "off");
        s.put("debug_print_plan", "off");
        // extension settings: placeholders where the extension is not loaded
        s.put("pgaudit.log", "none");
        s.put("pg_stat_statements.track", "none");
        s.put("pg_stat_statements.track_utility", "off");
        return s;
    }

    @Override
    public MaskingResult finishMasking(MaskingRequest request) {
        return JdbcMaskingFinisher.finish(request);
    }

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
            secrets.add(req.operatorPassword());
            secrets.add(req.superuserPassword());
            secrets.addAll(req.rolePasswords().values());
        }

        PreparationResult execute() {
            try (Connection c = connect(Defaults.DATABASE, CONTROL_STATEMENT_TIMEOUT, CONTROL_STATEMENT_TIMEOUT.plus(SOCKET_SLACK))) {
                version = readVersion(c);
                // before any script runs: a role that cannot get its password fails the clone
                // while the copy is still untouched
                PreparationResult failed = checkRoles(c);
                if (failed != null) {
                    return failed;
                }
            } catch (ConnectFailed e) {
                return fail(e.reason, e.message);
            } catch (SQLException e) {
                return sessionFailed(e);
            }
            for (int i = 0; i < req.scripts().size(); i++) {
                PreparationResult failed = script(req.scripts().get(i), i == req.scripts().size() - 1);
                if (failed != null) {
                    return failed;
                }
            }
            PreparationResult failed = publishCredentials();
            return failed != null ? failed : PreparationResult.success(version, steps);
        }

        private PreparationResult sessionFailed(SQLException e) {
            // the session settings failed: the connection broke, or the role is not a superuser
            if (Jdbc.sqlState(e).startsWith("08")) {
                return fail(PreparationResult.UNREACHABLE, "lost the connection to the clone at " + where()
                        + " (" + Jdbc.describe(e) + "): check that the clone Pod is still running");
            }
            return fail(PreparationResult.CREDENTIALS_FAILED, "cannot prepare a session on the clone at " + where()
                    + " as \"" + req.superuser() + "\" (" + Jdbc.describe(e) + "): spec.postgres.superuser must be a superuser");
        }

        // ------------------------------------------------------------------ credentials

        /** Returns a failed result when a role of the request cannot get its password, else null. */
        private PreparationResult checkRoles(Connection c) throws SQLException {
            long start = System.nanoTime();
            if (req.rolePasswords().containsKey(req.superuser())) {
                // its password is the one in Secret <clone>-superuser, set in the same last step
                return credentialsFailed(start, PreparationResult.CREDENTIALS_FAILED,
                        "role \"" + req.superuser() + "\" is the clone's superuser",
                        "role \"" + req.superuser() + "\" is the clone's superuser, whose password the operator"
                                + " manages: remove it from spec.credentials.roles");
            }
            if (req.rolePasswords().isEmpty()) {
                return null;
            }
            List<String> missing = missingRoles(c);
            if (missing.isEmpty()) {
                return null;
            }
            String quoted = missing.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", "));
            boolean one = missing.size() == 1;
            return credentialsFailed(start, PreparationResult.ROLE_MISSING,
                    (one ? "role " : "roles ") + quoted + (one ? " does not exist" : " do not exist"),
                    (one ? "role " : "roles ") + quoted + (one ? " does not exist" : " do not exist")
                            + " in the cloned database: remove " + (one ? "it" : "them")
                            + " from spec.credentials.roles or create " + (one ? "it" : "them") + " in the source");
        }

        /**
         * The last step: the superuser's published password and those of {@code credentials.roles},
         * in one transaction, so that either every published credential works or none does, and
         * none before every script has run. The operator's own password stops working here.
         */
        private PreparationResult publishCredentials() {
            long start = System.nanoTime();
            Connection c;
            try {
                c = connect(Defaults.DATABASE, CONTROL_STATEMENT_TIMEOUT, CONTROL_STATEMENT_TIMEOUT.plus(SOCKET_SLACK));
            } catch (ConnectFailed e) {
                steps.add(new StepOutcome(CREDENTIALS_STEP, Jdbc.secondsSince(start), null, redact(e.stepError)));
                return fail(e.reason, e.message);
            }
            String role = null;
            try (c) {
                List<String> missing = missingRoles(c);
                if (!missing.isEmpty()) {
                    // a script dropped it
                    String quoted = missing.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", "));
                    return credentialsFailed(start, PreparationResult.ROLE_MISSING, "no longer exists: " + quoted,
                            "role(s) " + quoted + " of spec.credentials.roles no longer exist after the post-clone scripts ran");
                }
                c.setAutoCommit(false);
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement st = c.createStatement()) {
                    st.setEscapeProcessing(false);
                    role = req.superuser();
                    alterPassword(st, pg, role, req.superuserPassword());
                    for (var entry : req.rolePasswords().entrySet()) {
                        role = entry.getKey();
                        alterPassword(st, pg, role, entry.getValue());
                    }
                }
                role = null;
                c.commit();
            } catch (SQLException e) {
                String what = Jdbc.describe(e);
                String subject = role == null ? "publishing the credentials" : "setting the password of role \"" + role + "\"";
                return credentialsFailed(start, PreparationResult.CREDENTIALS_FAILED,
                        what + (role == null ? "" : " (role \"" + role + "\")"),
                        subject + " failed: " + what + "; no published password works in this copy");
            }
            steps.add(new StepOutcome(CREDENTIALS_STEP, Jdbc.secondsSince(start), null, null));
            return null;
        }

        /**
         * Sends the verifier, never the password. VALID UNTIL 'infinity': a production role may
         * carry an expiry that has passed or will, and the published password must keep working.
         */
        private static void alterPassword(Statement st, PGConnection pg, String role, String password) throws SQLException {
            st.execute("ALTER ROLE " + pg.escapeIdentifier(role) + " WITH LOGIN PASSWORD '"
                    + pg.escapeLiteral(ScramVerifier.of(password)) + "' VALID UNTIL 'infinity'");
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

        /**
         * Runs one script on its own session; returns a failed result, or null. The script's
         * timeout bounds the whole script: it is each statement's statement_timeout (set at login,
         * so production's settings cannot loosen it), and at the script's deadline a watchdog
         * cancels whatever statement runs then, which a script's own SET cannot prevent.
         */
        private PreparationResult script(SqlScript script, boolean last) {
            long start = System.nanoTime();
            List<SqlScripts.SqlStatement> statements = SqlScripts.split(script.sql());
            long rows = 0;
            Connection c;
            try {
                c = connect(req.database(), script.timeout(), script.timeout().plus(SOCKET_SLACK));
            } catch (ConnectFailed e) {
                steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), null, redact(e.stepError)));
                return fail(e.reason, e.message);
            }
            SqlScripts.SqlStatement current = null;
            AtomicBoolean timedOut = new AtomicBoolean();
            try (c; Statement st = c.createStatement();
                    Watchdog watchdog = Watchdog.cancelAfter(st, script.timeout(), timedOut)) {
                // JDBC escapes ({fn ...}, {d '...'}) are not SQL: send the text as written
                st.setEscapeProcessing(false);
                for (SqlScripts.SqlStatement s : statements) {
                    current = s;
                    if (Thread.currentThread().isInterrupted()) {
                        steps.add(new StepOutcome(script.name(), Jdbc.secondsSince(start), rows,
                                "interrupted before statement " + s.number() + " (line " + s.line() + ")"));
                        return fail(PreparationResult.INTERRUPTED, "preparation was interrupted before statement "
                                + s.number() + " of post-clone script \"" + script.name() + "\"");
                    }
                    if (timedOut.get()) {
                        throw new SQLException("canceling statement due to the script's timeout", "57014");
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
                if ("57014".equals(Jdbc.sqlState(e)) && (timedOut.get() || Jdbc.secondsSince(start) >= script.timeout().toMillis() / 1000.0)) {
                    return fail(PreparationResult.POST_CLONE_TIMEOUT, "post-clone script \"" + script.name() + "\" ran longer than its timeout of "
                            + Jdbc.human(script.timeout()) + " and was cancelled" + (current == null ? "" : " at statement " + current.number()
                            + " (line " + current.line() + ")") + ": make it faster or raise spec.postClone.timeout"
                            + " (a CloneSource's mandatory scripts: the CloneSource's spec.postClone.timeout)"
                            + (last ? "" : "; later scripts were not run"));
                }
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

        /**
         * A session as the superuser with the operator's password, whose settings come in the
         * startup packet (see {@link #sessionSettings}); {@code statementTimeout} null means none.
         */
        private Connection connect(String database, Duration statementTimeout, Duration socketTimeout) throws ConnectFailed {
            Jdbc.Target target = new Jdbc.Target(req.host(), req.port(), database, req.superuser(), req.operatorPassword(), "disable");
            Connection c = null;
            try {
                c = Jdbc.connect(target, req.connectTimeout(), socketTimeout, sessionSettings(statementTimeout));
                if (c.unwrap(BaseConnection.class).haveMinimumServerVersion(ServerVersion.v13)) {
                    // not in the startup packet: PostgreSQL 12 rejects a setting it does not know at login
                    try (Statement st = c.createStatement()) {
                        st.execute("SET log_min_duration_sample = -1");
                    }
                }
                return c;
            } catch (SQLException e) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // the connection is being abandoned anyway
                    }
                }
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
            if (Jdbc.sqlState(e).equals("42501")) {
                // logged in, but may not pin the session's settings (session_replication_role, logging)
                return new ConnectFailed(what, PreparationResult.CREDENTIALS_FAILED, "cannot prepare a session on the clone at "
                        + where() + " as \"" + req.superuser() + "\" (" + what + "): spec.postgres.superuser must be a superuser");
            }
            if (Jdbc.isMissingDatabase(e)) {
                String hint = Defaults.DATABASE.equals(database)
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

    /**
     * Cancels the running statement of a script once the script's time is up. One daemon thread
     * per running script: there are at most as many as preparation workers.
     */
    private static final class Watchdog implements AutoCloseable {
        private final Thread thread;

        private Watchdog(Thread thread) {
            this.thread = thread;
        }

        static Watchdog cancelAfter(Statement st, Duration timeout, AtomicBoolean fired) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(timeout.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                fired.set(true);
                try {
                    st.cancel();
                } catch (SQLException e) {
                    LOG.debugf("cancelling a post-clone statement after its timeout failed: %s", Jdbc.describe(e));
                }
            }, "pgclone-script-timeout");
            t.setDaemon(true);
            t.start();
            return new Watchdog(t);
        }

        @Override
        public void close() {
            thread.interrupt();
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
