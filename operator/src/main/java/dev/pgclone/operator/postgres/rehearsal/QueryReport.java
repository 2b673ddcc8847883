package dev.pgclone.operator.postgres.rehearsal;

import java.time.Duration;

/**
 * One workload query over the whole rehearsal.
 *
 * @param longestLockWait the longest time one of its sessions was seen waiting for a lock held by a
 *                        migration session (from the monitor's samples; zero when never seen waiting)
 */
public record QueryReport(String name, QueryPhaseStats baseline, QueryPhaseStats migration, Duration longestLockWait) {}
