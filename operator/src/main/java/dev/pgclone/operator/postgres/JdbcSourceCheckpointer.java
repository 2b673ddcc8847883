package dev.pgclone.operator.postgres;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * CHECKPOINT over JDBC. The whole call is bounded: the login by pgjdbc's connect and login
 * timeouts, the statement by a server-side {@code statement_timeout} of what is left, and a silent
 * network by a socket timeout just beyond it.
 */
public final class JdbcSourceCheckpointer implements SourceCheckpointer {

    private static final Logger LOG = Logger.getLogger(JdbcSourceCheckpointer.class);

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** The server cancels at statement_timeout; the socket gives up this much later. */
    private static final Duration SOCKET_SLACK = Duration.ofSeconds(1);

    @Override
    public CheckpointResult checkpoint(SourceConnection source, Duration timeout) {
        Duration limit = timeout == null || timeout.isNegative() || timeout.isZero() ? DEFAULT_TIMEOUT : timeout;
        long start = System.nanoTime();
        String where = Jdbc.hostPort(source.host(), source.port());
        Jdbc.Target target = new Jdbc.Target(source.host(), source.port(), source.database(), source.username(),
                source.password(), source.sslMode());
        boolean connected = false;
        CheckpointResult result;
        try (Connection c = Jdbc.connect(target, limit, limit.plus(SOCKET_SLACK))) {
            connected = true;
            long leftMs = limit.toMillis() - elapsedMs(start);
            if (leftMs <= 0) {
                result = new CheckpointResult(false, Jdbc.secondsSince(start), "connecting to the source at " + where
                        + " took longer than the timeout of " + Jdbc.human(limit) + "; CHECKPOINT was not run");
            } else {
                c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, leftMs + SOCKET_SLACK.toMillis()));
                try (Statement st = c.createStatement()) {
                    st.execute("SET statement_timeout = " + leftMs);
                    st.execute("CHECKPOINT");
                }
                double seconds = Jdbc.secondsSince(start);
                result = new CheckpointResult(true, seconds, "CHECKPOINT on the source at " + where + " took "
                        + String.format(java.util.Locale.ROOT, "%.3f", seconds) + " s");
            }
        } catch (SQLException e) {
            result = new CheckpointResult(false, Jdbc.secondsSince(start), failure(e, connected, source, where, limit));
        }
        String message = Jdbc.redact(result.message(), List.of(source.password()));
        LOG.debugf("checkpoint: %s", message);
        return new CheckpointResult(result.succeeded(), result.durationSeconds(), message);
    }

    private static String failure(SQLException e, boolean connected, SourceConnection source, String where, Duration limit) {
        String what = Jdbc.describe(e);
        String state = Jdbc.sqlState(e);
        if (state.equals("57014") || (connected && causedBy(e, SocketTimeoutException.class))) {
            return "CHECKPOINT on the source at " + where + " did not finish within " + Jdbc.human(limit) + " (" + what + ")";
        }
        if (state.equals("42501")) {
            return "role \"" + source.username() + "\" may not run CHECKPOINT on the source at " + where + " (" + what
                    + "): use a superuser's Secret, or GRANT pg_checkpoint TO \"" + source.username() + "\" (PostgreSQL 15+)";
        }
        if (Jdbc.isAuthenticationFailure(e)) {
            return "cannot log in to the source at " + where + " as \"" + source.username() + "\" (" + what
                    + "): check username and password in the Secret of spec.source.checkpoint";
        }
        if (Jdbc.isSslMismatch(e)) {
            return "cannot connect to the source at " + where + " (" + what + "): check sslmode in the Secret of spec.source.checkpoint";
        }
        if (Jdbc.isMissingDatabase(e)) {
            return "database \"" + source.database() + "\" does not exist on the source at " + where + " (" + what
                    + "): fix dbname in the Secret of spec.source.checkpoint";
        }
        if (!connected) {
            return "cannot connect to the source at " + where + " within " + Jdbc.human(limit) + " (" + what
                    + "): check host and port in the Secret of spec.source.checkpoint and that the operator can reach it";
        }
        return "CHECKPOINT on the source at " + where + " failed (" + what + ")";
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
