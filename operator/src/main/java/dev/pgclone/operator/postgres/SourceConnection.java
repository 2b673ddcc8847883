package dev.pgclone.operator.postgres;

import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A connection to the production source, read from the Secret named by
 * {@code spec.source.checkpoint.secretName}. Two layouts are understood:
 * <ul>
 *   <li>key {@code uri}: {@code postgresql://user:password@host:port/dbname?sslmode=...} (or
 *       {@code postgres://}), user and password percent-encoded;</li>
 *   <li>keys {@code host}, {@code port} (default 5432), {@code username} (or {@code user}),
 *       {@code password}, {@code dbname} (optional), {@code sslmode} (optional): CloudNativePG's
 *       {@code <cluster>-superuser} Secret.</li>
 * </ul>
 * When both are present (CloudNativePG writes both) {@code uri} wins: its host carries the
 * namespace, while {@code host} is a bare Service name. A database of {@code *} (CloudNativePG's
 * superuser Secret) or none means {@code postgres}; no sslmode means {@code prefer}, libpq's default.
 */
public record SourceConnection(String host, int port, String username, String password, String database, String sslMode) {

    private static final String LAYOUT = "the Secret needs key uri (postgresql://user:password@host:port/dbname),"
            + " or keys host, username and password (port, dbname optional), as in CloudNativePG's <cluster>-superuser Secret";

    /** libpq's sslmode values; anything else would reach the driver as an unchecked setting. */
    static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    /** The only query parameters a uri may carry: anything else (sslfactory, socketFactory, ...) would configure the driver. */
    static final Set<String> URI_PARAMETERS = Set.of("sslmode", "user", "password", "dbname");
    /** A DNS name or an IPv4 address; IPv6 is checked separately. Nothing that a JDBC URL could read as more than a host. */
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("(?=.*:.*:)[0-9A-Fa-f:.]{2,45}");
    /** libpq parameters a uri may carry that configure nothing of the operator's connection: accepted and not passed on. */
    static final Set<String> IGNORED_URI_PARAMETERS = Set.of("application_name", "connect_timeout", "fallback_application_name");

    /**
     * Every field ends up in a JDBC URL or in the driver's properties, so each is checked here:
     * a Secret's {@code host} of {@code db?socketFactory=...} would otherwise configure the driver.
     */
    public SourceConnection {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        boolean ipv6 = host.indexOf(':') >= 0;
        if (ipv6 ? !IPV6.matcher(host).matches() : !HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("the host \"" + host + "\" is not a host name or IP address"
                    + " (letters, digits, '.', '-'; no '/', '?', '&', ':' or spaces)");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a port number");
        }
        database = database == null || database.isBlank() || database.equals("*") ? Defaults.DATABASE : database;
        if (database.chars().anyMatch(ch -> ch < 0x20)) {
            throw new IllegalArgumentException("the database name has control characters");
        }
        sslMode = sslMode == null || sslMode.isBlank() ? Defaults.SOURCE_SSL_MODE : sslMode;
        if (!SSL_MODES.contains(sslMode)) {
            throw new IllegalArgumentException("sslmode \"" + sslMode + "\" is not one of " + String.join(", ", new TreeSet<>(SSL_MODES)));
        }
    }

    /** Parses decoded Secret data (key to value); throws IllegalArgumentException naming what is missing. */
    public static SourceConnection fromSecretData(Map<String, String> data) {
        if (data == null) {
            throw new IllegalArgumentException("the Secret has no data: " + LAYOUT);
        }
        String uri = value(data, "uri");
        if (uri != null) {
            return fromUri(uri, data);
        }
        String host = value(data, "host");
        String username = value(data, "username") != null ? value(data, "username") : value(data, "user");
        String password = value(data, "password");
        StringBuilder missing = new StringBuilder();
        if (host == null) {
            missing.append("host");
        }
        if (username == null) {
            missing.append(missing.length() == 0 ? "" : ", ").append("username");
        }
        if (password == null) {
            missing.append(missing.length() == 0 ? "" : ", ").append("password");
        }
        if (missing.length() > 0) {
            throw new IllegalArgumentException("missing key(s) " + missing + ": " + LAYOUT);
        }
        String port = value(data, "port");
        return new SourceConnection(host, port == null ? Defaults.PORT : port(port, "key port"), username, password,
                value(data, "dbname"), value(data, "sslmode"));
    }

    /**
     * Like {@link #fromSecretData(Map)}, and a host that is a bare name (no dot, not an IP, not
     * localhost) is qualified with the Secret's namespace: {@code host: orders-rw} in namespace
     * {@code prod} only resolves as {@code orders-rw.prod} from the operator's namespace.
     */
    public static SourceConnection fromSecretData(Map<String, String> data, String secretNamespace) {
        SourceConnection c = fromSecretData(data);
        boolean bare = c.host.indexOf('.') < 0 && c.host.indexOf(':') < 0 && !c.host.equalsIgnoreCase("localhost");
        if (!bare || secretNamespace == null || secretNamespace.isBlank()) {
            return c;
        }
        return new SourceConnection(c.host + "." + secretNamespace, c.port, c.username, c.password, c.database, c.sslMode);
    }

    private static SourceConnection fromUri(String uri, Map<String, String> data) {
        String lower = uri.toLowerCase(Locale.ROOT);
        String rest;
        if (lower.startsWith("postgresql://")) {
            rest = uri.substring("postgresql://".length());
        } else if (lower.startsWith("postgres://")) {
            rest = uri.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("key uri must start with postgresql:// or postgres://: " + LAYOUT);
        }
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        Map<String, String> query = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String pair : rest.substring(q + 1).split("&")) {
                if (!pair.isEmpty()) {
                    int eq = pair.indexOf('=');
                    String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                    if (IGNORED_URI_PARAMETERS.contains(name)) {
                        continue;
                    }
                    if (!URI_PARAMETERS.contains(name)) {
                        throw new IllegalArgumentException("key uri has the parameter \"" + name + "\", which the operator does not pass on:"
                                + " only " + String.join(", ", new TreeSet<>(URI_PARAMETERS)) + " are allowed");
                    }
                    query.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
                }
            }
            rest = rest.substring(0, q);
        }
        // the last '@' ends the user info: a password with an unencoded '@' still parses
        int at = rest.lastIndexOf('@');
        String userInfo = at < 0 ? null : rest.substring(0, at);
        String afterAt = rest.substring(at + 1);
        int slash = afterAt.indexOf('/');
        String hostPort = slash < 0 ? afterAt : afterAt.substring(0, slash);
        String database = slash < 0 ? null : decode(afterAt.substring(slash + 1));

        String username = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        }
        // libpq also takes them as parameters; then the Secret's separate keys
        username = firstNonEmpty(username, query.get("user"), value(data, "username"), value(data, "user"));
        password = firstNonEmpty(password, query.get("password"), value(data, "password"));
        database = firstNonEmpty(database, query.get("dbname"));

        if (hostPort.contains(",")) {
            throw new IllegalArgumentException("key uri lists several hosts (" + hostPort
                    + "); point it at the primary's Service only");
        }
        String host;
        String portText = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("key uri has an unterminated IPv6 address: " + LAYOUT);
            }
            host = hostPort.substring(1, close);
            if (close + 1 < hostPort.length() && hostPort.charAt(close + 1) == ':') {
                portText = hostPort.substring(close + 2);
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            portText = colon < 0 ? null : hostPort.substring(colon + 1);
        }
        host = decode(host);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("key uri has no host: " + LAYOUT);
        }
        if (username == null) {
            throw new IllegalArgumentException("key uri has no user (and there is no key username): " + LAYOUT);
        }
        if (password == null) {
            throw new IllegalArgumentException("key uri has no password (and there is no key password): " + LAYOUT);
        }
        int port = portText == null || portText.isEmpty() ? Defaults.PORT : port(portText, "the port in key uri");
        return new SourceConnection(host, port, username, password, database, query.get("sslmode"));
    }

    private static int port(String text, String where) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p > 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the offending text
        }
        throw new IllegalArgumentException(where + " is not a port number: \"" + text + "\"");
    }

    /** Percent-decoding as in URIs: unlike URLDecoder, a '+' stays a '+' (it is common in passwords). */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2))) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static String value(Map<String, String> data, String key) {
        String v = data.get(key);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String firstNonEmpty(String... values) {
        for (String v : values) {
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** Records print their components; this one holds a password. */
    @Override
    public String toString() {
        return "SourceConnection[" + username + "@" + Jdbc.hostPort(host, port) + "/" + database + ", sslmode=" + sslMode + "]";
    }
}
