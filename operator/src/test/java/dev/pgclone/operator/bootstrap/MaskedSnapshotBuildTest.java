package dev.pgclone.operator.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.postgres.masking.MaskingScrub;
import dev.pgclone.operator.testing.PostgresTest;
import dev.pgclone.testkit.postgres.LocalPostgres;
import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A masked-snapshot build end to end: a crash-consistent copy of a production instance whose
 * customers' e-mail address is in the table, its index, its dead row versions, the statistics, the
 * WAL, the server log and a dump beside the data directory; the bootstrap with
 * {@code PGCLONE_BUILD=masked-snapshot}; the masking over TCP as the operator runs it; then
 * {@link MaskingScrub}. Afterwards no file of the volume may hold the address.
 */
@PostgresTest
class MaskedSnapshotBuildTest {

    /** Unique enough that any byte-for-byte occurrence in the volume is a leak. */
    static final String PRODUCTION_VALUE = "prod-secret-7f3a9@customer.example";
    static final int CUSTOMERS = 3000;

    static Path root;
    static Path snapshot;
    /** Files of the production snapshot, relative to its data directory, that must hold the value (the control). */
    static List<String> productionFiles;

    @BeforeAll
    static void snapshotProduction() throws Exception {
        root = LocalPostgres.newTempDir("pgclone-masked-");
        CloneRun.chmod(root, "rwxr-xr-x");
        CloneRun.chown(root, LocalPostgres.OS_USER);
        snapshot = root.resolve("data");
        try (LocalPostgres production = LocalPostgres.create("production")) {
            production.start();
            production.psql("CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, note text)");
            production.psql("CREATE INDEX customers_email ON customers (email)");
            production.psql("INSERT INTO customers SELECT g, '" + PRODUCTION_VALUE + "', 'customer ' || g"
                    + " FROM generate_series(1, " + CUSTOMERS + ") g");
            // masking empties this one: TRUNCATE counts nothing in the statistics the scrub reads
            production.psql("CREATE TABLE tickets (id int, requester text)");
            production.psql("INSERT INTO tickets SELECT g, '" + PRODUCTION_VALUE + "' FROM generate_series(1, 100) g");
            // one value in every row: ANALYZE keeps it as the most common value of the column
            production.psql("ANALYZE customers, tickets");
            production.psql("CHECKPOINT");
            // dead row versions that still hold the value, on disk and then in the WAL after the checkpoint
            production.psql("UPDATE customers SET note = 'changed ' || id WHERE id % 4 = 0");
            production.psql("CHECKPOINT");
            production.psql("UPDATE customers SET note = 'again ' || id WHERE id % 5 = 0");
            productionFiles = List.of(production.psql("SELECT pg_relation_filepath('customers')"),
                    production.psql("SELECT pg_relation_filepath('customers_email')"),
                    production.psql("SELECT pg_relation_filepath('pg_statistic')"),
                    "pg_wal/" + production.psql("SELECT pg_walfile_name(pg_current_wal_lsn())"),
                    "log/postgresql.log");
            assertThat(production.psql("SELECT most_common_vals::text FROM pg_stats WHERE tablename = 'customers'"
                    + " AND attname = 'email'")).contains(PRODUCTION_VALUE);
            // a server log as a logging collector writes it into the data directory
            Path log = production.dataDir().resolve("log");
            Files.createDirectories(log);
            Files.writeString(log.resolve("postgresql.log"), "LOG:  statement: SELECT * FROM customers WHERE email = '"
                    + PRODUCTION_VALUE + "'\n");
            CloneRun.chown(log, LocalPostgres.OS_USER);
            CloneRun.chown(log.resolve("postgresql.log"), LocalPostgres.OS_USER);
            CrashConsistentCopy.take(production, snapshot);
        }
    }

    @AfterAll
    static void removeSnapshot() {
        LocalPostgres.deleteTree(root);
    }

    @Test
    void noFileOfTheMaskedVolumeHoldsAProductionValue() throws Exception {
        // the control: the search finds the value where production left it
        assertThat(filesContaining(snapshot, PRODUCTION_VALUE)).as("files of the production snapshot holding the value")
                .containsAll(productionFiles);

        try (CloneRun clone = CloneRun.of(snapshot)) {
            besideTheDataDirectory(clone, "dump.sql", "COPY customers (id, email) FROM stdin;\n1\t" + PRODUCTION_VALUE + "\n");
            besideTheDataDirectory(clone, "backups/2024/customers.csv", "1," + PRODUCTION_VALUE + "\n");
            assertThat(filesContaining(clone.volume, PRODUCTION_VALUE)).contains("dump.sql", "backups/2024/customers.csv");
            clone.env.put("PGCLONE_BUILD", "masked-snapshot");
            // only the scrub may remove what masking leaves: autovacuum, at times of its own, could hide a missing step
            clone.parameters("autovacuum=off\n");
            clone.start().awaitReady(Duration.ofSeconds(90));

            try (Connection c = clone.connect("postgres", LocalPostgres.SUPERUSER, clone.password())) {
                // the masking scripts, in a session of their own
                try (Connection masking = clone.connect("postgres", LocalPostgres.SUPERUSER, clone.password());
                        Statement s = masking.createStatement()) {
                    assertThat(s.executeUpdate("UPDATE customers SET email = 'user' || id || '@example.com'")).isEqualTo(CUSTOMERS);
                    s.execute("TRUNCATE tickets");
                    // a session still open is named, its statement is not
                    assertThatThrownBy(() -> MaskingScrub.awaitOtherSessionsGone(c, Duration.ofMillis(300)))
                            .isInstanceOf(SQLTimeoutException.class)
                            .hasMessageContaining("application_name 'PostgreSQL JDBC Driver', state idle")
                            .hasMessageNotContaining("TRUNCATE");
                }
                MaskingScrub.awaitOtherSessionsGone(c, Duration.ofSeconds(30));
                MaskingScrub.Report report = MaskingScrub.rewrite(c, MaskingScrub.Mode.Touched);
                assertThat(report.rewritten()).contains("public.customers", "public.tickets", "pg_catalog.pg_statistic",
                        "pg_catalog.pg_statistic_ext_data");
                MaskingScrub.requestFinish(c);
            }

            assertThat(clone.awaitExit(Duration.ofSeconds(120))).as(clone.output()).isZero();
            assertThat(clone.terminationMessage()).startsWith("masked snapshot finished: postgres shut down cleanly; WAL reset")
                    .hasLineCount(1);
            List<String> leaks = filesContaining(clone.volume, PRODUCTION_VALUE);
            assertThat(leaks).as("files of the masked volume holding the production value").isEmpty();
            assertThat(clone.volume.resolve("dump.sql")).doesNotExist();
            assertThat(clone.pgdata.resolve("log")).doesNotExist();
            assertThat(clone.pgdata.resolve(MaskingScrub.FINISH_TRIGGER)).doesNotExist();

            // the masked volume starts as any clone does, with the masked rows
            clone.env.remove("PGCLONE_BUILD");
            clone.start().awaitReady(Duration.ofSeconds(90));
            assertThat(clone.psql("SELECT count(*), count(*) FILTER (WHERE email = 'user' || id || '@example.com') FROM customers"))
                    .isEqualTo(CUSTOMERS + "|" + CUSTOMERS);
            assertThat(clone.psql("SELECT count(*) FROM customers WHERE note LIKE 'again %'")).isEqualTo(Integer.toString(CUSTOMERS / 5));
            assertThat(clone.psql("SELECT most_common_vals IS NULL FROM pg_stats WHERE tablename = 'customers' AND attname = 'email'"))
                    .isEqualTo("t");
            assertThat(clone.psql("SELECT count(*) FROM pg_stats WHERE tablename = 'tickets'")).isEqualTo("0");

            // Mode.All: every table and materialized view, catalogs (shared ones too) included
            clone.psql("CREATE MATERIALIZED VIEW customer_domains AS SELECT split_part(email, '@', 2) AS domain FROM customers");
            try (Connection c = clone.connect("postgres", LocalPostgres.SUPERUSER, clone.password())) {
                assertThat(MaskingScrub.rewrite(c, MaskingScrub.Mode.All).rewritten()).contains("public.customers",
                        "public.tickets", "public.customer_domains", "pg_catalog.pg_class", "pg_catalog.pg_authid",
                        "pg_catalog.pg_largeobject", "pg_catalog.pg_statistic");
            }
            assertThat(clone.psql("SELECT count(*) FROM customer_domains WHERE domain = 'example.com'")).isEqualTo(Integer.toString(CUSTOMERS));
        }
    }

    @Test
    void theBuildFailsWhenPostgresDiesBeforeTheFinish() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_BUILD", "masked-snapshot");
            clone.start().awaitReady(Duration.ofSeconds(90));

            String postmaster = Files.readAllLines(clone.pgdata.resolve("postmaster.pid")).get(0).trim();
            Os.exec(Duration.ofSeconds(10), List.of("kill", "-KILL", postmaster), null).requireSuccess();

            assertThat(clone.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            assertThat(clone.terminationMessage())
                    .isEqualTo("postgres exited before the masked snapshot was finished: see the container log\n");
        }
    }

    /** A deleted build Pod: TERM ends the wait at once and takes the server down with the script. */
    @Test
    void termDuringTheBuildStopsTheServer() throws Exception {
        try (CloneRun clone = CloneRun.of(snapshot)) {
            clone.env.put("PGCLONE_BUILD", "masked-snapshot");
            clone.start().awaitReady(Duration.ofSeconds(90));

            Os.exec(Duration.ofSeconds(10), List.of("kill", "-TERM", Long.toString(clone.scriptPid())), null).requireSuccess();

            assertThat(clone.awaitExit(Duration.ofSeconds(60))).isEqualTo(143);
            assertThat(clone.output()).contains("received SIGTERM during the bootstrap; stopping");
            assertThat(clone.pgdata.resolve("postmaster.pid")).doesNotExist();
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** A file of production's on the clone's volume, outside the data directory, owned by the server's user as the volume is. */
    private static void besideTheDataDirectory(CloneRun clone, String relative, String content) throws IOException {
        Path file = clone.volume.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        for (Path p = file; !p.equals(clone.volume); p = p.getParent()) {
            CloneRun.chown(p, LocalPostgres.OS_USER);
        }
    }

    /** Every regular file below {@code dir} (symlinks not followed) whose bytes contain {@code value}, relative to dir. */
    static List<String> filesContaining(Path dir, String value) throws IOException {
        byte[] needle = value.getBytes(StandardCharsets.US_ASCII);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (contains(Files.readAllBytes(f), needle)) {
                    found.add(dir.relativize(f).toString());
                }
            }
        }
        if (!found.isEmpty()) {
            System.out.println("files below " + dir + " holding " + value + ": " + found);
        }
        return found;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
