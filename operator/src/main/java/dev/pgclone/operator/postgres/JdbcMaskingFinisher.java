package dev.pgclone.operator.postgres;

import dev.pgclone.operator.postgres.masking.MaskingScrub;
import dev.pgclone.operator.postgres.masking.PiiFinding;
import dev.pgclone.operator.postgres.masking.PiiScan;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The end of a masked-snapshot build, over JDBC as the operator's login, after the preparation ran
 * the masking scripts: in every database, rewrite the tables masking left old row versions in
 * ({@link MaskingScrub}) and run the PII check ({@link PiiScan}); then, unless the check refuses,
 * ask the bootstrap to stop the server cleanly and remove the WAL (docs/clonesource.md,
 * "Masked snapshots"). Nothing here is ever run against production: the build is a copy.
 */
public final class JdbcMaskingFinisher {

    private static final Logger LOG = Logger.getLogger(JdbcMaskingFinisher.class);
    /** The masking sessions are closed before this runs; their backends end within moments. */
    static final Duration SESSIONS_GONE = Duration.ofSeconds(60);
    /** A rewrite takes as long as the tables are large: the socket waits for hours, not forever. */
    static final Duration SOCKET_TIMEOUT = Duration.ofHours(12);

    private JdbcMaskingFinisher() {}

    public static MaskingResult finish(MaskingRequest req) {
        List<String> rewritten = new ArrayList<>();
        List<PiiFinding> findings = new ArrayList<>();
        String at = "the build's database at " + req.host() + ":" + req.port();
        try (Connection main = connect(req, req.database())) {
            MaskingScrub.awaitOtherSessionsGone(main, SESSIONS_GONE);
            MaskingScrub.assertNothingHoldsOldRows(main);
            for (String database : databases(main)) {
                try (Connection c = database.equals(req.database()) ? null : connect(req, database)) {
                    Connection in = c == null ? main : c;
                    MaskingScrub.Report report = MaskingScrub.rewrite(in, req.rewriteAll() ? MaskingScrub.Mode.All : MaskingScrub.Mode.Touched);
                    report.rewritten().forEach(t -> rewritten.add(database + "." + t));
                    if (req.piiRules() != null) {
                        PiiScan.Result scan = PiiScan.scan(in, database, req.piiRules());
                        findings.addAll(scan.findings());
                    }
                }
            }
            if (!findings.isEmpty() && req.failOnFindings()) {
                return MaskingResult.failed(MaskingResult.PII_FOUND, findings.size() + " column(s) of the masked copy still look like personal data"
                        + " (spec.masking.piiCheck.failOnFindings is set, so nothing was published): " + summary(findings)
                        + "; extend spec.postClone to mask them, or allow them in spec.masking.piiCheck", rewritten, findings);
            }
            MaskingScrub.requestFinish(main);
            LOG.infof("masked copy at %s:%d: %d table(s) rewritten, %d PII finding(s); clean stop requested",
                    req.host(), req.port(), rewritten.size(), findings.size());
            return MaskingResult.finishing(rewritten, findings);
        } catch (SQLException e) {
            return MaskingResult.failed(MaskingResult.MASKING_FAILED, "finishing the masked copy failed on " + at + ": " + Jdbc.describe(e)
                    + "; nothing was published", rewritten, findings);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MaskingResult.failed(MaskingResult.MASKING_INTERRUPTED, "finishing the masked copy was interrupted (operator shutdown);"
                    + " nothing was published", rewritten, findings);
        } catch (RuntimeException e) {
            return MaskingResult.failed(MaskingResult.MASKING_FAILED, "finishing the masked copy failed on " + at + ": " + e.getMessage()
                    + "; nothing was published", rewritten, findings);
        }
    }

    /** The first few findings, one line; the CloneSource's status lists them all. */
    public static String summary(List<PiiFinding> findings) {
        List<String> lines = findings.stream().limit(3).map(PiiFinding::describe).toList();
        return String.join("; ", lines) + (findings.size() > 3 ? "; and " + (findings.size() - 3) + " more in the CloneSource's status" : "");
    }

    /**
     * The databases to rewrite and check: every one that takes connections, template1 included (a
     * script may have changed it). One that takes none (other than template0, which is never
     * changed) could not be rewritten or checked, and a clone's superuser could open it: refused.
     */
    private static List<String> databases(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        List<String> closed = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT datname, datallowconn FROM pg_catalog.pg_database WHERE datname <> 'template0' ORDER BY datname")) {
            while (rs.next()) {
                (rs.getBoolean(2) ? names : closed).add(rs.getString(1));
            }
        }
        if (!closed.isEmpty()) {
            throw new SQLException("database(s) " + String.join(", ", closed) + " do not allow connections, so they can be neither"
                    + " rewritten nor checked; drop them in spec.postClone or allow connections to them");
        }
        return names;
    }

    private static Connection connect(MaskingRequest req, String database) throws SQLException {
        Jdbc.Target target = new Jdbc.Target(req.host(), req.port(), database, req.superuser(), req.operatorPassword(), "disable");
        // the copy's own schemas never come before the catalog's functions and operators in these sessions
        Connection c = Jdbc.connect(target, req.connectTimeout(), SOCKET_TIMEOUT, java.util.Map.of("search_path", "pg_catalog, pg_temp"));
        c.setAutoCommit(true);
        return c;
    }
}
