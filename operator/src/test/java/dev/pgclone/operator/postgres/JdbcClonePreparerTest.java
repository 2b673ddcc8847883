package dev.pgclone.operator.postgres;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.operator.testing.PostgresTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The preparer against a real PostgreSQL standing in for a started clone. One instance for the
 * class (starting one costs a second or two); each test uses its own roles and tables.
 */
@PostgresTest
class JdbcClonePreparerTest {

    // quotes, backslash, dollar and a semicolon: anything naive string building would break on
    private static final String SUPERUSER_PASSWORD = "su'p\"er$1\\pw;-- x";

    private static LocalPostgres pg;
    private final JdbcClonePreparer preparer = new JdbcClonePreparer();

    @BeforeAll
    static void startClone() {
        pg = LocalPostgres.start("preparer");
        pg.psql("ALTER ROLE postgres PASSWORD '" + SUPERUSER_PASSWORD.replace("'", "''") + "'");
        pg.psql("CREATE DATABASE app");
        // a production configuration the clone inherits: every statement logged. Set after the
        // superuser's password, which this test's own psql sends in clear text.
        pg.psql("ALTER SYSTEM SET log_statement = 'all'");
        pg.psql("SELECT pg_reload_conf()");
    }

    @AfterAll
    static void stopClone() {
        if (pg != null) {
            pg.close();
        }
    }

    private PreparationRequest request(Map<String, String> roles, List<SqlScript> scripts) {
        return new PreparationRequest("127.0.0.1", pg.port(), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, roles, scripts, "app",
                Duration.ofSeconds(5));
    }

    private PreparationResult prepare(PreparationRequest request) {
        PreparationResult result = preparer.prepare(request);
        assertNoSecrets(result, request);
        return result;
    }

    /** Holds for every result of every test: no password of the request in any text. */
    private static void assertNoSecrets(PreparationResult result, PreparationRequest request) {
        List<String> texts = new ArrayList<>();
        texts.add(result.toString());
        texts.add(String.valueOf(result.failureMessage()));
        result.steps().forEach(s -> texts.add(s.name() + " " + s.error()));
        List<String> secrets = new ArrayList<>(request.rolePasswords().values());
        secrets.add(request.superuserPassword());
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(text).doesNotContain(secret);
            }
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

    @Test
    void rolesGetWorkingScramPasswordsWithLoginAndNoExpiry() throws Exception {
        pg.psql("CREATE ROLE app_a NOLOGIN PASSWORD 'production' VALID UNTIL '2001-01-01'");
        pg.psql("CREATE ROLE \"Report Er\" LOGIN");
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("app_a", "p'w\"d$$1\\;--/*x");
        roles.put("Report Er", "pässwörd-ünïcödé-2");

        PreparationResult result = prepare(request(roles, List.of()));

        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(result.failureReason()).isNull();
        assertThat(result.steps()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("credentials");
            assertThat(s.error()).isNull();
            assertThat(s.rows()).isNull();
            assertThat(s.durationSeconds()).isBetween(0.0, 10.0);
        });
        // over TCP with scram, as applications will
        try (Connection c = login("app", "app_a", roles.get("app_a"))) {
            assertThat(queryOne(c, "SELECT current_user")).isEqualTo("app_a");
        }
        try (Connection c = login("app", "Report Er", roles.get("Report Er"))) {
            assertThat(queryOne(c, "SELECT current_user")).isEqualTo("Report Er");
        }
        assertThatThrownBy(() -> login("app", "app_a", "production").close())
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
        assertThat(pg.psql("SELECT rolcanlogin, rolvaliduntil, left(rolpassword, 14) FROM pg_authid WHERE rolname = 'app_a'"))
                .isEqualTo("t|infinity|SCRAM-SHA-256$");
        // production logs every statement, yet neither password nor verifier reached the clone's log
        String log = pg.log();
        assertThat(log).doesNotContain(roles.get("app_a")).doesNotContain(roles.get("Report Er")).doesNotContain("SCRAM-SHA-256$");
    }

    /**
     * The clone starts with the operator's credential only. While the scripts run (masking is not
     * done), neither the published superuser password nor a role's published password logs in;
     * both work after preparation, and the operator's password then no longer does.
     */
    @Test
    void publishedPasswordsOpenTheCloneOnlyAfterTheLastScript() throws Exception {
        String operatorPassword = "operator-only-9f3c";
        pg.psql("CREATE ROLE gate_su SUPERUSER LOGIN PASSWORD '" + ScramVerifier.of(operatorPassword) + "'");
        pg.psql("CREATE ROLE gate_app NOLOGIN");
        String published = "published-su-77";
        String appPassword = "published-app-78";
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "gate_su", operatorPassword, published,
                Map.of("gate_app", appPassword), List.of(new SqlScript("slow-masking.sql", "SELECT pg_sleep(3)")), "app",
                Duration.ofSeconds(5));

        var running = java.util.concurrent.CompletableFuture.supplyAsync(() -> prepare(request));
        awaitQuery("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(3)%' AND state = 'active'", "1");

        assertRefused("gate_su", published);
        assertRefused("gate_app", appPassword);
        PreparationResult result = running.get(30, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("slow-masking.sql", "credentials");
        try (Connection c = login("app", "gate_su", published)) {
            assertThat(queryOne(c, "SELECT current_user")).isEqualTo("gate_su");
        }
        try (Connection c = login("app", "gate_app", appPassword)) {
            assertThat(queryOne(c, "SELECT current_user")).isEqualTo("gate_app");
        }
        assertRefused("gate_su", operatorPassword);
    }

    @Test
    void aFailedPreparationLeavesEveryPublishedPasswordInvalid() throws Exception {
        String operatorPassword = "operator-only-4d1e";
        pg.psql("CREATE ROLE fail_su SUPERUSER LOGIN PASSWORD '" + ScramVerifier.of(operatorPassword) + "'");
        pg.psql("CREATE ROLE fail_app LOGIN");
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "fail_su", operatorPassword, "published-su-1",
                Map.of("fail_app", "published-app-1"), List.of(new SqlScript("broken.sql", "SELECT * FROM no_such_table")), "app",
                Duration.ofSeconds(5));

        PreparationResult result = prepare(request);

        assertThat(result.failureReason()).isEqualTo("PostCloneSqlFailed");
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("broken.sql");
        assertRefused("fail_su", "published-su-1");
        assertRefused("fail_app", "published-app-1");
        login("app", "fail_su", operatorPassword).close();
    }

    private static void assertRefused(String user, String password) {
        assertThatThrownBy(() -> login("app", user, password).close())
                .as("login of %s", user)
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
    }

    private static void awaitQuery(String sql, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!pg.psql(sql).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never true: " + sql);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aMissingRoleFailsBeforeAnythingChanges() {
        pg.psql("CREATE ROLE app_b NOLOGIN");
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("app_b", "Bpassword-123456");
        roles.put("ghost", "Gpassword-123456");

        PreparationResult result = prepare(request(roles, List.of(new SqlScript("postClone.sql", "CREATE TABLE after_missing_role (id int)"))));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureReason()).isEqualTo("RoleMissing");
        assertThat(result.failureMessage()).isEqualTo("role \"ghost\" does not exist in the cloned database:"
                + " remove it from spec.credentials.roles or create it in the source");
        assertThat(result.steps()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("credentials");
            assertThat(s.error()).isEqualTo("role \"ghost\" does not exist");
        });
        assertThat(result.retryable()).isFalse();
        // the existing role was not touched and the script did not run
        assertThat(pg.psql("SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = 'app_b'")).isEqualTo("f|t");
        assertThat(pg.psql("app", "SELECT to_regclass('after_missing_role') IS NULL")).isEqualTo("t");
    }

    @Test
    void theSuperuserIsNotAPublishedRole() {
        PreparationResult result = prepare(request(Map.of("postgres", "another-password-1"), List.of()));

        assertThat(result.failureReason()).isEqualTo("CredentialsFailed");
        assertThat(result.failureMessage()).contains("superuser").contains("spec.credentials.roles");
        // the operator can still log in with its own password
        assertThat(prepare(request(Map.of(), List.of())).succeeded()).isTrue();
    }

    @Test
    void aSuperuserThatIsNotOneIsToldSo() {
        pg.psql("CREATE ROLE not_super LOGIN PASSWORD 'not-super-pw-1'");
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "not_super", "not-super-pw-1", "not-super-pw-1",
                Map.of(), List.of(), "app", Duration.ofSeconds(5));

        PreparationResult result = prepare(request);

        // it may log in, but not switch off statement logging for its session
        assertThat(result.failureReason()).isEqualTo("CredentialsFailed");
        assertThat(result.failureMessage()).contains("SQLSTATE 42501").endsWith("spec.postgres.superuser must be a superuser");
        assertThat(result.retryable()).isFalse();
    }

    @Test
    void aWrongSuperuserPasswordIsAnAuthenticationFailure() {
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "postgres", "not-the-password-42", "not-the-password-42",
                Map.of(), List.of(), "app", Duration.ofSeconds(5));

        PreparationResult result = prepare(request);

        assertThat(result.failureReason()).isEqualTo("AuthenticationFailed");
        assertThat(result.failureMessage())
                .contains("127.0.0.1:" + pg.port())
                .contains("SQLSTATE 28P01")
                .contains("\"postgres\"")
                .doesNotContain("not-the-password-42");
        assertThat(result.steps()).isEmpty();
        assertThat(result.postgresVersion()).isNull();
    }

    @Test
    void aClosedPortIsUnreachableAtOnce() {
        int closed = LocalPostgres.freePort();
        PreparationRequest request = new PreparationRequest("127.0.0.1", closed, "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD,
                Map.of("app", "x-password-1"), List.of(), "app", Duration.ofSeconds(5));

        long start = System.nanoTime();
        PreparationResult result = prepare(request);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(result.failureReason()).isEqualTo("Unreachable");
        assertThat(result.retryable()).isTrue();
        assertThat(result.failureMessage()).startsWith("cannot connect to the clone at 127.0.0.1:" + closed + " within 5 s (")
                .contains("check that the clone Pod is running");
        assertThat(seconds).isLessThan(3.0);
    }

    @Test
    void aServerThatNeverAnswersIsUnreachableWithinTheConnectTimeout() throws Exception {
        // accepts TCP connections and then says nothing, like a hung process or a half-open path
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closedAtEnd) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            PreparationRequest request = new PreparationRequest("127.0.0.1", silent.getLocalPort(), "postgres",
                    SUPERUSER_PASSWORD, SUPERUSER_PASSWORD, Map.of(), List.of(), "app", Duration.ofSeconds(1));

            long start = System.nanoTime();
            PreparationResult result = prepare(request);
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(result.failureReason()).isEqualTo("Unreachable");
            // pgjdbc's login timeout has whole seconds; the socket timeout during login matches it
            assertThat(seconds).isBetween(0.9, 3.0);
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void maskingAndMigrationScriptsRunInOrderInTheRequestedDatabase() {
        pg.psql("app", "CREATE TABLE users_m (id int PRIMARY KEY, email text);"
                + " INSERT INTO users_m SELECT g, 'person' || g || '@corp.example.com' FROM generate_series(1, 250) g");
        SqlScript masking = new SqlScript("postClone.sql", "UPDATE users_m SET email = 'user' || id || '@example.test';");
        SqlScript migration = new SqlScript("migrations/001-orders.sql", """
                -- a migration rehearsed on real data
                CREATE TABLE orders_m (id int, user_id int REFERENCES users_m (id));
                ALTER TABLE users_m ADD COLUMN nickname text;
                INSERT INTO orders_m VALUES (1, 1), (2, 1), (3, 2);
                -- these two refuse to run inside a transaction block
                CREATE INDEX CONCURRENTLY orders_m_user ON orders_m (user_id);
                VACUUM ANALYZE orders_m;
                SELECT count(*) FROM orders_m
                """);

        PreparationResult result = prepare(request(Map.of(), List.of(masking, migration)));

        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("postClone.sql", "migrations/001-orders.sql", "credentials");
        assertThat(result.steps()).extracting(StepOutcome::rows).containsExactly(250L, 3L, null);
        assertThat(result.steps()).extracting(StepOutcome::error).containsOnlyNulls();
        assertThat(result.steps()).allSatisfy(s -> assertThat(s.durationSeconds()).isBetween(0.0, 10.0));
        // creating and concurrently indexing a table does not take under a millisecond
        assertThat(result.steps().get(1).durationSeconds()).isPositive();
        assertThat(pg.psql("app", "SELECT count(*) FROM users_m WHERE email LIKE '%@example.test'")).isEqualTo("250");
        assertThat(pg.psql("app", "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_m_user'::regclass")).isEqualTo("t");
        assertThat(pg.psql("app", "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users_m' AND column_name = 'nickname'"))
                .isEqualTo("1");
        assertThat(pg.psql("postgres", "SELECT to_regclass('users_m') IS NULL")).isEqualTo("t");
    }

    @Test
    void functionBodiesAndDoBlocksRunAsSingleStatements() {
        SqlScript script = new SqlScript("functions.sql", """
                CREATE FUNCTION mask_email(id int) RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                  RETURN 'user' || id || '@example.test'; -- a semicolon inside the body
                END;
                $$;
                CREATE FUNCTION add_one(a int) RETURNS int LANGUAGE sql
                BEGIN ATOMIC
                  SELECT a + 1;
                END;
                DO $do$ BEGIN CREATE TABLE fn_out AS SELECT mask_email(add_one(1)) AS email; END $do$;
                """);

        PreparationResult result = prepare(request(Map.of(), List.of(script)));

        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(pg.psql("app", "SELECT email FROM fn_out")).isEqualTo("user2@example.test");
    }

    @Test
    void aFailingStatementIsReportedAndLaterScriptsDoNotRun() {
        SqlScript first = new SqlScript("masking-sql/00-table.sql", "CREATE TABLE fail_a (id int);");
        SqlScript failing = new SqlScript("masking-sql/01-users.sql", """
                INSERT INTO fail_a VALUES (1);
                INSERT INTO fail_a VALUES (2);
                UPDATE fail_a
                   SET id = id + 1
                  FROM nope_table;
                INSERT INTO fail_a VALUES (3);
                """);
        SqlScript later = new SqlScript("masking-sql/02-later.sql", "CREATE TABLE fail_marker (id int);");

        PreparationResult result = prepare(request(Map.of(), List.of(first, failing, later)));

        assertThat(result.succeeded()).isFalse();
        assertThat(result.failureReason()).isEqualTo("PostCloneSqlFailed");
        assertThat(result.failureMessage()).isEqualTo("post-clone script \"masking-sql/01-users.sql\" failed at statement 3"
                + " (line 5): SQLSTATE 42P01: relation \"nope_table\" does not exist; later scripts were not run");
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("masking-sql/00-table.sql", "masking-sql/01-users.sql");
        StepOutcome failed = result.steps().get(1);
        assertThat(failed.error()).isEqualTo("SQLSTATE 42P01: relation \"nope_table\" does not exist (statement 3, line 5)");
        assertThat(failed.rows()).isEqualTo(2L);
        assertThat(result.postgresVersion()).isNotBlank();
        // autocommit: what ran before the failure stays; nothing after it ran
        assertThat(pg.psql("app", "SELECT string_agg(id::text, ',' ORDER BY id) FROM fail_a")).isEqualTo("1,2");
        assertThat(pg.psql("app", "SELECT to_regclass('fail_marker') IS NULL")).isEqualTo("t");
    }

    @Test
    void passwordsEchoedByTheServerAreRedacted() {
        pg.psql("CREATE ROLE app_r NOLOGIN");
        String rolePassword = "RolePw-echoed-7731";
        // a cast error quotes its input: the server would hand the password back in its message
        SqlScript echo = new SqlScript("echo.sql", "SELECT '" + rolePassword + "'::int");

        PreparationResult result = prepare(request(Map.of("app_r", rolePassword), List.of(echo)));

        assertThat(result.failureReason()).isEqualTo("PostCloneSqlFailed");
        assertThat(result.steps().get(0).error())
                .isEqualTo("SQLSTATE 22P02: invalid input syntax for type integer: \"[redacted]\" (statement 1, line 1)");
    }

    @Test
    void aScriptThatRunsLongerThanItsTimeoutIsCancelled() {
        SqlScript forever = new SqlScript("forever.sql", "SELECT 1;\nSELECT pg_sleep(100000);", Duration.ofSeconds(2));
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD,
                Map.of(), List.of(forever, new SqlScript("after.sql", "CREATE TABLE after_timeout (id int)")), "app", Duration.ofSeconds(5));

        long start = System.nanoTime();
        PreparationResult result = prepare(request);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(result.failureReason()).isEqualTo("PostCloneTimeout");
        assertThat(result.failureMessage()).startsWith("post-clone script \"forever.sql\" ran longer than its timeout of 2 s and was cancelled"
                + " at statement 2 (line 2)").endsWith("later scripts were not run");
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("forever.sql");
        assertThat(result.steps().get(0).error()).startsWith("SQLSTATE 57014: ");
        assertThat(seconds).isBetween(1.9, 6.0);
        assertThat(pg.psql("app", "SELECT to_regclass('after_timeout') IS NULL")).isEqualTo("t");
        assertThat(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(100000)%' AND pid <> pg_backend_pid()"))
                .isEqualTo("0");
    }

    /** The limit is on the whole script: many short statements cannot add up to more, nor can the script lift it. */
    @Test
    void theTimeoutBoundsTheWholeScriptWhateverItSets() {
        SqlScript sneaky = new SqlScript("sneaky.sql", "SET statement_timeout = 0;\n"
                + "SELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);",
                Duration.ofMillis(1500));
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD,
                Map.of(), List.of(sneaky), "app", Duration.ofSeconds(5));

        long start = System.nanoTime();
        PreparationResult result = prepare(request);
        double seconds = (System.nanoTime() - start) / 1e9;

        assertThat(result.failureReason()).isEqualTo("PostCloneTimeout");
        assertThat(result.failureMessage()).contains("timeout of 1.5 s");
        assertThat(seconds).isLessThan(3.5);
    }

    /**
     * A consumer's spec.postgres.parameters become the server's settings, production's role and
     * database settings come with the copy: here they ask to skip triggers and to log every
     * statement. The preparer's sessions pin their own at login, so masking runs with its
     * triggers and nothing of it reaches the log.
     */
    @Test
    void settingsOfTheConsumerAndProductionCannotLoosenTheMaskingSession() throws Exception {
        try (LocalPostgres loose = LocalPostgres.create("loose-settings")) {
            loose.appendConfig("session_replication_role = replica");
            loose.appendConfig("log_statement = 'all'");
            loose.appendConfig("log_min_duration_statement = 0");
            loose.start();
            loose.psql("ALTER ROLE postgres PASSWORD '" + SUPERUSER_PASSWORD.replace("'", "''") + "'");
            loose.psql("CREATE DATABASE app");
            loose.psql("ALTER DATABASE app SET session_replication_role = replica");
            loose.psql("ALTER ROLE postgres SET log_statement = 'all'");
            loose.psql("app", "CREATE TABLE people (id int PRIMARY KEY, email text, masked_at timestamptz)");
            loose.psql("app", "INSERT INTO people SELECT g, 'person' || g || '@corp.example.com' FROM generate_series(1, 20) g");
            // the masking relies on a trigger to stamp every row it touched
            loose.psql("app", "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN NEW.masked_at := now(); RETURN NEW; END $$");
            loose.psql("app", "CREATE TRIGGER stamp BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION stamp()");
            String marker = "mask-marker-5b1f";
            PreparationRequest request = new PreparationRequest("127.0.0.1", loose.port(), "postgres", SUPERUSER_PASSWORD, "published-9",
                    Map.of(), List.of(new SqlScript("masking.sql", "UPDATE people SET email = '" + marker + "' || id;")), "app",
                    Duration.ofSeconds(5));

            PreparationResult result = prepare(request);
            String log = loose.log();

            assertThat(result.succeeded()).as(result.toString()).isTrue();
            assertThat(loose.psql("app", "SELECT count(*) FROM people WHERE masked_at IS NOT NULL AND email LIKE '" + marker + "%'"))
                    .isEqualTo("20");
            assertThat(log).doesNotContain(marker).doesNotContain("SCRAM-SHA-256$").doesNotContain("published-9");
            // the same settings do apply to an ordinary session: the test would see a loosened one
            loose.psql("app", "SELECT 'ordinary-" + marker + "'");
            awaitTrue(() -> loose.log().contains("ordinary-" + marker));
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void withoutAStatementTimeoutProductionsTimeoutDoesNotApply() {
        // production often sets a short statement_timeout per database; the clone inherits it
        pg.psql("CREATE DATABASE strict_db");
        pg.psql("ALTER DATABASE strict_db SET statement_timeout = '50ms'");
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD,
                Map.of(), List.of(new SqlScript("long.sql", "SELECT pg_sleep(0.3)")), "strict_db", Duration.ofSeconds(5));

        PreparationResult result = prepare(request);

        assertThat(result.succeeded()).as(result.toString()).isTrue();
    }

    @Test
    void aMissingDatabaseIsReported() {
        PreparationRequest request = new PreparationRequest("127.0.0.1", pg.port(), "postgres", SUPERUSER_PASSWORD, SUPERUSER_PASSWORD,
                Map.of(), List.of(new SqlScript("postClone.sql", "SELECT 1")), "no_such_db", Duration.ofSeconds(5));

        PreparationResult result = prepare(request);

        assertThat(result.failureReason()).isEqualTo("DatabaseMissing");
        assertThat(result.failureMessage()).isEqualTo("database \"no_such_db\" does not exist in the clone at 127.0.0.1:"
                + pg.port() + ": set spec.credentials.database to a database that exists in the source");
        assertThat(result.steps()).singleElement().satisfies(s -> assertThat(s.error()).startsWith("SQLSTATE 3D000"));
    }

    @Test
    void aScriptThatLeavesATransactionOpenFailsAndIsRolledBack() {
        PreparationResult result = prepare(request(Map.of(),
                List.of(new SqlScript("open.sql", "BEGIN;\nCREATE TABLE tx_open (id int);\nINSERT INTO tx_open VALUES (1);"))));

        assertThat(result.failureReason()).isEqualTo("PostCloneSqlFailed");
        assertThat(result.failureMessage()).contains("BEGIN without COMMIT").contains("open.sql");
        assertThat(result.steps().get(0).rows()).isEqualTo(1L);
        assertThat(pg.psql("app", "SELECT to_regclass('tx_open') IS NULL")).isEqualTo("t");
    }

    @Test
    void anExplicitTransactionThatCommitsIsFine() {
        PreparationResult result = prepare(request(Map.of(),
                List.of(new SqlScript("tx.sql", "BEGIN;\nCREATE TABLE tx_done (id int);\nINSERT INTO tx_done VALUES (1), (2);\nCOMMIT;"))));

        assertThat(result.succeeded()).as(result.toString()).isTrue();
        assertThat(result.steps().get(0).rows()).isEqualTo(2L);
        assertThat(pg.psql("app", "SELECT count(*) FROM tx_done")).isEqualTo("2");
    }

    @Test
    void anInterruptedThreadStopsPreparation() {
        Thread.currentThread().interrupt();
        PreparationResult result;
        try {
            result = prepare(request(Map.of(), List.of(new SqlScript("never.sql", "CREATE TABLE never_created (id int)"))));
        } finally {
            Thread.interrupted();
        }

        assertThat(result.failureReason()).isEqualTo("Interrupted");
        assertThat(pg.psql("app", "SELECT to_regclass('never_created') IS NULL")).isEqualTo("t");
    }

    @Test
    void readsTheServerVersion() {
        PreparationResult result = prepare(request(Map.of(), List.of()));

        assertThat(result.succeeded()).isTrue();
        assertThat(result.steps()).extracting(StepOutcome::name).containsExactly("credentials");
        String expected = pg.psql("SHOW server_version").split(" ")[0];
        assertThat(result.postgresVersion()).isEqualTo(expected).matches("\\d+(\\.\\d+)?");
        assertThat(JdbcClonePreparer.leadingToken("16.4 (Debian 16.4-1.pgdg120+1)")).isEqualTo("16.4");
    }

    @Test
    void requestsPrintWithoutPasswords() {
        PreparationRequest request = request(Map.of("app", "role-password-99"), List.of(new SqlScript("a.sql", "SELECT 1")));

        assertThat(request.toString()).doesNotContain("role-password-99").doesNotContain(SUPERUSER_PASSWORD)
                .contains("app").contains("a.sql");
        assertThatThrownBy(() -> request(Map.of("app", ""), List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ipv6AddressesAreBracketed() {
        assertThat(Jdbc.url("fd00::12", 5432, "app db")).isEqualTo("jdbc:postgresql://[fd00::12]:5432/app+db");
        assertThat(Jdbc.hostPort("10.0.0.7", 5432)).isEqualTo("10.0.0.7:5432");
    }
}
