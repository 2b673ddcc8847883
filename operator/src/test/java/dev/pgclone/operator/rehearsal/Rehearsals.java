package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryPhaseStats;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.TableRewrite;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.postgres.rehearsal.WorkloadResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evidence values written by hand, as the rehearsal's JDBC side would record them for the
 * scenarios the verdict must judge: the risky and safe versions of the same migration, a
 * plain CREATE INDEX, and single facts to vary one at a time. Every instant is fixed: seconds after
 * {@link #T0}.
 */
final class Rehearsals {

    static final Instant T0 = Instant.parse("2026-12-07T13:00:00Z");
    static final Instant DATA_AS_OF = Instant.parse("2026-12-07T06:00:00Z");
    static final Duration INTERVAL = Duration.ofMillis(100);
    static final long MIB = 1024L * 1024;
    static final int MIGRATION_PID = 4242;

    private Rehearsals() {}

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static Duration seconds(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    static LockHold hold(String relation, String kind, String mode, double from, double to) {
        return new LockHold(MIGRATION_PID, relation, kind, mode, at(from), at(to));
    }

    static LockHold table(String relation, String mode, double from, double to) {
        return hold(relation, "r", mode, from, to);
    }

    /** A workload session waiting behind the migration's backend for a relation lock. */
    static LockWait waiting(int pid, String query, String relation, String mode, double from, double to) {
        return new LockWait(pid, Workload.applicationName(query), "SELECT * FROM orders WHERE ...", "relation",
                relation, mode, MIGRATION_PID, at(from), at(to));
    }

    /** A mutable step, so that a test changes the one fact it is about. */
    static final class Step {
        int number;
        String script = "inline";
        int line;
        String sql;
        double start;
        double seconds;
        long walBytes = 8192;
        final List<LockHold> locks = new ArrayList<>();
        final List<LockWait> blocked = new ArrayList<>();
        final List<TableRewrite> rewrites = new ArrayList<>();
        String sqlState;
        String error;

        Step(int number, String sql, double start, double seconds) {
            this.number = number;
            this.line = number;
            this.sql = sql;
            this.start = start;
            this.seconds = seconds;
        }

        Step lock(LockHold hold) {
            locks.add(hold);
            return this;
        }

        Step waited(LockWait wait) {
            blocked.add(wait);
            return this;
        }

        Step rewrote(String relation, String kind, long before, long after) {
            rewrites.add(new TableRewrite(relation, kind, before, after));
            return this;
        }

        Step wal(long bytes) {
            walBytes = bytes;
            return this;
        }

        Step failed(String state, String message) {
            sqlState = state;
            error = message;
            return this;
        }

        StepEvidence build() {
            return new StepEvidence(number, script, line, sql, MIGRATION_PID, at(start), seconds(seconds), walBytes, locks, blocked,
                    rewrites, sqlState, error);
        }
    }

    /** A mutable rehearsal with everything measured and nothing found, unless a test adds it. */
    static final class Evidence {
        String rehearsal = "shop/add-processed-at";
        String clone = "add-processed-at-clone";
        String path = "sql";
        double seconds = -1;
        final List<Step> steps = new ArrayList<>();
        String migrationError;
        final List<QueryReport> workload = new ArrayList<>();
        final List<CheckResult> checks = new ArrayList<>();
        final List<PlanComparison> plans = new ArrayList<>();
        long samples = -1;
        Duration gap = Duration.ofMillis(120);
        Duration interval = INTERVAL;

        Evidence step(Step step) {
            steps.add(step);
            return this;
        }

        Evidence query(QueryReport query) {
            workload.add(query);
            return this;
        }

        Evidence check(CheckResult check) {
            checks.add(check);
            return this;
        }

        Evidence plan(PlanComparison plan) {
            plans.add(plan);
            return this;
        }

        /** The migration lasts until its last step ends, unless a test says otherwise. */
        RehearsalEvidence build() {
            double end = steps.stream().mapToDouble(s -> s.start + s.seconds).max().orElse(0);
            double took = seconds >= 0 ? seconds : end;
            long sampled = samples >= 0 ? samples : Math.max(1, Math.round((took + 30) * 10));
            return new RehearsalEvidence(rehearsal, clone, DATA_AS_OF, path, T0, seconds(took),
                    steps.stream().map(Step::build).toList(), migrationError, workload, seconds(30), checks, plans,
                    sampled, gap, interval);
        }
    }

    static QueryPhaseStats phase(String phase, long executed, double p50, double p95, double p99, double max,
                                 Map<String, Long> errors) {
        long total = errors.values().stream().mapToLong(Long::longValue).sum();
        return new QueryPhaseStats(phase, executed, total, errors, p50, p95, p99, max);
    }

    static QueryReport query(String name, QueryPhaseStats during, double longestWait) {
        return new QueryReport(name, phase(Workload.BASELINE, 3000, 1.2, 2.5, 4.1, 9.8, Map.of()), during, seconds(longestWait));
    }

    /** The query with how its schedule was kept: before the migration and during it. */
    static QueryReport paced(QueryReport q, WorkloadResult.Pacing baseline, WorkloadResult.Pacing migration) {
        return new QueryReport(q.name(), q.baseline(), q.migration(), q.longestLockWait(), baseline, migration);
    }

    static QueryReport calmQuery(String name) {
        return query(name, phase(Workload.MIGRATION, 4100, 1.3, 2.7, 4.4, 11.2, Map.of()), 0);
    }

    static CheckResult passedCheck(String name) {
        return new CheckResult(name, "SELECT id FROM orders WHERE status = 'complete' AND processed_at IS NULL", true,
                "rows = 0", "0 rows", null);
    }

    static CheckResult failedCheck(String name, String actual) {
        return new CheckResult(name, "SELECT id FROM orders WHERE status = 'complete' AND processed_at IS NULL", false,
                "rows = 0", actual, null);
    }

    static PlanCapture capture(String shape, double ms) {
        return new PlanCapture(shape, ms, 120, 4, "[{\"Plan\": {\"Node Type\": \"" + shape.strip().split("\n")[0] + "\"}}]", null);
    }

    static PlanComparison plan(String name, double beforeMs, String beforeShape, double afterMs, String afterShape) {
        return new PlanComparison(name, "SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20",
                capture(beforeShape, beforeMs), capture(afterShape, afterMs));
    }

    static final String INDEX_SCAN = "Limit\n  Index Scan Backward using orders_customer_created on public.orders";
    static final String SEQ_SCAN = "Limit\n  Sort\n    Seq Scan on public.orders";

    /**
     * The risky migration under a workload: ADD COLUMN (a brief AccessExclusiveLock), a
     * backfill UPDATE of every completed order (38 s, RowExclusiveLock, row locks that make an
     * updating query wait), then SET NOT NULL, which holds AccessExclusiveLock for the 41.2 s of
     * its full scan while three sessions of recent-orders queue behind it.
     */
    static Evidence risky() {
        return new Evidence()
                .step(new Step(1, "ALTER TABLE orders ADD COLUMN processed_at timestamptz;", 0, 0.004)
                        .lock(table("public.orders", "AccessExclusiveLock", 0.1, 0.1))
                        .wal(1_200))
                .step(new Step(2, "UPDATE orders SET processed_at = created_at WHERE status = 'complete';", 0.004, 38.0)
                        .lock(table("public.orders", "RowExclusiveLock", 0.1, 38.0))
                        .lock(hold("public.orders_pkey", "i", "RowExclusiveLock", 0.1, 38.0))
                        .waited(new LockWait(5101, Workload.applicationName("mark-shipped"),
                                "UPDATE orders SET status = 'shipped' WHERE id = $1", "transactionid", null, "ShareLock",
                                MIGRATION_PID, at(12.3), at(14.4)))
                        .wal(640 * MIB))
                .step(new Step(3, "ALTER TABLE orders ALTER COLUMN processed_at SET NOT NULL;", 38.004, 41.3)
                        .lock(table("public.orders", "AccessExclusiveLock", 38.1, 79.3))
                        .waited(waiting(5001, "recent-orders", "public.orders", "AccessShareLock", 38.5, 79.3))
                        .waited(waiting(5002, "recent-orders", "public.orders", "AccessShareLock", 39.0, 79.3))
                        .waited(waiting(5003, "recent-orders", "public.orders", "AccessShareLock", 40.2, 79.3))
                        .wal(16_384))
                // its two sessions stuck 40 s behind the AccessExclusiveLock: the turns meanwhile were skipped
                .query(paced(query("recent-orders", phase(Workload.MIGRATION, 2950, 1.4, 38_112.0, 40_790.5, 40_812.0, Map.of()), 40.8),
                        WorkloadResult.Pacing.NONE, new WorkloadResult.Pacing(52, 1_988, 0, 40_790.5)))
                .query(query("mark-shipped", phase(Workload.MIGRATION, 1200, 2.1, 3.9, 2_104.0, 2_150.0, Map.of()), 2.1))
                .check(passedCheck("completed-orders-have-processed-at"))
                .plan(plan("recent-orders-by-customer", 0.42, INDEX_SCAN, 0.45, INDEX_SCAN));
    }

    /** The limits a team would set for the orders table: 1 s of blocking, 5 s of waiting, 5 minutes in all. */
    static Limits ordersLimits() {
        return new Limits(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMinutes(5),
                1024 * MIB, 2.0, 0L);
    }

    /**
     * The safe version: a nullable column, a backfill in batches, a NOT VALID check constraint
     * validated afterwards (ShareUpdateExclusiveLock, which blocks no reads or writes), and
     * CREATE INDEX CONCURRENTLY. Only brief AccessExclusiveLocks, seen in one sample each.
     */
    static Evidence safe() {
        Evidence e = new Evidence();
        e.rehearsal = "shop/add-processed-at-safe";
        e.clone = "add-processed-at-safe-clone";
        e.step(new Step(1, "ALTER TABLE orders ADD COLUMN processed_at timestamptz;", 0, 0.003)
                .lock(table("public.orders", "AccessExclusiveLock", 0.1, 0.1)));
        double t = 0.003;
        for (int batch = 0; batch < 3; batch++) {
            e.step(new Step(2 + batch, "UPDATE orders SET processed_at = created_at\n WHERE id IN (SELECT id FROM orders WHERE status = 'complete'"
                    + " AND processed_at IS NULL LIMIT 10000);", t, 0.35)
                    .lock(table("public.orders", "RowExclusiveLock", t + 0.05, t + 0.3))
                    .wal(3 * MIB));
            t += 0.35;
        }
        e.step(new Step(5, "ALTER TABLE orders ADD CONSTRAINT orders_processed_at_not_null CHECK (processed_at IS NOT NULL) NOT VALID;",
                t, 0.002).lock(table("public.orders", "AccessExclusiveLock", t + 0.05, t + 0.05)));
        t += 0.002;
        e.step(new Step(6, "ALTER TABLE orders VALIDATE CONSTRAINT orders_processed_at_not_null;", t, 2.9)
                .lock(table("public.orders", "ShareUpdateExclusiveLock", t + 0.05, t + 2.85)));
        t += 2.9;
        e.step(new Step(7, "CREATE INDEX CONCURRENTLY orders_processed_at ON orders (processed_at);", t, 8.2)
                .lock(table("public.orders", "ShareUpdateExclusiveLock", t + 0.05, t + 8.15))
                .wal(24 * MIB));
        return e.query(calmQuery("recent-orders"))
                .query(query("mark-shipped", phase(Workload.MIGRATION, 1210, 2.0, 3.8, 5.1, 12.0, Map.of()), 0))
                .check(passedCheck("completed-orders-have-processed-at"))
                .plan(plan("recent-orders-by-customer", 0.42, INDEX_SCAN, 0.44, INDEX_SCAN));
    }

    /** A plain CREATE INDEX: ShareLock on the table for the 3.1 s of the build, while inserts wait. */
    static Evidence createIndex() {
        return new Evidence()
                .step(new Step(1, "CREATE INDEX orders_created_at ON orders (created_at);", 0, 3.2)
                        .lock(table("public.orders", "ShareLock", 0.1, 3.2))
                        .waited(waiting(5201, "insert-order", "public.orders", "RowExclusiveLock", 0.4, 3.2)))
                .query(query("insert-order", phase(Workload.MIGRATION, 300, 1.1, 2.0, 2_800.0, 2_810.0, Map.of()), 2.8));
    }
}
