package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Connection Secrets with CloudNativePG's key layout, so applications and tools written for it
 * read a clone's Secret unchanged. Built from the effective clone ({@code clone.EffectiveClone}).
 */
public final class CloneSecrets {

    public static final String USERNAME = "username";
    public static final String PASSWORD = "password";

    private CloneSecrets() {}

    public static Secret superuser(DatabaseClone clone, String password) {
        return secret(clone, Names.superuserSecret(clone), "superuser", superuserName(clone), password, Defaults.DATABASE);
    }

    public static Secret role(DatabaseClone clone, String role, String password) {
        return secret(clone, Names.roleSecret(clone, role), "credentials", role, password, database(clone));
    }

    /** spec.postgres.superuser of the effective clone. */
    public static String superuserName(DatabaseClone clone) {
        return clone.getSpec().getPostgres().getSuperuser();
    }

    /** spec.credentials.database of the effective clone: where the role Secrets point. */
    public static String database(DatabaseClone clone) {
        return clone.getSpec().getCredentials().getDatabase();
    }

    private static Secret secret(DatabaseClone clone, String name, String component, String user, String password, String db) {
        String host = Names.serviceHost(clone);
        int port = ClonePods.PORT;
        Map<String, String> data = new LinkedHashMap<>();
        data.put(USERNAME, user);
        data.put(PASSWORD, password);
        data.put("host", host);
        data.put("port", Integer.toString(port));
        data.put("dbname", db);
        data.put("uri", "postgresql://" + urlEncode(user) + ":" + urlEncode(password) + "@" + host + ":" + port + "/" + urlEncode(db));
        data.put("jdbc-uri", "jdbc:postgresql://" + host + ":" + port + "/" + urlEncode(db)
                + "?password=" + urlEncode(password) + "&user=" + urlEncode(user));
        data.put("pgpass", pgpassField(host) + ":" + port + ":" + pgpassField(db) + ":" + pgpassField(user) + ":"
                + pgpassField(password) + "\n");
        return new SecretBuilder()
                .withMetadata(Owners.owned(clone, name, component))
                .withType("kubernetes.io/basic-auth")
                .withData(base64(data))
                .build();
    }

    /** Stored as data (base64), not stringData, so every reader sees the same field whatever wrote it. */
    private static Map<String, String> base64(Map<String, String> plain) {
        Map<String, String> encoded = new LinkedHashMap<>();
        plain.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return encoded;
    }

    /** Decoded value of a key, or null. */
    public static String value(Secret secret, String key) {
        if (secret == null) {
            return null;
        }
        if (secret.getData() != null && secret.getData().containsKey(key)) {
            return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** .pgpass escapes ':' and '\' with a backslash. */
    private static String pgpassField(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }
}
