package dev.pgclone.operator.postgres.masking;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The database side of a masked snapshot, after the masking scripts have run: removing what masking
 * leaves behind in the data files, then asking the bootstrap to finish. Runs as the superuser, one
 * connection per database, with autocommit (VACUUM cannot run in a transaction block).
 *
 * <p>Masking changes rows, it does not erase them. An UPDATE leaves the old row version in the page
 * until a rewrite, and its old index entries too; a plain VACUUM only marks that space free (the
 * bytes stay until something overwrites them); a dropped column keeps its data in every row; ANALYZE
 * had stored production's most common values and histograms in {@code pg_statistic}, and replacing
 * them leaves the old catalog rows dead in the same way. {@link #rewrite} rewrites every relation
 * that may hold such leftovers with {@code VACUUM FULL} (new files with the live rows only, indexes
 * rebuilt; the old files are truncated at commit and unlinked at the next checkpoint), refreshes
 * their statistics, then rewrites the statistics catalogs. The WAL, the statistics files and the
 * logs are the bootstrap's part: it removes them after the clean shutdown {@link #requestFinish}
 * asks for (docs/bootstrap.md, "Masked-snapshot build").
 *
 * <p>The connections should carry the operator's session settings (no statement timeout that would
 * cut a long VACUUM FULL, no statement logging); these methods change no setting of the session.
 */
public final class MaskingScrub {

    /** The file in the data directory whose appearance makes the bootstrap stop postgres and finish. */
    public static final String FINISH_TRIGGER = "pgclone-finish-requested";

    private static final Duration POLL = Duration.ofMillis(100);

    /** Which relations {@link #rewrite} rewrites. */
    public enum Mode {
        /**
         * Those masking may have changed, judged by the cumulative statistics: every table or
         * materialized view, catalogs included, with rows inserted, updated or deleted, or dead
         * rows, since the copy's crash recovery (which resets the counters); every table with a
         * dropped column; and every empty one that still has statistics (TRUNCATE and REFRESH ...
         * WITH NO DATA count nothing). Dead rows production itself left in a table masking does
         * not touch stay (e.g. rows production deleted before the snapshot): {@link #All} covers them.
         */
        Touched,
        /** Every table and materialized view of the database: slower, and independent of the statistics. */
        All
    }

    /** What {@link #rewrite} rewrote ({@code schema.name}, quoted where needed) and how long it took. */
    public record Report(List<String> rewritten, Duration took) {
        public Report {
            rewritten = List.copyOf(rewritten);
        }
    }

    private MaskingScrub() {}

    /**
     * Waits until this is the only client session of the server. A backend flushes its pending
     * table statistics when it exits (PostgreSQL 15), so only then do the counters {@link #rewrite}
     * reads include what the masking sessions changed. Every client session counts, in every
     * database: call this before opening the connections to the other databases.
     *
     * @throws SQLTimeoutException when sessions remain after {@code timeout}; the message names
     *     them (pid, database, user, application_name, state: never their query text)
     */
    public static void awaitOtherSessionsGone(Connection c, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> others = otherSessions(c);
            if (others.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new SQLTimeoutException("other sessions are still connected after " + timeout.toSeconds()
                        + " s, so what they changed may be missing from the statistics the scrub relies on: "
                        + String.join("; ", others));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Fails unless nothing in the server can hold back old row versions, which VACUUM FULL would
     * then copy into the rewritten files as "recently dead": no other backend of any kind with a
     * snapshot or transaction (an autovacuum worker's ANALYZE, a background worker), no prepared
     * transaction, no replication slot with an xmin, and no {@code vacuum_defer_cleanup_age}.
     * Call after {@link #awaitOtherSessionsGone}; it checks once, and the build's server runs
     * without autovacuum, so nothing starts meanwhile.
     *
     * @throws SQLException naming what holds them back (never query text)
     */
    public static void assertNothingHoldsOldRows(Connection c) throws SQLException {
        List<String> holders = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_catalog.pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery("""
                    SELECT pid, backend_type FROM pg_catalog.pg_stat_activity
                     WHERE pid <> pg_catalog.pg_backend_pid() AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL)
                     ORDER BY pid""")) {
                while (rs.next()) {
                    holders.add("backend pid " + rs.getInt(1) + " (" + rs.getString(2) + ") holds a snapshot or transaction");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_catalog.pg_prepared_xacts")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    holders.add(rs.getLong(1) + " prepared transaction(s)");
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE xmin IS NOT NULL OR catalog_xmin IS NOT NULL ORDER BY 1""")) {
                while (rs.next()) {
                    holders.add("replication slot " + rs.getString(1));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_catalog.current_setting('vacuum_defer_cleanup_age', true)")) {
                if (rs.next() && rs.getString(1) != null && !"0".equals(rs.getString(1))) {
                    holders.add("vacuum_defer_cleanup_age = " + rs.getString(1));
                }
            }
        }
        if (!holders.isEmpty()) {
            throw new SQLException("old row versions could survive the rewrite, so nothing is published: " + String.join("; ", holders));
        }
    }

    private static List<String> otherSessions(Connection c) throws SQLException {
        List<String> sessions = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_catalog.pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery("""
                    SELECT pid, datname, usename, application_name, state
                      FROM pg_catalog.pg_stat_activity
                     WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()
                     ORDER BY pid""")) {
                while (rs.next()) {
                    sessions.add("pid " + rs.getInt(1) + " (database " + rs.getString(2) + ", user " + rs.getString(3)
                            + ", application_name '" + nullToEmpty(rs.getString(4)) + "', state " + rs.getString(5) + ")");
                }
            }
        }
        return sessions;
    }

    /**
     * Rewrites, in the connection's database, every relation that may still hold values as they
     * were before masking, with {@code VACUUM (FULL, ANALYZE)} after deleting its statistics rows
     * (those of its indexes and extended statistics too: ANALYZE leaves the old rows of an empty
     * table or of a column without a statistics target in place); ANALYZEs the partitioned and
     * inheritance parents above them, whose statistics describe their children; then rewrites
     * {@code pg_statistic} and {@code pg_statistic_ext_data}, whose replaced rows still hold the
     * old values; and ends with a CHECKPOINT, which unlinks the old files.
     *
     * <p>Over-inclusion is safe: rewriting a relation that holds nothing stale costs time and
     * nothing else (same rows, same statistics). Under-inclusion is the danger: a relation left out
     * keeps the pre-masking values in its files, unnoticed, and the snapshot hands them to every
     * namespace it is shared with. Hence the wide net of {@link Mode#Touched} (catalogs included,
     * which hold comments, defaults and view texts a script may have changed) and {@link Mode#All}.
     * Call {@link #awaitOtherSessionsGone} first so that the counters are complete.
     *
     * <p>Toast tables are rewritten with their table; other sessions' temporary tables are left
     * (their files are removed when the server starts).
     */
    public static Report rewrite(Connection c, Mode mode) throws SQLException {
        if (!c.getAutoCommit()) {
            throw new IllegalArgumentException("the scrub needs a connection with autocommit on: VACUUM cannot run in a transaction block");
        }
        long start = System.nanoTime();
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_catalog.pg_stat_clear_snapshot()");
        }
        Map<Long, String> targets = relations(c, mode);
        Map<Long, String> parents = parentsOf(c, targets);
        List<String> rewritten = new ArrayList<>();
        for (Map.Entry<Long, String> t : targets.entrySet()) {
            deleteStatistics(c, t.getKey());
            run(c, "VACUUM (FULL, ANALYZE) " + t.getValue());
            rewritten.add(t.getValue());
        }
        for (Map.Entry<Long, String> p : parents.entrySet()) {
            deleteStatistics(c, p.getKey());
            run(c, "ANALYZE " + p.getValue());
        }
        for (String catalog : List.of("pg_catalog.pg_statistic", "pg_catalog.pg_statistic_ext_data")) {
            run(c, "VACUUM FULL " + catalog);
            rewritten.add(catalog);
        }
        run(c, "CHECKPOINT");
        return new Report(rewritten, Duration.ofNanos(System.nanoTime() - start));
    }

    /** oid -> quoted name of the tables and materialized views to rewrite; user relations first. */
    private static Map<Long, String> relations(Connection c, Mode mode) throws SQLException {
        String sql = """
                SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname)
                  FROM pg_catalog.pg_class c
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
                 WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND n.nspname <> 'pg_toast'
                   AND c.oid NOT IN ('pg_catalog.pg_statistic'::pg_catalog.regclass,
                                     'pg_catalog.pg_statistic_ext_data'::pg_catalog.regclass)
                   AND (? OR s.n_tup_ins + s.n_tup_upd + s.n_tup_del + s.n_dead_tup > 0
                        OR EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attisdropped)
                        OR (pg_catalog.pg_relation_size(c.oid) = 0
                            AND (EXISTS (SELECT FROM pg_catalog.pg_statistic st WHERE st.starelid = c.oid)
                                 OR EXISTS (SELECT FROM pg_catalog.pg_statistic_ext x WHERE x.stxrelid = c.oid))))
                 ORDER BY n.nspname = 'pg_catalog', 2""";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBoolean(1, mode == Mode.All);
            return oidsAndNames(ps);
        }
    }

    /** The partitioned tables and inheritance parents above {@code targets}, at any depth, that are not targets themselves. */
    private static Map<Long, String> parentsOf(Connection c, Map<Long, String> targets) throws SQLException {
        if (targets.isEmpty()) {
            return Map.of();
        }
        String sql = """
                WITH RECURSIVE up(oid) AS (
                    SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = ANY (?::pg_catalog.oid[])
                    UNION
                    SELECT i.inhparent FROM pg_catalog.pg_inherits i JOIN up ON i.inhrelid = up.oid)
                SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname)
                  FROM up
                  JOIN pg_catalog.pg_class c ON c.oid = up.oid
                  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relpersistence <> 't'
                 ORDER BY 2""";
        String oids = targets.keySet().stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}"));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, oids);
            Map<Long, String> parents = oidsAndNames(ps);
            parents.keySet().removeAll(targets.keySet());
            return parents;
        }
    }

    private static Map<Long, String> oidsAndNames(PreparedStatement ps) throws SQLException {
        Map<Long, String> relations = new LinkedHashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                relations.put(rs.getLong(1), rs.getString(2));
            }
        }
        return relations;
    }

    /** The statistics rows of a relation, of its indexes (expression statistics) and of its extended statistics. */
    private static void deleteStatistics(Connection c, long relation) throws SQLException {
        try (PreparedStatement columns = c.prepareStatement("""
                    DELETE FROM pg_catalog.pg_statistic
                     WHERE starelid = ?::pg_catalog.oid
                        OR starelid IN (SELECT indexrelid FROM pg_catalog.pg_index WHERE indrelid = ?::pg_catalog.oid)""");
                PreparedStatement extended = c.prepareStatement("""
                    DELETE FROM pg_catalog.pg_statistic_ext_data
                     WHERE stxoid IN (SELECT oid FROM pg_catalog.pg_statistic_ext WHERE stxrelid = ?::pg_catalog.oid)""")) {
            columns.setLong(1, relation);
            columns.setLong(2, relation);
            columns.executeUpdate();
            extended.setLong(1, relation);
            extended.executeUpdate();
        } catch (SQLException e) {
            throw new SQLException("could not delete the statistics of relation " + relation + ": " + e.getMessage(), e.getSQLState(), e);
        }
    }

    private static void run(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new SQLException(sql + " failed: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /**
     * Tells the bootstrap of a masked-snapshot build that the data is masked and scrubbed: the
     * server writes {@value #FINISH_TRIGGER} into its data directory (server-side COPY, which needs
     * an absolute path), the bootstrap sees it, stops postgres cleanly, removes the WAL, statistics
     * files and logs and exits. The server goes down shortly after this returns, ending this
     * connection; the caller closes it.
     */
    public static void requestFinish(Connection c) throws SQLException {
        String dataDirectory;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            dataDirectory = rs.getString(1);
        }
        if (dataDirectory == null || !dataDirectory.startsWith("/")) {
            throw new SQLException("data_directory is not an absolute path: " + dataDirectory);
        }
        String trigger = (dataDirectory.endsWith("/") ? dataDirectory : dataDirectory + "/") + FINISH_TRIGGER;
        run(c, "COPY (SELECT 'finish') TO " + literal(trigger));
    }

    /** An escape string literal: right whatever standard_conforming_strings is. */
    static String literal(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a string literal cannot hold NUL");
        }
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
