package dev.pgclone.operator.postgres.rehearsal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The data files of the database's user relations at one moment: which {@code relfilenode} each
 * table, materialized view and index has, and its size. Two snapshots tell which relations were
 * rewritten in between (same oid, another file).
 *
 * <p>Read from a session other than the migration's, and only while the migration holds no lock:
 * the sizes come from {@code pg_total_relation_size} / {@code pg_relation_size}, which take an
 * ACCESS SHARE lock on each relation, so reading them while the migration's transaction holds an
 * ACCESS EXCLUSIVE lock would wait for its COMMIT (and queue every later reader behind it). The catalog
 * is read under the snapshot's own MVCC snapshot, so a rewrite becomes visible when its transaction
 * commits, not when its statement ends.
 *
 * <p>Kept: oids of user objects (16384 and above), kinds {@code r}, {@code m}, {@code i}, not temporary,
 * not in {@code pg_toast}: a TOAST table and its index are rewritten with their table and counted in the
 * table's total size. Partitioned tables and indexes have no file of their own; their partitions do.
 *
 * <p>Reading the file of every relation is cheap ({@code pg_class} alone); reading every size is not: each
 * size opens the relation and asks the file system about each of its files (measured on 1,000 relations:
 * see {@code RehearsalCostTest}). {@link Tracker} reads the files at every call and the sizes only where
 * needed: relations it has not seen before and rewritten ones, and all of them again when the time since
 * the last full reading is at least {@value Tracker#FULL_READ_RATIO} times what that reading cost, which
 * bounds their share of the migration's time.
 */
final class RelationFiles {

    private static final String KEPT = "c.oid >= 16384 AND c.relkind IN ('r', 'm', 'i') AND c.relpersistence <> 't' AND n.nspname <> 'pg_toast'";
    private static final String NAME = "quote_ident(n.nspname) || '.' || quote_ident(c.relname)";
    private static final String SIZE = "CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_total_relation_size(c.oid) END";
    static final String FILES_AND_SIZES = "SELECT c.oid, c.relfilenode, " + NAME + ", c.relkind::text, " + SIZE
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + KEPT;
    static final String FILES = "SELECT c.oid, c.relfilenode, " + NAME + ", c.relkind::text, -1"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + KEPT;
    private static final String SIZES_OF = "SELECT c.oid, " + SIZE + " FROM pg_class c WHERE c.oid = ANY (?::oid[])";

    /** A relation's file; {@code bytes} as last read (a relation dropped meanwhile reads as 0). */
    record File(long oid, long filenode, String name, String kind, long bytes) {}

    /**
     * A relation whose file changed between two snapshots. {@code oid} is its oid now, {@code oldOid} before:
     * they differ for a relation rebuilt under a new oid.
     */
    record Rewrite(long oid, long oldOid, TableRewrite rewrite) {}

    private final Map<Long, File> files;

    private RelationFiles(Map<Long, File> files) {
        this.files = files;
    }

    /** Every relation's file and size. */
    static RelationFiles read(Connection c) throws SQLException {
        return new RelationFiles(query(c, FILES_AND_SIZES));
    }

    private static Map<Long, File> query(Connection c, String sql) throws SQLException {
        Map<Long, File> files = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                files.put(rs.getLong(1), new File(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5)));
            }
        }
        return files;
    }

    /**
     * The files now, with the sizes of this snapshot for the relations whose file did not change, and sizes
     * read now for the others (new or rewritten).
     */
    RelationFiles next(Connection c) throws SQLException {
        Map<Long, File> now = query(c, FILES);
        Set<Long> toRead = new HashSet<>();
        for (File f : now.values()) {
            File then = files.get(f.oid);
            if (then != null && then.filenode == f.filenode) {
                now.put(f.oid, new File(f.oid, f.filenode, f.name, f.kind, then.bytes));
            } else {
                toRead.add(f.oid);
            }
        }
        if (!toRead.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(SIZES_OF)) {
                ps.setArray(1, c.createArrayOf("int8", toRead.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        File f = now.get(rs.getLong(1));
                        now.put(f.oid, new File(f.oid, f.filenode, f.name, f.kind, rs.getLong(2)));
                    }
                }
            }
        }
        return new RelationFiles(now);
    }

    int size() {
        return files.size();
    }

    /**
     * Relations whose file changed: the same oid with another file, or a relation rebuilt under a new oid with
     * the same name and kind as one that is gone (ALTER COLUMN TYPE drops and re-creates the indexes on the
     * column, from their definitions, instead of rewriting them). Relations created or dropped in between,
     * under names of their own, are no rewrite.
     */
    List<Rewrite> rewrittenSince(RelationFiles before) {
        List<Rewrite> out = new ArrayList<>();
        Map<String, File> goneByName = new HashMap<>();
        for (File then : before.files.values()) {
            if (!files.containsKey(then.oid)) {
                goneByName.put(then.kind + " " + then.name, then);
            }
        }
        for (File now : files.values()) {
            File then = before.files.get(now.oid);
            if (then == null) {
                then = goneByName.get(now.kind + " " + now.name);
            }
            if (then != null && then.filenode != now.filenode) {
                out.add(new Rewrite(now.oid, then.oid, new TableRewrite(now.name, now.kind, then.bytes, now.bytes)));
            }
        }
        out.sort(Comparator.comparing(r -> r.rewrite().relation()));
        return out;
    }

    /**
     * Follows the files over a migration (the SQL path): one {@link #advance} per moment the migration holds no
     * lock. A rewritten relation's size before is the one of the last reading of it: at most about
     * {@value #FULL_READ_RATIO} times the cost of a full reading before the statement that rewrote it.
     */
    static final class Tracker {

        static final int FULL_READ_RATIO = 10;

        private RelationFiles current;
        private long lastFullAt;
        private long lastFullCost;

        Tracker(Connection c) throws SQLException {
            full(c);
        }

        private void full(Connection c) throws SQLException {
            long t0 = System.nanoTime();
            current = read(c);
            lastFullAt = System.nanoTime();
            lastFullCost = lastFullAt - t0;
        }

        /** The relations rewritten since the last call. */
        List<Rewrite> advance(Connection c) throws SQLException {
            RelationFiles before = current;
            RelationFiles now = before.next(c);
            List<Rewrite> rewrites = now.rewrittenSince(before);
            current = now;
            if (System.nanoTime() - lastFullAt >= FULL_READ_RATIO * lastFullCost) {
                try {
                    full(c);
                } catch (SQLException e) {
                    // the sizes stay as they were, a little older; the rewrites found are not lost for it
                }
            }
            return rewrites;
        }
    }
}
