package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Workload} measured, per query and per phase, when it stopped.
 *
 * @param phases  the phases in the order they ran
 * @param queries the queries in the order they were given
 */
public record WorkloadResult(List<Phase> phases, List<QueryRun> queries) {

    public WorkloadResult {
        phases = List.copyOf(phases);
        queries = List.copyOf(queries);
    }

    /** A phase: from its start to the next phase's start, the last one to the stop. */
    public record Phase(String name, Instant started, Duration duration) {}

    /**
     * One query over the whole run.
     *
     * @param stats  per phase name, what its executions did
     * @param pacing per phase name, how well the schedule was kept
     */
    public record QueryRun(String name, double ratePerSecond, int concurrency, Map<String, QueryPhaseStats> stats,
                           Map<String, Pacing> pacing) {

        public QueryRun {
            stats = Map.copyOf(stats);
            pacing = Map.copyOf(pacing);
        }
    }

    /**
     * How a query's schedule was kept in one phase. An execution's turn comes at a fixed time
     * (open loop: the n-th at start + n / rate, whatever the earlier ones did); the lag is how much
     * later a session was free to start it. Executions run late still count in
     * {@link QueryPhaseStats#executed()}, and their latency is measured from when they were sent;
     * skipped ones were not sent at all. A query without a rate has no schedule: all zero.
     *
     * @param late       executions sent more than the workload's lateness threshold after their turn
     * @param skipped    turns not sent: more than the skip threshold late (they would only have
     *                   piled onto a server that was already behind), or still waiting for a free
     *                   session when the workload stopped. Executed plus skipped is every turn that
     *                   came in the phase, give or take the turns a lag carried over its start
     * @param reconnects sessions of the query that lost their connection and opened a new one
     * @param maxLagMs   the largest lag seen, skipped turns included; 0 when nothing was scheduled
     */
    public record Pacing(long late, long skipped, long reconnects, double maxLagMs) {

        /** Nothing late, nothing skipped: the schedule was kept, or there was none. */
        public static final Pacing NONE = new Pacing(0, 0, 0, 0);

        public boolean behind() {
            return late > 0 || skipped > 0;
        }
    }

    public QueryRun query(String name) {
        return queries.stream().filter(q -> q.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload query named " + name));
    }

    /** A query's stats in a phase; a phase that never ran reads as nothing executed. */
    public QueryPhaseStats stats(String query, String phase) {
        QueryPhaseStats s = query(query).stats().get(phase);
        return s != null ? s : empty(phase);
    }

    public Pacing pacing(String query, String phase) {
        Pacing p = query(query).pacing().get(phase);
        return p != null ? p : Pacing.NONE;
    }

    /**
     * The report of one query, baseline against migration; the longest lock wait is the lock
     * monitor's finding for the query's sessions, which the workload cannot see from the client.
     */
    public QueryReport report(String query, Duration longestLockWait) {
        return new QueryReport(query, stats(query, Workload.BASELINE), stats(query, Workload.MIGRATION),
                longestLockWait == null ? Duration.ZERO : longestLockWait, pacing(query, Workload.BASELINE), pacing(query, Workload.MIGRATION));
    }

    /** {@link #report} for every query, in order; a query missing from the map never waited. */
    public List<QueryReport> reports(Map<String, Duration> longestLockWaits) {
        return queries.stream().map(q -> report(q.name(), longestLockWaits.get(q.name()))).toList();
    }

    static QueryPhaseStats empty(String phase) {
        return new QueryPhaseStats(phase, 0, 0, Map.of(), Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
}
