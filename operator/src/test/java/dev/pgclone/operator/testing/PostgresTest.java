package dev.pgclone.operator.testing;

import dev.pgclone.testkit.postgres.LocalPostgres;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Test tier: starts real PostgreSQL servers ({@link LocalPostgres}): the bootstrap script, the JDBC
 * preparation and the source CHECKPOINT. Untagged tests are the unit and golden-file tier, which
 * {@code make test-fast} runs alone.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(PostgresTest.TAG)
public @interface PostgresTest {
    String TAG = "postgres";
}
