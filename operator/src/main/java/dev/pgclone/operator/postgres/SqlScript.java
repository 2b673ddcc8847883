package dev.pgclone.operator.postgres;

import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.time.Duration;
import java.util.Objects;

/**
 * One post-clone script: {@code name} is what users see in {@code status.steps} (for example
 * {@code postClone.sql} or {@code masking-sql/01-users.sql}), {@code sql} may hold many statements,
 * {@code timeout} bounds the whole script (a CloneSource's for its mandatory scripts, else the
 * clone's own {@code spec.postClone.timeout}).
 */
public record SqlScript(String name, String sql, Duration timeout) {

    public SqlScript {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sql, "sql");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    public SqlScript(String name, String sql) {
        this(name, sql, Defaults.POST_CLONE_TIMEOUT);
    }
}
