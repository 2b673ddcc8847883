package dev.pgclone.operator.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.postgres.masking.PiiDetectors.Kind;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PII check against a real PostgreSQL holding a partly masked copy: masked and unmasked
 * tables, awkward names, a partitioned table, materialized views, arrays, json, a column flagged
 * by name, and a table large enough to be sampled with TABLESAMPLE.
 */
@PostgresTest
class PiiScanTest {

    private static final String PASSWORD = "su-pw-for-the-scan-1";
    private static final String SCANNER_PASSWORD = "scanner-pw-1";
    private static final PiiRules RULES = PiiRules.of(List.of("example.com"), List.of("ssn", "^birth_?date$"), 1000);
    /** Pieces of the values put in the tables: none may show in a finding or a skip reason. */
    private static final List<String> VALUE_FRAGMENTS = List.of("@", "gmail", "yahoo", "outlook", "+49", "1234567", "555 0100", "7946",
            "DE89", "WEST", "ABNA", "4111", "5500", "3782", "+33", "90000", "1980-", "Street", "Bob", "2024-01-15");

    private static LocalPostgres pg;

    @BeforeAll
    static void startCopy() {
        pg = LocalPostgres.start("pii-scan");
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        pg.psql("CREATE ROLE scanner LOGIN PASSWORD '" + SCANNER_PASSWORD + "'");
        pg.psql("CREATE DATABASE orders");
        pg.psql("CREATE DATABASE limited");

        pg.psql("orders", """
                CREATE EXTENSION citext;
                CREATE DOMAIN contact_text AS varchar(200);
                CREATE DOMAIN phone_list AS varchar[];

                -- masked: one allowed address everywhere, phones removed
                CREATE TABLE customers_masked (id int PRIMARY KEY, email text, phone text, name text);
                INSERT INTO customers_masked SELECT g, 'user123@example.com', NULL, 'Customer ' || g FROM generate_series(1, 50) g;

                -- not masked at all
                CREATE TABLE customers (id int PRIMARY KEY, email varchar(200), alt_email citext, phone text, iban character(40),
                                        card text, notes text, profile jsonb, extra json, reference text);
                INSERT INTO customers
                SELECT g,
                       'customer' || g || '@gmail.com',
                       'Customer' || g || '@Yahoo.com',
                       (ARRAY['+49 30 1234567', '(030) 123-4567', '0301234567', '+1 212 555 0100'])[1 + g % 4],
                       (ARRAY['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'NL91ABNA0417164300'])[1 + g % 3],
                       (ARRAY['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005'])[1 + g % 3],
                       'order ' || g || ' of 2024-01-15, total ' || (g * 12.5)::text || ' EUR',
                       jsonb_build_object('contact', jsonb_build_object('email', 'c' || g || '@outlook.com'), 'vip', g % 2 = 0),
                       json_build_object('phone', '+44 20 7946 ' || lpad(g::text, 4, '0'), 'visits', g),
                       (ARRAY['2024-01-15', '1234567.89', '550e8400-e29b-41d4-a716-446655440000', '123456789'])[1 + g % 4]
                FROM generate_series(1, 40) g;

                -- names that need quoting, and a domain over varchar
                CREATE TABLE "Contacts ""VIP"" List" ("Id" int, "Home Address" text, "Contact Email" contact_text);
                INSERT INTO "Contacts ""VIP"" List" SELECT g, 'Street ' || g, 'vip' || g || '@gmail.com' FROM generate_series(1, 10) g;

                -- partitions are read, the parent is not
                CREATE TABLE events (id int, at date, payload text) PARTITION BY RANGE (at);
                CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
                CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
                INSERT INTO events SELECT g, '2023-06-01', 'login ok' FROM generate_series(1, 20) g;
                INSERT INTO events SELECT g, '2024-06-01', '+33 1 23 45 67 ' || lpad(g::text, 2, '0') FROM generate_series(1, 20) g;

                CREATE MATERIALIZED VIEW customer_contacts AS SELECT id, email FROM customers;
                CREATE MATERIALIZED VIEW not_yet AS SELECT email FROM customers WITH NO DATA;

                -- flagged by name: ssn varies, ssn_masked is a constant; arrays, one of two dimensions
                CREATE TABLE people (id int, ssn text, ssn_masked text, birth_date date, phones phone_list, nicknames text[], emails_2d text[]);
                INSERT INTO people
                SELECT g, '9' || lpad(g::text, 8, '0'), '000000000', date '1980-01-01' + g, ARRAY['+49 30 123456' || (g % 10), NULL],
                       ARRAY['Bob', 'Bobby'], ARRAY[['p' || g || '@gmail.com', 'n/a'], ['n/a', 'n/a']]
                FROM generate_series(1, 30) g;
                """);
        // the first half of the table is masked: reading from the start would see none of the rest
        pg.psql("orders", """
                CREATE TABLE big (id int, email text);
                INSERT INTO big SELECT g, CASE WHEN g <= 100000 THEN 'user@example.com' ELSE 'u' || g || '@gmail.com' END
                FROM generate_series(1, 200000) g;
                CREATE MATERIALIZED VIEW big_emails AS SELECT email FROM big;
                ANALYZE big;
                ANALYZE big_emails;
                """);

        pg.psql("limited", """
                CREATE TABLE open_t (email text);
                INSERT INTO open_t SELECT 'open' || g || '@gmail.com' FROM generate_series(1, 5) g;
                CREATE TABLE partial (id int, email text, note text);
                INSERT INTO partial VALUES (1, 'p@gmail.com', 'fine');
                CREATE TABLE closed (email text);
                CREATE TABLE locked (email text);
                INSERT INTO locked VALUES ('l@gmail.com');
                CREATE SCHEMA hidden;
                CREATE TABLE hidden.t (email text);
                GRANT SELECT ON open_t, locked TO scanner;
                GRANT SELECT (id, note) ON partial TO scanner;
                """);
    }

    @AfterAll
    static void stopCopy() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection login(String db, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return new org.postgresql.Driver().connect(pg.jdbcUrl(db), p);
    }

    private static String queryOne(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> columnsAndKinds(List<PiiFinding> findings) {
        return findings.stream().map(f -> f.schema() + "." + f.table() + "." + f.column() + " " + f.kind()).toList();
    }

    private static PiiFinding finding(PiiScan.Result result, String table, String column, Kind kind) {
        return result.findings().stream().filter(f -> f.table().equals(table) && f.column().equals(column) && f.kind() == kind)
                .findFirst().orElseThrow();
    }

    private static void assertNoValues(PiiScan.Result result) {
        List<String> texts = new ArrayList<>(result.skipped());
        texts.add(result.toString());
        result.findings().forEach(f -> {
            texts.add(f.describe());
            texts.add(f.toString());
        });
        for (String text : texts) {
            for (String fragment : VALUE_FRAGMENTS) {
                assertThat(text).as("a sampled value shows").doesNotContain(fragment);
            }
        }
    }

    @Test
    void findsEveryUnmaskedColumnAndNothingElse() throws Exception {
        PiiScan.Result result;
        try (Connection c = login("orders", "postgres", PASSWORD)) {
            result = PiiScan.scan(c, "orders", RULES);

            // the session is as it was: autocommit, no read-only mode or timeout left behind
            assertThat(c.getAutoCommit()).isTrue();
            assertThat(queryOne(c, "SHOW transaction_read_only")).isEqualTo("off");
            assertThat(queryOne(c, "SHOW statement_timeout")).isEqualTo("0");
        }

        assertThat(columnsAndKinds(result.findings())).containsExactly(
                "public.Contacts \"VIP\" List.Contact Email Email",
                "public.big.email Email",
                "public.big_emails.email Email",
                "public.customer_contacts.email Email",
                "public.customers.alt_email Email",
                "public.customers.card CardNumber",
                "public.customers.email Email",
                "public.customers.extra Phone",
                "public.customers.iban Iban",
                "public.customers.phone Phone",
                "public.customers.profile Email",
                "public.events_2024.payload Phone",
                "public.people.birth_date ColumnName",
                "public.people.emails_2d Email",
                "public.people.phones Phone",
                "public.people.ssn ColumnName");
        // 3 + 9 + 2 + 1 + 1 + 1 + 6 + 1 + 1: every text-like or flagged column of the tables, leaf
        // partitions and populated materialized views; not the partitioned parent, not not_yet
        assertThat(result.columnsScanned()).isEqualTo(25);
        assertThat(result.skipped()).isEmpty();

        for (PiiFinding f : result.findings()) {
            assertThat(f.database()).isEqualTo("orders");
            assertThat(f.sampled()).as(f.describe()).isBetween(1, RULES.sampleRows());
            assertThat(f.matches()).as(f.describe()).isBetween(1, f.sampled());
        }
        // small tables are read whole: every row of the unmasked table counts
        for (String column : List.of("email", "alt_email", "phone", "iban", "card", "profile", "extra")) {
            PiiFinding f = result.findings().stream().filter(x -> x.table().equals("customers") && x.column().equals(column)).findFirst().orElseThrow();
            assertThat(f.matches()).as(f.describe()).isEqualTo(40);
            assertThat(f.sampled()).isEqualTo(40);
        }
        assertThat(finding(result, "events_2024", "payload", Kind.Phone).matches()).isEqualTo(20);
        assertThat(finding(result, "people", "ssn", Kind.ColumnName).matches()).isEqualTo(30);
        assertThat(finding(result, "people", "birth_date", Kind.ColumnName).sampled()).isEqualTo(30);
        // the large table and its view are sampled from random pages, a random choice of their rows
        // kept: both halves show up, where the first 1000 rows (all at the allowed domain) show nothing
        for (String table : List.of("big", "big_emails")) {
            PiiFinding f = finding(result, table, "email", Kind.Email);
            assertThat(f.sampled()).as(f.describe()).isBetween(100, 1000);
            assertThat(f.matches()).as(f.describe()).isGreaterThan(0).isLessThan(f.sampled());
        }
        assertThat(finding(result, "Contacts \"VIP\" List", "Contact Email", Kind.Email).describe())
                .isEqualTo("orders.public.\"Contacts \"\"VIP\"\" List\".\"Contact Email\": 10 of 10 sampled values look like e-mail addresses");
        assertNoValues(result);
    }

    @Test
    void columnsThatCannotBeReadAreListedAndTheRestIsScanned() throws Exception {
        PiiScan.Result result;
        try (Connection holder = login("limited", "postgres", PASSWORD); Connection c = login("limited", "scanner", SCANNER_PASSWORD)) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE");
            }
            long start = System.nanoTime();
            result = PiiScan.scan(c, "limited", RULES, Duration.ofMillis(500));
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(10.0);
            holder.rollback();
            assertThat(c.getAutoCommit()).isTrue();
            assertThat(queryOne(c, "SELECT count(*) FROM open_t")).isEqualTo("5");
        }

        assertThat(columnsAndKinds(result.findings())).containsExactly("public.open_t.email Email");
        assertThat(result.skipped()).containsExactly(
                "limited.hidden.t.email: no SELECT privilege",
                "limited.public.closed.email: no SELECT privilege",
                "limited.public.locked.email: not read within the statement timeout of 500 ms (SQLSTATE 57014)",
                "limited.public.partial.email: no SELECT privilege");
        // open_t.email and partial.note
        assertThat(result.columnsScanned()).isEqualTo(2);
        assertNoValues(result);
    }

    @Test
    void aConnectionInsideATransactionIsRefused() throws Exception {
        try (Connection c = login("limited", "postgres", PASSWORD)) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> PiiScan.scan(c, "limited", RULES)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void largeTablesAreSampledAndSmallOnesReadFromTheStart() {
        assertThat(PiiScan.samplingClause(-1, 1000)).isEmpty();
        assertThat(PiiScan.samplingClause(0, 1000)).isEmpty();
        assertThat(PiiScan.samplingClause(3000, 1000)).isEmpty();
        assertThat(PiiScan.samplingClause(10_000, 1000)).isEqualTo(" TABLESAMPLE SYSTEM (30.000000)");
        assertThat(PiiScan.samplingClause(200_000, 1000)).isEqualTo(" TABLESAMPLE SYSTEM (1.500000)");
        assertThat(PiiScan.samplingClause(3e9, 1000)).isEqualTo(" TABLESAMPLE SYSTEM (0.000100)");
        // never 0%, which would read nothing at all
        assertThat(PiiScan.samplingClause(3e12, 1000)).isEqualTo(" TABLESAMPLE SYSTEM (0.000001)");

        assertThat(PiiScan.sampleSql("c::text", "s.t", "c", -1, 1000)).isEqualTo("SELECT c::text FROM s.t WHERE c IS NOT NULL LIMIT 1000");
        assertThat(PiiScan.sampleSql("c::text", "s.t", "c", 1000, 1000)).isEqualTo("SELECT c::text FROM s.t WHERE c IS NOT NULL LIMIT 1000");
        assertThat(PiiScan.sampleSql("c::text", "s.t", "c", 2000, 1000))
                .isEqualTo("SELECT v FROM (SELECT c::text AS v FROM s.t WHERE c IS NOT NULL) s ORDER BY random() LIMIT 1000");
        assertThat(PiiScan.sampleSql("c::text", "s.t", "c", 200_000, 1000)).isEqualTo(
                "SELECT v FROM (SELECT c::text AS v FROM s.t TABLESAMPLE SYSTEM (1.500000) WHERE c IS NOT NULL) s ORDER BY random() LIMIT 1000");
    }
}
