package dev.pgclone.operator.postgres;

import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link ClonePreparer#prepare} needs, built by the reconciler from the clone's spec and
 * Secrets.
 *
 * @param host              the clone Pod's IP (or a port-forward's address in development); IPv6 is fine
 * @param port              the clone's PostgreSQL port
 * @param superuser         the clone's superuser ({@code spec.postgres.superuser})
 * @param operatorPassword  the password the clone's superuser has until preparation ends, which
 *                          only the operator can derive; the operator logs in with it
 * @param superuserPassword the published password, from Secret {@code <clone>-superuser}: the
 *                          superuser gets it in the last step, after every script has run
 * @param rolePasswords     role name to the password it gets ({@code spec.credentials.roles}), in
 *                          the order given; may be empty
 * @param scripts           post-clone scripts, run in this order
 * @param database          where the scripts run ({@code spec.credentials.database}); null or
 *                          blank means {@code postgres}
 * @param connectTimeout    bound on connecting and logging in; null means 10 s
 */
public record PreparationRequest(
        String host,
        int port,
        String superuser,
        String operatorPassword,
        String superuserPassword,
        Map<String, String> rolePasswords,
        List<SqlScript> scripts,
        String database,
        Duration connectTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public PreparationRequest {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(superuser, "superuser");
        Objects.requireNonNull(operatorPassword, "operatorPassword");
        Objects.requireNonNull(superuserPassword, "superuserPassword");
        if (superuserPassword.isEmpty()) {
            throw new IllegalArgumentException("empty superuser password");
        }
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        // a LinkedHashMap copy keeps the caller's order (Map.copyOf would not)
        LinkedHashMap<String, String> roles = new LinkedHashMap<>();
        if (rolePasswords != null) {
            rolePasswords.forEach((role, password) -> {
                if (role == null || role.isEmpty()) {
                    throw new IllegalArgumentException("empty role name in rolePasswords");
                }
                // PostgreSQL treats an empty password as "no password", so the role could not log in
                if (password == null || password.isEmpty()) {
                    throw new IllegalArgumentException("empty password for role \"" + role + "\"");
                }
                roles.put(role, password);
            });
        }
        rolePasswords = Collections.unmodifiableMap(roles);
        scripts = scripts == null ? List.of() : List.copyOf(scripts);
        database = database == null || database.isBlank() ? Defaults.DATABASE : database;
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
    }

    /** Records print their components; this one holds passwords, so it prints role names only. */
    @Override
    public String toString() {
        return "PreparationRequest[host=" + host + ", port=" + port + ", superuser=" + superuser
                + ", operatorPassword=***, superuserPassword=***, roles=" + rolePasswords.keySet()
                + ", scripts=" + scripts.stream().map(SqlScript::name).toList()
                + ", database=" + database + ", connectTimeout=" + connectTimeout + "]";
    }
}
