package dev.pgclone.operator.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceConnectionTest {

    @Test
    void cloudNativePgSuperuserSecretLayout() {
        // the keys CloudNativePG writes into <cluster>-superuser, without uri
        Map<String, String> data = Map.of("username", "postgres", "user", "postgres", "password", "s3cret",
                "host", "orders-rw", "port", "5432", "dbname", "*");

        SourceConnection c = SourceConnection.fromSecretData(data);

        assertThat(c).isEqualTo(new SourceConnection("orders-rw", 5432, "postgres", "s3cret", "postgres", "prefer"));
    }

    @Test
    void uriWinsOverTheSeparateKeysBecauseItsHostCarriesTheNamespace() {
        Map<String, String> data = Map.of("uri", "postgresql://postgres:s3cret@orders-rw.prod:5432/*",
                "host", "orders-rw", "port", "5432", "username", "postgres", "password", "s3cret", "dbname", "*");

        SourceConnection c = SourceConnection.fromSecretData(data);

        assertThat(c.host()).isEqualTo("orders-rw.prod");
        assertThat(c.database()).isEqualTo("postgres");
    }

    @Test
    void uriWithPercentEncodedCredentialsAndParameters() {
        SourceConnection c = SourceConnection.fromSecretData(Map.of("uri",
                "postgresql://ad%40min:p%2Fa%3As%40s+w%25rd%C3%A9@db.prod.svc:6543/orders%20db?sslmode=require&application_name=x"));

        assertThat(c.username()).isEqualTo("ad@min");
        // '+' stays a plus in a URI's user info (URLDecoder would make it a space)
        assertThat(c.password()).isEqualTo("p/a:s@s+w%rdé");
        assertThat(c.host()).isEqualTo("db.prod.svc");
        assertThat(c.port()).isEqualTo(6543);
        assertThat(c.database()).isEqualTo("orders db");
        assertThat(c.sslMode()).isEqualTo("require");
    }

    @Test
    void postgresSchemeDefaultPortAndDatabase() {
        SourceConnection c = SourceConnection.fromSecretData(Map.of("uri", "postgres://u:p@db.example"));

        assertThat(c).isEqualTo(new SourceConnection("db.example", 5432, "u", "p", "postgres", "prefer"));
    }

    @Test
    void ipv6HostInUri() {
        SourceConnection c = SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@[fd00::5]:5433/x"));

        assertThat(c.host()).isEqualTo("fd00::5");
        assertThat(c.port()).isEqualTo(5433);
        assertThat(c.database()).isEqualTo("x");
    }

    @Test
    void credentialsMissingFromTheUriComeFromParametersOrKeys() {
        assertThat(SourceConnection.fromSecretData(Map.of("uri", "postgresql://db:5432/app?user=u&password=p%20q")))
                .isEqualTo(new SourceConnection("db", 5432, "u", "p q", "app", null));
        assertThat(SourceConnection.fromSecretData(Map.of("uri", "postgresql://db/app", "username", "u", "password", "p")))
                .isEqualTo(new SourceConnection("db", 5432, "u", "p", "app", null));
    }

    @Test
    void missingKeysAreNamed() {
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("host", "db")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("missing key(s) username, password:")
                .hasMessageContaining("key uri");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(new HashMap<>()))
                .hasMessageStartingWith("missing key(s) host, username, password:");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u@db/app")))
                .hasMessageStartingWith("key uri has no password");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedValuesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("host", "db", "port", "54x2", "username", "u", "password", "p")))
                .hasMessage("key port is not a port number: \"54x2\"");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "mysql://u:p@db/app")))
                .hasMessageStartingWith("key uri must start with postgresql:// or postgres://");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@a:5432,b:5432/app")))
                .hasMessageContaining("several hosts");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db:70000/app")))
                .hasMessageContaining("not a port number");
    }

    @Test
    void bareServiceNamesAreQualifiedWithTheSecretsNamespace() {
        Map<String, String> data = new HashMap<>(Map.of("host", "orders-rw", "username", "u", "password", "p"));
        assertThat(SourceConnection.fromSecretData(data, "prod").host()).isEqualTo("orders-rw.prod");
        data.put("host", "orders-rw.prod.svc.cluster.local");
        assertThat(SourceConnection.fromSecretData(data, "staging").host()).isEqualTo("orders-rw.prod.svc.cluster.local");
        data.put("host", "10.1.2.3");
        assertThat(SourceConnection.fromSecretData(data, "prod").host()).isEqualTo("10.1.2.3");
        data.put("host", "localhost");
        assertThat(SourceConnection.fromSecretData(data, "prod").host()).isEqualTo("localhost");
    }

    @Test
    void printsWithoutThePassword() {
        SourceConnection c = new SourceConnection("db", 5432, "u", "very-secret-pw", null, null);

        assertThat(c.toString()).doesNotContain("very-secret-pw").contains("u@db:5432/postgres");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"db?sslfactory=org.postgresql.ssl.NonValidatingFactory&socketFactory=x",
            "db/postgres?socketFactory=x", "db&socketFactory=x", "db:5432", "db postgres", "user@db", "db#x", "[fd00::1]?a=b", "fd00::1?x"})
    void aHostThatCouldCarryUrlParametersIsRefused(String host) {
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("host", host, "username", "u", "password", "p")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a host name or IP address");
    }

    @Test
    void aUriMayCarryOnlyTheAllowedParameters() {
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri",
                "postgresql://u:p@db/app?sslmode=disable&socketFactory=org.example.Evil")))
                .hasMessage("key uri has the parameter \"socketFactory\", which the operator does not pass on:"
                        + " only dbname, password, sslmode, user are allowed");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db/app?sslfactory=x")))
                .hasMessageContaining("\"sslfactory\"");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db?x/app")))
                .hasMessageContaining("\"x/app\"");
        // a host smuggled through percent-encoding in the uri is checked like any host
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db%3Fsslfactory%3Dx/app")))
                .hasMessageContaining("is not a host name or IP address");
        assertThat(SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db/app?sslmode=verify-full")).sslMode())
                .isEqualTo("verify-full");
    }

    @Test
    void sslmodeMustBeOneOfLibpqs() {
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("host", "db", "username", "u", "password", "p",
                "sslmode", "disable&sslfactory=x")))
                .hasMessageStartingWith("sslmode \"disable&sslfactory=x\" is not one of");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("uri", "postgresql://u:p@db/app?sslmode=verify-nothing")))
                .hasMessageStartingWith("sslmode \"verify-nothing\" is not one of");
    }

    /** A database name is a path segment of the URL, encoded: whatever it holds stays the name and sets nothing else. */
    @Test
    void aDatabaseNameCannotAddUrlParameters() {
        String evil = "app?sslfactory=org.example.Evil&socketFactory=org.example.Evil#x";
        SourceConnection c = SourceConnection.fromSecretData(Map.of("host", "db", "username", "u", "password", "p", "dbname", evil));

        java.util.Properties parsed = org.postgresql.Driver.parseURL(Jdbc.url(c.host(), c.port(), c.database()), null);

        assertThat(parsed).isNotNull();
        assertThat(parsed.getProperty("PGDBNAME")).isEqualTo(evil);
        assertThat(parsed.getProperty("PGHOST")).isEqualTo("db");
        assertThat(parsed.stringPropertyNames()).doesNotContain("sslfactory", "socketFactory");
        assertThatThrownBy(() -> SourceConnection.fromSecretData(Map.of("host", "db", "username", "u", "password", "p",
                "dbname", "app\nx"))).hasMessageContaining("control characters");
    }
}
