package dev.pgclone.operator.postgres.rehearsal;

import java.util.Map;

/**
 * A workload query's executions in one phase of the rehearsal ({@code baseline}: before the
 * migration; {@code migration}: while it runs). Latencies in milliseconds, measured by the client
 * from send to result; NaN when nothing completed.
 *
 * @param errorsBySqlState errors counted by SQLSTATE (55P03 lock_timeout, 57014 statement_timeout,
 *                         40P01 deadlock, ...)
 */
public record QueryPhaseStats(String phase, long executed, long errors, Map<String, Long> errorsBySqlState,
                              double p50Ms, double p95Ms, double p99Ms, double maxMs) {

    public QueryPhaseStats {
        errorsBySqlState = Map.copyOf(errorsBySqlState);
    }
}
