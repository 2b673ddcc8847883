package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.Jdbc;
import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.Checks;
import dev.pgclone.operator.postgres.rehearsal.CloneSessions;
import dev.pgclone.operator.postgres.rehearsal.LockMonitor;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.MigrationSession;
import dev.pgclone.operator.postgres.rehearsal.PgbenchScript;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.Plans;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.SamplingQuality;
import dev.pgclone.operator.postgres.rehearsal.SessionWatcher;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.postgres.rehearsal.WorkloadQuery;
import dev.pgclone.operator.postgres.rehearsal.WorkloadResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The rehearsal over JDBC, in the order a careful person would do it by hand: plans before; the
 * workload alone for the baseline; the migration under the workload with the monitor sampling;
 * the workload stopped; checks and plans after. Every session is the rehearsal's own
 * ({@link CloneSessions#PREFIX}), so the Job path's monitor counts only the tool's sessions.
 */
public final class JdbcRehearsalRunner implements RehearsalRunner {

    private static final Logger LOG = Logger.getLogger(JdbcRehearsalRunner.class);
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(10);
    /** statement_timeout of the checks session: a validation or an EXPLAIN ANALYZE is one query, not a migration. */
    static final Duration CHECK_TIMEOUT = Duration.ofMinutes(5);
    /** The longest the Job path waits for news of the Job before it checks the migration's deadline again. */
    static final Duration JOB_WAIT = Duration.ofSeconds(1);

    private final Duration sampling;

    public JdbcRehearsalRunner() {
        this(LockMonitor.DEFAULT_INTERVAL);
    }

    /** @param sampling how often the lock monitor samples (between the samples each statement boundary takes anyway) */
    public JdbcRehearsalRunner(Duration sampling) {
        if (sampling.isNegative() || sampling.isZero()) {
            throw new IllegalArgumentException("the lock monitor's sampling interval must be positive, not " + sampling);
        }
        this.sampling = sampling;
    }

    @Override
    public RehearsalEvidence run(Request request, Consumer<Stage> stage) {
        RehearsalPlan plan = request.plan();
        Jdbc.Target target = request.target();
        CloneSessions sessions = CloneSessions.of(target, LOGIN_TIMEOUT);
        try (Connection checksSession = Checks.connect(target, LOGIN_TIMEOUT, CHECK_TIMEOUT)) {
            Plans plans = new Plans(checksSession, 1);
            stage.accept(Stage.BASELINE);
            Map<String, PlanCapture> before = plans.captureAll(plan.explain());
            try (LockMonitor monitor = LockMonitor.start(sessions, plan.jobPath() ? LockMonitor.Watch.otherSessions() : LockMonitor.Watch.pids(),
                    sampling);
                 Workload workload = plan.hasWorkload() ? workload(target, plan) : null) {
                if (workload != null) {
                    workload.phase(Workload.BASELINE);
                    sleep(plan.baseline());
                    workload.phase(Workload.MIGRATION);
                }
                stage.accept(Stage.MIGRATING);
                Migration migration = plan.jobPath() ? job(sessions, monitor, request) : sql(sessions, monitor, request);
                WorkloadResult load = workload == null ? null : workload.stop();
                stage.accept(Stage.CHECKING);
                List<CheckResult> checks = new Checks(checksSession).run(plan.validations());
                List<PlanComparison> comparisons = Plans.compare(plan.explain(), before, plans.captureAll(plan.explain()));
                SamplingQuality quality = monitor.quality();
                List<QueryReport> workloadReports = load == null ? List.of() : load.reports(longestWaits(monitor.waits()));
                return new RehearsalEvidence(request.rehearsal(), request.cloneName(), request.dataAsOf(), plan.jobPath() ? "job" : "sql",
                        migration.started(), migration.duration(), migration.steps(), migration.error(), workloadReports, plan.baseline(),
                        checks, comparisons, quality.samples(), quality.largestGap(), quality.interval());
            }
        } catch (SQLException e) {
            // the rehearsal's own sessions could not be opened or used: no evidence worth judging
            throw new IllegalStateException("the rehearsal could not measure on clone " + request.cloneName() + ": " + Jdbc.describe(e), e);
        }
    }

    /** What the migration did, whichever path ran it. */
    private record Migration(Instant started, Duration duration, List<StepEvidence> steps, String error) {}

    private static Workload workload(Jdbc.Target target, RehearsalPlan plan) throws SQLException {
        Workload.Builder b = Workload.builder(target).loginTimeout(LOGIN_TIMEOUT)
                .lockTimeout(plan.workloadLockTimeout()).statementTimeout(plan.workloadStatementTimeout());
        for (WorkloadQuery q : plan.workload()) {
            b.query(q);
        }
        if (plan.pgbenchScript() != null) {
            b.script(PgbenchScript.parse("pgbench", plan.pgbenchScript()), plan.pgbenchRate(), plan.pgbenchClients());
        }
        return b.start();
    }

    private static Migration sql(CloneSessions sessions, LockMonitor monitor, Request request) throws SQLException {
        RehearsalPlan plan = request.plan();
        List<MigrationSession.Script> scripts = new ArrayList<>();
        request.scripts().forEach((name, text) -> scripts.add(new MigrationSession.Script(name, text)));
        Instant started = monitor.now();
        long t0 = System.nanoTime();
        MigrationSession.Result result = MigrationSession.run(sessions, monitor, scripts,
                new MigrationSession.Limits(null, plan.lockTimeout(), plan.migrationTimeout()));
        Duration duration = Duration.ofNanos(System.nanoTime() - t0);
        String error = null;
        if (result.rehearsalError() != null) {
            error = "the rehearsal's own session failed while the migration ran: " + result.rehearsalError();
        } else if (result.deadlineExceeded()) {
            error = "the migration ran longer than migration.timeout (" + Jdbc.human(plan.migrationTimeout()) + ") and was cancelled";
        } else {
            error = result.steps().stream().filter(StepEvidence::failed).findFirst()
                    .map(s -> "statement " + s.number() + " (" + s.script() + ":" + s.line() + ") failed: "
                            + (s.sqlState() == null ? "" : "SQLSTATE " + s.sqlState() + ": ") + s.error())
                    .orElse(null);
        }
        return new Migration(started, duration, result.steps(), error);
    }

    private static Migration job(CloneSessions sessions, LockMonitor monitor, Request request) throws SQLException {
        RehearsalPlan plan = request.plan();
        SessionWatcher watcher = SessionWatcher.start(sessions, monitor);
        Instant started = monitor.now();
        long t0 = System.nanoTime();
        long deadline = t0 + plan.migrationTimeout().toNanos();
        String outcome;
        try (RehearsalRunner.MigrationJob job = request.job()) {
            try {
                job.start();
                while ((outcome = job.awaitOutcome(JOB_WAIT)) == null) {
                    if (System.nanoTime() > deadline) {
                        job.stop();
                        outcome = "the migration Job ran longer than migration.timeout (" + Jdbc.human(plan.migrationTimeout())
                                + ") and was deleted";
                        break;
                    }
                }
            } catch (RuntimeException e) {
                // whatever ended the wait (the operator stopping, the API server failing), the tool must not go on
                // migrating a clone whose rehearsal has ended, a kept one least of all
                try {
                    job.stop();
                } catch (RuntimeException stopFailed) {
                    e.addSuppressed(stopFailed);
                }
                throw e;
            }
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - t0);
        SessionWatcher.JobEvidence evidence = watcher.finish();
        if (!evidence.unattributedRewrites().isEmpty()) {
            LOG.infof("rehearsal %s: %d rewrites could not be given to a session of the Job", request.rehearsal(),
                    evidence.unattributedRewrites().size());
        }
        return new Migration(started, duration, evidence.sessions(), outcome.isEmpty() ? null : outcome);
    }

    /** The longest wait behind the migration of each workload query, by the query's name. */
    static Map<String, Duration> longestWaits(List<LockWait> waits) {
        Map<String, Duration> out = new HashMap<>();
        for (LockWait w : waits) {
            String query = Workload.queryOf(w.waiterApplication());
            if (query != null) {
                out.merge(query, w.waited(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        return out;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the rehearsal was interrupted (the operator is stopping)", e);
        }
    }
}
