package dev.pgclone.operator.postgres.rehearsal;

import java.sql.Connection;
import java.sql.SQLException;

/** Work in a transaction that is always rolled back: what checks and plans do leaves nothing behind. */
final class Transactions {

    interface Work<T> {
        T run() throws SQLException;
    }

    private Transactions() {}

    /** Runs {@code work} in a transaction, rolls it back and puts the session back in autocommit. */
    static <T> T rolledBack(Connection c, Work<T> work) throws SQLException {
        c.setAutoCommit(false);
        SQLException failure = null;
        try {
            return work.run();
        } catch (SQLException e) {
            failure = e;
            throw e;
        } finally {
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException e) {
                // the work's own error says more; a session that cannot roll back is broken and the next use says so
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }
}
