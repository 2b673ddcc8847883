package dev.pgclone.operator.postgres.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

/**
 * Opens the rehearsal's sessions on the clone, each under {@code application_name}
 * {@value #PREFIX}{@code <role>} so that samples of {@code pg_stat_activity} tell them apart from
 * each other and from everything else (see the package comment).
 */
@FunctionalInterface
public interface CloneSessions {

    /** The start of every rehearsal session's application_name; the Job path's monitor ignores these sessions. */
    String PREFIX = "pgclone-rehearsal/";

    /**
     * A new session with autocommit on.
     *
     * @param role          the part of the application_name after {@value #PREFIX} ({@code monitor}, {@code migration}, ...)
     * @param settings      server settings sent at login ({@code statement_timeout}, {@code lock_timeout}, ...)
     * @param socketTimeout bound on any single wait for the server; null: none (a migration statement may run for hours
     *                      and is bounded by its deadline instead)
     */
    Connection open(String role, Map<String, String> settings, Duration socketTimeout) throws SQLException;

    /** Sessions on {@code target}, each login bounded by {@code loginTimeout}. */
    static CloneSessions of(Jdbc.Target target, Duration loginTimeout) {
        return (role, settings, socketTimeout) -> Jdbc.connect(target, loginTimeout, socketTimeout, settings, PREFIX + role);
    }
}
