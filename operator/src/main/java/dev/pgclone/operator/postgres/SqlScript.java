package dev.pgclone.operator.postgres;

import java.util.Objects;

/**
 * One post-clone script: {@code name} is what users see in {@code status.steps} (for example
 * {@code postClone.sql} or {@code masking-sql/01-users.sql}), {@code sql} may hold many statements.
 */
public record SqlScript(String name, String sql) {

    public SqlScript {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sql, "sql");
    }
}
