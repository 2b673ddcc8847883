package dev.pgclone.operator.resources;

import static dev.pgclone.operator.resources.TestClones.effective;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The Secrets applications read. They must carry CloudNativePG's keys, and every form of the
 * credentials in them (uri, jdbc-uri, pgpass) must give back exactly the user and password that
 * the plain keys hold, whatever characters those contain: a password from
 * spec.credentials.secretName is the user's and may contain anything.
 */
class CloneSecretsTest {

    /** Every character with a meaning in a URI, a JDBC query string or a .pgpass line, plus non-ASCII. */
    private static final String AWKWARD_PASSWORD = "p@ss:w/rd\\ &=?#+%é";

    private static DatabaseClone withCredentials() {
        return TestClones.clone("orders-staging", "shop", """
                source:
                  pvcName: data-orders-0
                postgres:
                  image: postgres:16
                credentials:
                  roles: [app]
                  database: orders
                """);
    }

    @Test
    void superuserSecretHasCloudNativePgKeys() {
        Secret secret = CloneSecrets.superuser(effective(TestClones.minimal()), "Sup3rSecret");

        assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
        assertThat(secret.getMetadata().getName()).isEqualTo("orders-staging-superuser");
        assertThat(secret.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(secret.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, "superuser")
                .containsEntry(Labels.CLONE, "orders-staging").containsEntry(Labels.MANAGED_BY, "pgclone-operator");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getUid()).isEqualTo(TestClones.UID);
            assertThat(o.getController()).isTrue();
        });
        // data, not stringData: what every reader sees, whatever wrote the Secret
        assertThat(secret.getStringData()).isNullOrEmpty();
        assertThat(decoded(secret)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "username", "postgres",
                "password", "Sup3rSecret",
                "host", "orders-staging.shop.svc",
                "port", "5432",
                "dbname", "postgres",
                "uri", "postgresql://postgres:Sup3rSecret@orders-staging.shop.svc:5432/postgres",
                "jdbc-uri", "jdbc:postgresql://orders-staging.shop.svc:5432/postgres?password=Sup3rSecret&user=postgres",
                "pgpass", "orders-staging.shop.svc:5432:postgres:postgres:Sup3rSecret\n"));
    }

    @Test
    void roleSecretNamesTheRoleAndTheCredentialsDatabase() {
        Secret secret = CloneSecrets.role(effective(withCredentials()), "app", "AppPassw0rd");

        assertThat(secret.getMetadata().getName()).isEqualTo("orders-staging-app");
        assertThat(secret.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, "credentials");
        assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
        assertThat(decoded(secret)).containsEntry("username", "app").containsEntry("dbname", "orders")
                .containsEntry("uri", "postgresql://app:AppPassw0rd@orders-staging.shop.svc:5432/orders")
                .containsEntry("pgpass", "orders-staging.shop.svc:5432:orders:app:AppPassw0rd\n");
    }

    @Test
    void theSuperuserSecretAlwaysNamesThePostgresDatabase() {
        // credentials.database is for the roles; the superuser connects to the maintenance database
        assertThat(decoded(CloneSecrets.superuser(effective(withCredentials()), "x"))).containsEntry("dbname", "postgres");
    }

    @Test
    void databaseDefaultsToPostgresWhenUnsetOrBlank() {
        DatabaseClone clone = withCredentials();
        clone.getSpec().getCredentials().setDatabase("  ");
        assertThat(decoded(CloneSecrets.role(effective(clone), "app", "x"))).containsEntry("dbname", "postgres");

        clone.getSpec().setCredentials(null);
        assertThat(CloneSecrets.database(effective(clone))).isEqualTo("postgres");
    }

    @Test
    void superuserNameComesFromTheSpecAndDefaultsToPostgres() {
        DatabaseClone clone = TestClones.minimal();
        assertThat(CloneSecrets.superuserName(effective(clone))).isEqualTo("postgres");
        clone.getSpec().getPostgres().setSuperuser("");
        assertThat(CloneSecrets.superuserName(effective(clone))).isEqualTo("postgres");
        clone.getSpec().getPostgres().setSuperuser("admin");
        assertThat(decoded(CloneSecrets.superuser(effective(clone), "x"))).containsEntry("username", "admin");
    }

    @Test
    void anAwkwardPasswordIsEncodedInTheUris() {
        Map<String, String> data = decoded(CloneSecrets.role(effective(withCredentials()), "app", AWKWARD_PASSWORD));

        assertThat(data.get("password")).isEqualTo(AWKWARD_PASSWORD);
        // spaces as %20, not '+': libpq does not decode '+' in a URI
        assertThat(data.get("uri")).isEqualTo(
                "postgresql://app:p%40ss%3Aw%2Frd%5C%20%26%3D%3F%23%2B%25%C3%A9@orders-staging.shop.svc:5432/orders");
        assertThat(data.get("jdbc-uri")).isEqualTo("jdbc:postgresql://orders-staging.shop.svc:5432/orders"
                + "?password=p%40ss%3Aw%2Frd%5C%20%26%3D%3F%23%2B%25%C3%A9&user=app");
    }

    @Test
    void anAwkwardUserAndPasswordSurviveEveryForm() throws Exception {
        DatabaseClone clone = withCredentials();
        String user = "we:ird@us/er\\";
        clone.getSpec().getPostgres().setSuperuser(user);
        clone.getSpec().getCredentials().setDatabase("my db/x");
        Map<String, String> superuser = decoded(CloneSecrets.superuser(effective(clone), AWKWARD_PASSWORD));
        Map<String, String> role = decoded(CloneSecrets.role(effective(clone), "app", AWKWARD_PASSWORD));

        assertThat(superuser.get("username")).isEqualTo(user);
        assertCredentialsRoundTrip(superuser, user, "postgres");
        assertCredentialsRoundTrip(role, "app", "my db/x");
    }

    @Test
    void pgpassEscapesColonsAndBackslashes() {
        DatabaseClone clone = TestClones.minimal();
        clone.getSpec().getPostgres().setSuperuser("a:b\\c");
        String pgpass = decoded(CloneSecrets.superuser(effective(clone), "x:y\\z")).get("pgpass");

        assertThat(pgpass).isEqualTo("orders-staging.shop.svc:5432:postgres:a\\:b\\\\c:x\\:y\\\\z\n");
    }

    /** What libpq, pgjdbc and a URI parser read back is what the plain keys say. */
    private static void assertCredentialsRoundTrip(Map<String, String> data, String user, String db) throws Exception {
        assertThat(data.get("username")).isEqualTo(user);
        assertThat(data.get("password")).isEqualTo(AWKWARD_PASSWORD);
        assertThat(data.get("dbname")).isEqualTo(db);

        URI uri = URI.create(data.get("uri"));
        assertThat(uri.getScheme()).isEqualTo("postgresql");
        assertThat(uri.getHost()).isEqualTo("orders-staging.shop.svc");
        assertThat(uri.getPort()).isEqualTo(5432);
        String userInfo = uri.getRawUserInfo();
        int colon = userInfo.indexOf(':');
        assertThat(decode(userInfo.substring(0, colon))).isEqualTo(user);
        assertThat(decode(userInfo.substring(colon + 1))).isEqualTo(AWKWARD_PASSWORD);
        assertThat(decode(uri.getRawPath().substring(1))).isEqualTo(db);
        assertThat(uri.getRawQuery()).isNull();
        assertThat(uri.getRawFragment()).isNull();

        // the PostgreSQL JDBC driver's own URL parser: what an application using jdbc-uri gets
        Properties jdbc = org.postgresql.Driver.parseURL(data.get("jdbc-uri"), new Properties());
        assertThat(jdbc).isNotNull();
        assertThat(jdbc.getProperty("user")).isEqualTo(user);
        assertThat(jdbc.getProperty("password")).isEqualTo(AWKWARD_PASSWORD);
        assertThat(jdbc.getProperty("PGDBNAME")).isEqualTo(db);
        assertThat(jdbc.getProperty("PGHOST")).isEqualTo("orders-staging.shop.svc");
        assertThat(jdbc.getProperty("PGPORT")).isEqualTo("5432");

        String pgpass = data.get("pgpass");
        assertThat(pgpass).endsWith("\n");
        assertThat(pgpassFields(pgpass.substring(0, pgpass.length() - 1)))
                .containsExactly("orders-staging.shop.svc", "5432", db, user, AWKWARD_PASSWORD);
    }

    /** libpq's reading of a .pgpass line: ':' separates fields, a backslash escapes the next character. */
    private static List<String> pgpassFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    @Test
    void valueDecodesDataAndFallsBackToStringData() {
        Secret made = CloneSecrets.role(effective(withCredentials()), "app", AWKWARD_PASSWORD);
        assertThat(CloneSecrets.value(made, CloneSecrets.PASSWORD)).isEqualTo(AWKWARD_PASSWORD);
        assertThat(CloneSecrets.value(made, "missing")).isNull();
        assertThat(CloneSecrets.value(null, CloneSecrets.PASSWORD)).isNull();

        // a Secret a person wrote with stringData (spec.credentials.secretName) before the API server converted it
        Secret written = new SecretBuilder().withStringData(Map.of("app", "from-string-data")).build();
        assertThat(CloneSecrets.value(written, "app")).isEqualTo("from-string-data");
        assertThat(CloneSecrets.value(written, "other")).isNull();
        assertThat(CloneSecrets.value(new Secret(), "app")).isNull();
    }

    private static Map<String, String> decoded(Secret secret) {
        Map<String, String> plain = new LinkedHashMap<>();
        secret.getData().forEach((k, v) -> plain.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return plain;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
