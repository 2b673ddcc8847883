package dev.pgclone.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Test tier postgres (as the operator's {@code @PostgresTest}): starts a real server. */
@Tag("postgres")
class LocalPostgresTest {

    @Test
    void startsRunsSqlAndCleansUp() {
        java.nio.file.Path dir;
        try (LocalPostgres pg = LocalPostgres.start("smoke")) {
            dir = pg.baseDir();
            assertThat(pg.psql("select 40 + 2")).isEqualTo("42");
        }
        assertThat(Files.exists(dir)).isFalse();
    }
}
