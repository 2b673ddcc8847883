package dev.pgclone.operator.postgres;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import org.postgresql.PGProperty;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Connecting and describing errors, shared by the preparer, the checkpointer and the migration
 * rehearsal's sessions ({@code postgres.rehearsal}).
 */
public final class Jdbc {

    public static final String APPLICATION_NAME = "pgclone-operator";
    static final String REDACTED = "[redacted]";

    // The driver object directly, not DriverManager: no dependence on service loading or on the
    // JVM-wide DriverManager login timeout.
    private static final Driver DRIVER = new org.postgresql.Driver();

    private Jdbc() {}

    /** Where and as whom to connect; prints without the password. */
    public record Target(String host, int port, String database, String user, String password, String sslMode) {
        @Override
        public String toString() {
            return user + "@" + hostPort(host, port) + "/" + database;
        }
    }

    /**
     * Opens a connection with autocommit on. {@code loginTimeout} bounds the TCP connect and the
     * whole login (pgjdbc's connectTimeout and loginTimeout, whole seconds, at least 1), and each
     * read during the login too, so that pgjdbc's background login thread does not stay stuck on a
     * server that accepted the connection and went silent. {@code socketTimeout} (null: none)
     * bounds any single wait for the server afterwards.
     */
    public static Connection connect(Target t, Duration loginTimeout, Duration socketTimeout) throws SQLException {
        return connect(t, loginTimeout, socketTimeout, Map.of());
    }

    /**
     * {@link #connect(Target, Duration, Duration)} with settings sent in the startup packet. They
     * apply with the priority of a client's own settings, above what {@code ALTER ROLE ... SET} and
     * {@code ALTER DATABASE ... SET} put in the copied catalogs, and before the first statement.
     */
    public static Connection connect(Target t, Duration loginTimeout, Duration socketTimeout, Map<String, String> settings) throws SQLException {
        return connect(t, loginTimeout, socketTimeout, settings, APPLICATION_NAME);
    }

    /**
     * {@link #connect(Target, Duration, Duration, Map)} under another {@code application_name}: the
     * migration rehearsal names each of its sessions (monitor, workload, migration) so that the
     * samples of {@code pg_stat_activity} tell them apart.
     */
    public static Connection connect(Target t, Duration loginTimeout, Duration socketTimeout, Map<String, String> settings,
                                     String applicationName) throws SQLException {
        Properties p = new Properties();
        if (!settings.isEmpty()) {
            p.setProperty(PGProperty.OPTIONS.getName(), startupOptions(settings));
        }
        p.setProperty("user", t.user());
        p.setProperty("password", t.password());
        p.setProperty("ApplicationName", applicationName);
        // the name goes in the startup packet (the driver sends it there only for servers it may assume are 9.0 or
        // later; otherwise with a SET once logged in), so that pg_stat_activity never shows the session unnamed
        p.setProperty("assumeMinServerVersion", "9.0");
        String login = Integer.toString(wholeSeconds(loginTimeout));
        p.setProperty("connectTimeout", login);
        p.setProperty("loginTimeout", login);
        p.setProperty("socketTimeout", login);
        p.setProperty("sslmode", t.sslMode() == null ? "disable" : t.sslMode());
        // no Kerberos probing: neither the clone nor a Kubernetes source speaks GSS
        p.setProperty("gssEncMode", "disable");
        p.setProperty("tcpKeepAlive", "true");
        Connection c = DRIVER.connect(url(t.host(), t.port(), t.database()), p);
        if (c == null) {
            throw new SQLException("the PostgreSQL driver did not accept " + url(t.host(), t.port(), t.database()));
        }
        try {
            c.setNetworkTimeout(Runnable::run, socketTimeout == null ? 0 : (int) Math.min(Integer.MAX_VALUE, socketTimeout.toMillis()));
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code -c name=value ...}; the server splits on unescaped spaces, so spaces and backslashes are escaped. */
    static String startupOptions(Map<String, String> settings) {
        StringBuilder b = new StringBuilder();
        settings.forEach((name, value) -> {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw new IllegalArgumentException("not a setting name: " + name);
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append("-c ").append(name).append('=').append(value.replace("\\", "\\\\").replace(" ", "\\ "));
        });
        return b.toString();
    }

    static String url(String host, int port, String database) {
        return "jdbc:postgresql://" + hostPort(host, port) + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    /** host:port, with an IPv6 address in brackets as both URLs and humans expect. */
    static String hostPort(String host, int port) {
        boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return (ipv6 ? "[" + host + "]" : host) + ":" + port;
    }

    static int wholeSeconds(Duration d) {
        long ms = d.toMillis();
        long s = (ms + 999) / 1000;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, s));
    }

    /** A duration for messages: "800 ms", "10 s", "2.5 s". */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** Seconds since {@code startNanos}, rounded to the millisecond: what status shows. */
    static double secondsSince(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1_000_000.0) / 1000.0;
    }

    public static String sqlState(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    /**
     * Login refused: bad password, no pg_hba entry (class 28), or the server asked for a password
     * the driver did not have (08004, which pgjdbc also uses for "the server does not support SSL").
     */
    static boolean isAuthenticationFailure(SQLException e) {
        String state = sqlState(e);
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        return state.startsWith("28") || (state.equals("08004") && (message.contains("password") || message.contains("authentication")));
    }

    /** The server and the requested sslmode disagree (pgjdbc: "The server does not support SSL."). */
    static boolean isSslMismatch(SQLException e) {
        return sqlState(e).equals("08004") && e.getMessage() != null && e.getMessage().contains("SSL");
    }

    static boolean isMissingDatabase(SQLException e) {
        return sqlState(e).equals("3D000");
    }

    /**
     * One line for users: {@code SQLSTATE 42P01: relation "x" does not exist}. Only the server's
     * primary message, not its detail, context or the statement text: they can be long and
     * multi-line, and the statement may hold a literal the user would not want in a status.
     */
    public static String describe(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            return "SQLSTATE " + m.getSQLState() + ": " + oneLine(m.getMessage());
        }
        String message = oneLine(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + " (" + cause.getClass().getSimpleName() + ": " + oneLine(cause.getMessage()) + ")";
        }
        return e.getSQLState() == null ? message : "SQLSTATE " + e.getSQLState() + ": " + message;
    }

    public static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * Replaces every occurrence of a secret by {@value #REDACTED}. The messages come from the
     * server and the driver, which can echo values (an invalid input, a failed literal): this is
     * the last line of defence that keeps passwords out of status, events and logs.
     */
    public static String redact(String text, Collection<String> secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, REDACTED);
            }
        }
        return out;
    }
}
