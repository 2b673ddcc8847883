package dev.pgclone.operator.postgres.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What must hold before a build's rewrite, against a real PostgreSQL: anything that keeps old row
 * versions alive (VACUUM FULL would copy them into the new files as "recently dead") stops it.
 */
@PostgresTest
class MaskingScrubTest {

    private static final String PASSWORD = "scrub-test-password";
    private static LocalPostgres pg;

    @BeforeAll
    static void start() {
        pg = LocalPostgres.create("masking-scrub");
        pg.appendConfig("max_prepared_transactions = 2");
        pg.appendConfig("autovacuum = off");
        pg.start();
        pg.psql("ALTER ROLE postgres PASSWORD '" + PASSWORD + "'");
        pg.psql("CREATE TABLE customers (id int PRIMARY KEY, email text)");
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", PASSWORD);
        return new org.postgresql.Driver().connect(pg.jdbcUrl("postgres"), p);
    }

    @Test
    void aQuietServerPassesAndEachHolderOfOldRowsIsNamed() throws Exception {
        try (Connection c = connect()) {
            assertThatCode(() -> MaskingScrub.assertNothingHoldsOldRows(c)).doesNotThrowAnyException();

            // another session inside a transaction with a snapshot: its rows' old versions stay "recently dead"
            try (Connection other = connect()) {
                other.setAutoCommit(false);
                try (Statement s = other.createStatement()) {
                    s.execute("SELECT count(*) FROM customers");
                }
                assertThatThrownBy(() -> MaskingScrub.assertNothingHoldsOldRows(c)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("client backend").hasMessageContaining("holds a snapshot or transaction")
                        .hasMessageContaining("nothing is published");
                other.rollback();
            }
            assertThatCode(() -> MaskingScrub.assertNothingHoldsOldRows(c)).doesNotThrowAnyException();

            pg.psql("BEGIN; INSERT INTO customers VALUES (1, 'left@prepared.example'); PREPARE TRANSACTION 'left-behind'");
            try {
                assertThatThrownBy(() -> MaskingScrub.assertNothingHoldsOldRows(c)).hasMessageContaining("1 prepared transaction(s)")
                        .hasMessageNotContaining("left@prepared.example");
            } finally {
                pg.psql("ROLLBACK PREPARED 'left-behind'");
            }

            try (Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET vacuum_defer_cleanup_age = 1000");
                s.execute("SELECT pg_reload_conf()");
            }
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThatThrownBy(() -> MaskingScrub.assertNothingHoldsOldRows(c)).hasMessageContaining("vacuum_defer_cleanup_age = 1000"));
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER SYSTEM RESET vacuum_defer_cleanup_age");
                    s.execute("SELECT pg_reload_conf()");
                }
            }
            assertThat(pg.psql("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo("0");
        }
    }
}
