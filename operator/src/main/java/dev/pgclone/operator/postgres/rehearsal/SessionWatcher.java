package dev.pgclone.operator.postgres.rehearsal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Job path: while the team's own tool (Flyway, Liquibase, Rails, psql...) migrates the clone, the
 * {@link LockMonitor} watches every session that is not the rehearsal's own; this turns what it saw into
 * one {@link StepEvidence} per migration backend: its application_name (as {@code script}), pid, first
 * and last time seen ({@code started}, {@code duration}), the last query it ran ({@code sql}), the locks
 * it held and the sessions that waited behind it.
 *
 * <p>Call {@link #start} before the Job starts and {@link #finish} after it ended: the relations' files
 * are read at both moments (on a session of the rehearsal's own, when the tool holds no lock), and the WAL
 * insert position too. Sessions already connected at {@link #start} are not the Job's (someone's psql
 * on a kept clone) and are left out.
 *
 * <p>What cannot be measured per session from outside is said so rather than guessed:
 * <ul>
 *   <li>WAL: PostgreSQL counts WAL per server, not per session. A session's {@code walBytes} is what the
 *       whole clone wrote from the last sample before it was first seen to the first sample after it was
 *       last seen: an upper bound, which counts the workload's writes and those of the tool's other
 *       sessions running at the same time (the sum over sessions may exceed the Job's total). The Job's
 *       exact total, from before to after, is {@link JobEvidence#walBytes()}.</li>
 *   <li>Rewrites are known for the whole Job (before and after). Each goes to the session seen holding the
 *       strongest lock on the relation (a rewrite takes ACCESS EXCLUSIVE); when no session was seen
 *       locking it (the lock lasted less than a sampling interval) and the Job had exactly one session, to
 *       that one; otherwise it stays in {@link JobEvidence#unattributedRewrites()}.</li>
 *   <li>Errors: the tool reports its own; a session's {@code sqlState} and {@code error} are null.</li>
 * </ul>
 */
public final class SessionWatcher {

    /**
     * @param sessions             one per migration backend, in the order they were first seen
     * @param walBytes             WAL the clone wrote from {@link #start} to {@link #finish} (the workload's included)
     * @param rewrites             every relation rewritten over the Job, attributed or not
     * @param unattributedRewrites those no session could be given
     * @param quality              the monitor's sampling quality at the end
     */
    public record JobEvidence(List<StepEvidence> sessions, Instant started, Duration duration, long walBytes,
                              List<TableRewrite> rewrites, List<TableRewrite> unattributedRewrites, SamplingQuality quality) {
        public JobEvidence {
            sessions = List.copyOf(sessions);
            rewrites = List.copyOf(rewrites);
            unattributedRewrites = List.copyOf(unattributedRewrites);
        }
    }

    private final CloneSessions sessions;
    private final LockMonitor monitor;
    private final RelationFiles filesBefore;
    private final long walBefore;
    private final Instant started;

    private SessionWatcher(CloneSessions sessions, LockMonitor monitor, RelationFiles filesBefore, long walBefore, Instant started) {
        this.sessions = sessions;
        this.monitor = monitor;
        this.filesBefore = filesBefore;
        this.walBefore = walBefore;
        this.started = started;
    }

    /** Reads the files and the WAL position before the Job; the monitor must watch other sessions ({@link LockMonitor.Watch#otherSessions()}). */
    public static SessionWatcher start(CloneSessions sessions, LockMonitor monitor) throws SQLException {
        Objects.requireNonNull(sessions, "sessions");
        if (!monitor.watching().isOtherSessions()) {
            throw new IllegalArgumentException("the Job path's monitor must watch every session but the rehearsal's own");
        }
        monitor.sampleNow();
        Instant started = monitor.now();
        try (Connection c = open(sessions)) {
            long wal = LockMonitor.currentWal(c);
            return new SessionWatcher(sessions, monitor, RelationFiles.read(c), wal, started);
        }
    }

    /** After the Job ended: the evidence. */
    public JobEvidence finish() throws SQLException {
        monitor.sampleNow();
        Instant end = monitor.now();
        RelationFiles filesAfter;
        long walAfter;
        try (Connection c = open(sessions)) {
            walAfter = LockMonitor.currentWal(c);
            filesAfter = RelationFiles.read(c);
        }
        List<LockMonitor.Backend> seen = monitor.backends();
        List<LockMonitor.Backend> backends = seen.stream().filter(b -> !b.firstSeen().isBefore(started)).toList();
        List<LockMonitor.Hold> holds = monitor.holdsWithOids();
        List<LockWait> waits = monitor.waits();

        Map<LockMonitor.Backend, List<LockMonitor.Hold>> locks = new LinkedHashMap<>();
        Map<LockMonitor.Backend, List<LockWait>> blockedBy = new LinkedHashMap<>();
        backends.forEach(b -> {
            locks.put(b, new ArrayList<>());
            blockedBy.put(b, new ArrayList<>());
        });
        for (LockMonitor.Hold h : holds) {
            LockMonitor.Backend b = owner(seen, h.hold().pid(), h.hold().firstSeen());
            if (locks.containsKey(b)) {
                locks.get(b).add(h);
            }
        }
        for (LockWait w : waits) {
            LockMonitor.Backend b = owner(seen, w.blockerPid(), w.firstSeen());
            if (blockedBy.containsKey(b)) {
                blockedBy.get(b).add(w);
            }
        }
        Map<LockMonitor.Backend, List<TableRewrite>> rewritten = new LinkedHashMap<>();
        backends.forEach(b -> rewritten.put(b, new ArrayList<>()));
        List<TableRewrite> all = new ArrayList<>();
        List<TableRewrite> unattributed = new ArrayList<>();
        for (RelationFiles.Rewrite r : filesAfter.rewrittenSince(filesBefore)) {
            all.add(r.rewrite());
            LockMonitor.Backend owner = strongestLocker(r, locks);
            if (owner == null && backends.size() == 1) {
                owner = backends.get(0);
            }
            if (owner == null) {
                unattributed.add(r.rewrite());
            } else {
                rewritten.get(owner).add(r.rewrite());
            }
        }

        List<StepEvidence> steps = new ArrayList<>();
        for (LockMonitor.Backend b : backends) {
            long wal = b.walBefore() >= 0 && b.walAfter() >= b.walBefore() ? b.walAfter() - b.walBefore() : 0;
            steps.add(new StepEvidence(steps.size() + 1, b.applicationName() == null ? "" : b.applicationName(), 0,
                    MigrationSession.cut(b.lastQuery(), MigrationSession.MAX_SQL), b.pid(), b.firstSeen(),
                    Duration.between(b.firstSeen(), b.lastSeen()), wal, locks.get(b).stream().map(LockMonitor.Hold::hold).distinct().toList(),
                    blockedBy.get(b), rewritten.get(b), null, null));
        }
        return new JobEvidence(steps, started, Duration.between(started, end), walAfter - walBefore, all, unattributed, monitor.quality());
    }

    /**
     * The backend a pid was at {@code t}: of those seen with that pid, the one seen first last before {@code t}
     * (a pid is reused only by a later backend). A lock and its holder come from the same samples, so the
     * holder was first seen no later than the lock.
     */
    private static LockMonitor.Backend owner(List<LockMonitor.Backend> seen, int pid, Instant t) {
        LockMonitor.Backend owner = null;
        for (LockMonitor.Backend b : seen) {
            if (b.pid() == pid && !b.firstSeen().isAfter(t) && (owner == null || b.firstSeen().isAfter(owner.firstSeen()))) {
                owner = b;
            }
        }
        return owner;
    }

    /** The session seen holding the strongest lock on the relation (the first one seen, among equals); null when none was. */
    private static LockMonitor.Backend strongestLocker(RelationFiles.Rewrite rewrite, Map<LockMonitor.Backend, List<LockMonitor.Hold>> locks) {
        LockMonitor.Backend best = null;
        int bestStrength = -1;
        Instant bestFirst = null;
        for (Map.Entry<LockMonitor.Backend, List<LockMonitor.Hold>> e : locks.entrySet()) {
            for (LockMonitor.Hold h : e.getValue()) {
                if (h.oid() != rewrite.oid() && h.oid() != rewrite.oldOid()) {
                    continue;
                }
                int strength = LockModes.strength(h.hold().mode());
                if (strength > bestStrength || (strength == bestStrength && h.hold().firstSeen().isBefore(bestFirst))) {
                    best = e.getKey();
                    bestStrength = strength;
                    bestFirst = h.hold().firstSeen();
                }
            }
        }
        return best;
    }

    private static Connection open(CloneSessions sessions) throws SQLException {
        return sessions.open(MigrationSession.OBSERVER_ROLE, Map.of("statement_timeout", "60s", "lock_timeout", "5s", "jit", "off"),
                Duration.ofSeconds(90));
    }
}
