package dev.pgclone.operator.postgres;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
        Duration limit = limit(timeout);
        long start = System.nanoTime();
        String where = Jdbc.hostPort(source.host(), source.port());
        boolean connected = false;
        CheckpointResult result;
        try (Connection c = connect(source, limit)) {
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

    @Override
    public BackupResult backup(SourceConnection source, Duration timeout, String serverAddress, BackupWindow window) {
        Duration limit = limit(timeout);
        long start = System.nanoTime();
        String where = Jdbc.hostPort(source.host(), source.port());
        boolean connected = false;
        BackupResult result;
        // the session holds the backup: closing it (also when anything below fails) makes the source abort it
        try (Connection c = connect(source, limit); Statement st = c.createStatement()) {
            connected = true;
            c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, limit.plus(SOCKET_SLACK).toMillis()));
            st.execute("SET statement_timeout = " + limit.toMillis());
            int version;
            boolean standby;
            String address;
            try (ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int, pg_is_in_recovery(), host(inet_server_addr())")) {
                rs.next();
                version = rs.getInt(1);
                standby = rs.getBoolean(2);
                address = rs.getString(3);
            }
            if (serverAddress != null && !serverAddress.equals(address)) {
                return BackupResult.failed(Jdbc.secondsSince(start), "the connection to " + where + " reaches the server at "
                        + (address == null ? "a local socket" : address) + ", not the instance at " + serverAddress + " whose volumes are"
                        + " snapshotted: no backup was started; use a Secret whose host reaches that instance (CloudNativePG's own"
                        + " superuser Secret is used with the instance's address)");
            }
            // a fast checkpoint (a restartpoint on a standby), so the clone's recovery starts close to the snapshot
            try (PreparedStatement ps = c.prepareStatement(version >= 150000 ? "SELECT pg_backup_start(?, true)"
                    : "SELECT pg_start_backup(?, true, false)")) {
                ps.setString(1, "pgclone");
                ps.execute();
            }
            double started = Jdbc.secondsSince(start);
            String done;
            try {
                done = window.run();
            } catch (Exception e) {
                return BackupResult.failed(Jdbc.secondsSince(start), Jdbc.redact("the snapshot of the data volume failed during the backup on the"
                        + " source at " + where + ": " + e.getMessage() + "; the backup was aborted", List.of(source.password())));
            }
            String label;
            String tablespaceMap;
            // no wait for the archive: the WAL the clone needs is on the WAL volume, snapshotted after this returns
            try (ResultSet rs = st.executeQuery(version >= 150000 ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                label = rs.getString(1);
                tablespaceMap = rs.getString(2);
            }
            double seconds = Jdbc.secondsSince(start);
            if (tablespaceMap != null && !tablespaceMap.isBlank()) {
                result = BackupResult.failed(seconds, "the source at " + where + " has tablespaces outside its data directory, which"
                        + " volume snapshots of the data and WAL volumes do not capture: only sources without such tablespaces can be cloned");
            } else {
                result = new BackupResult(true, seconds, "online backup on the " + (standby ? "standby" : "source") + " at " + where
                        + ": pg_backup_start took " + String.format(java.util.Locale.ROOT, "%.3f", started) + " s; " + done
                        + "; pg_backup_stop after " + String.format(java.util.Locale.ROOT, "%.3f", seconds) + " s", label, standby);
            }
        } catch (SQLException e) {
            String why = Jdbc.sqlState(e).equals("42501")
                    ? "role \"" + source.username() + "\" may not run an online backup on the source at " + where + " (" + Jdbc.describe(e)
                            + "): use a superuser's Secret, or GRANT EXECUTE ON FUNCTION pg_backup_start, pg_backup_stop TO \""
                            + source.username() + "\""
                    : failure(e, connected, source, where, limit).replace("CHECKPOINT on", "the online backup on");
            result = BackupResult.failed(Jdbc.secondsSince(start), why);
        }
        String message = Jdbc.redact(result.message(), List.of(source.password()));
        LOG.debugf("backup: %s", message);
        return new BackupResult(result.succeeded(), result.durationSeconds(), message, result.backupLabel(), result.fromStandby());
    }

    private static Duration limit(Duration timeout) {
        return timeout == null || timeout.isNegative() || timeout.isZero() ? DEFAULT_TIMEOUT : timeout;
    }

    /** Login bounded by {@code limit}; a silent network by a socket timeout just beyond it. */
    private static Connection connect(SourceConnection source, Duration limit) throws SQLException {
        return Jdbc.connect(new Jdbc.Target(source.host(), source.port(), source.database(), source.username(), source.password(),
                source.sslMode()), limit, limit.plus(SOCKET_SLACK));
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
