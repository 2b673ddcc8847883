package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/** Questions the verdict, the summary and the report all ask of the monitor's lock records. */
final class Observations {

    /**
     * The hold that matters most first: the longest; among equally long ones the table before its
     * indexes and TOAST table (an ALTER TABLE locks all of them for the same time, and it is the
     * table users know), then the stronger mode, then by name so the order never depends on the input's.
     */
    static final Comparator<LockHold> MOST_SIGNIFICANT = Comparator.comparing(LockHold::held).reversed()
            .thenComparing(h -> isTable(h.kind()) ? 0 : 1)
            .thenComparing(h -> -Wording.strength(h.mode()))
            .thenComparing(h -> String.valueOf(h.relation()));

    /** A lock and the step it was first seen in. */
    record StepHold(StepEvidence step, LockHold hold) {}

    private Observations() {}

    /** The most significant hold of a kind over all steps; on a tie the earlier step's. Null when none. */
    static StepHold longest(List<StepEvidence> steps, Predicate<LockHold> kind) {
        StepHold found = null;
        for (StepEvidence step : steps) {
            for (LockHold hold : step.locks()) {
                if (kind.test(hold) && (found == null || MOST_SIGNIFICANT.compare(hold, found.hold()) < 0)) {
                    found = new StepHold(step, hold);
                }
            }
        }
        return found;
    }

    /** The workload query that waited longest for a lock (by name on a tie); null when none waited. */
    static QueryReport longestWaiting(List<QueryReport> workload) {
        return workload.stream()
                .filter(q -> !longestWait(q).isZero())
                .min(Comparator.comparing(Observations::longestWait).reversed().thenComparing(QueryReport::name))
                .orElse(null);
    }

    /** Errors of all workload queries during the migration. */
    static long workloadErrors(List<QueryReport> workload) {
        return workload.stream().filter(q -> q.migration() != null).mapToLong(q -> q.migration().errors()).sum();
    }

    static boolean isTable(String kind) {
        return "r".equals(kind) || "p".equals(kind) || "m".equals(kind);
    }

    /** A wait and the step it was recorded under. */
    record StepWait(StepEvidence step, LockWait lockWait) {}

    /**
     * The monitor's records indexed once, so that a migration with thousands of steps and waits
     * is judged in about linear time (on the SQL path every step runs on the same backend, so
     * backend and relation alone do not narrow much): holds and waits by the backend and relation
     * they share, each group ordered by time, and each workload query's longest wait.
     */
    static final class Index {
        private final Map<Key, Intervals<LockHold>> holds = new HashMap<>();
        private final Map<Key, Intervals<LockWait>> waits = new HashMap<>();
        private final Map<String, StepWait> longestByQuery = new HashMap<>();

        Index(List<StepEvidence> steps) {
            Map<Key, List<LockHold>> holdGroups = new HashMap<>();
            Map<Key, List<LockWait>> waitGroups = new HashMap<>();
            for (StepEvidence step : steps) {
                for (LockHold h : step.locks()) {
                    holdGroups.computeIfAbsent(new Key(h.pid(), h.relation()), k -> new ArrayList<>()).add(h);
                }
                for (LockWait w : step.blocked()) {
                    waitGroups.computeIfAbsent(new Key(w.blockerPid(), w.relation()), k -> new ArrayList<>()).add(w);
                    String query = Workload.queryOf(w.waiterApplication());
                    StepWait longest = query == null ? null : longestByQuery.get(query);
                    if (query != null && (longest == null || w.waited().compareTo(longest.lockWait().waited()) > 0)) {
                        longestByQuery.put(query, new StepWait(step, w));
                    }
                }
            }
            holdGroups.forEach((k, v) -> holds.put(k, new Intervals<>(v, LockHold::firstSeen, LockHold::lastSeen)));
            waitGroups.forEach((k, v) -> waits.put(k, new Intervals<>(v, LockWait::firstSeen, LockWait::lastSeen)));
        }

        /**
         * The sessions that waited for this lock: behind its backend, for the same relation, while
         * it was held. A lock taken in a transaction is held past its statement, so waits recorded
         * under later steps count too.
         */
        List<LockWait> behind(LockHold hold) {
            Intervals<LockWait> group = hold.relation() == null ? null : waits.get(new Key(hold.pid(), hold.relation()));
            return group == null ? List.of() : group.overlapping(hold.firstSeen(), hold.lastSeen());
        }

        /**
         * The lock a waiting session waited for: the strongest the blocker held on that relation
         * while it waited; null when the wait was not for a relation lock (a row lock:
         * transactionid, tuple).
         */
        LockHold heldFor(LockWait wait) {
            Intervals<LockHold> group = wait.relation() == null ? null : holds.get(new Key(wait.blockerPid(), wait.relation()));
            return group == null ? null : group.overlapping(wait.firstSeen(), wait.lastSeen()).stream()
                    .max(Comparator.comparing(h -> Wording.strength(h.mode())))
                    .orElse(null);
        }

        /** The longest wait of a workload query, with the step it was recorded under; null when it never waited. */
        StepWait longestWait(String query) {
            return longestByQuery.get(query);
        }

        /** A backend and a relation. */
        private record Key(int pid, String relation) {}
    }

    /** Time intervals ordered by start, answering which overlap a given one without looking at all. */
    static final class Intervals<T> {
        private final List<T> items;
        private final List<Instant> starts;
        private final Function<T, Instant> end;
        private final Duration longest;

        Intervals(List<T> items, Function<T, Instant> start, Function<T, Instant> end) {
            this.items = items.stream().sorted(Comparator.comparing(start)).toList();
            this.starts = this.items.stream().map(start).toList();
            this.end = end;
            this.longest = items.stream().map(t -> Duration.between(start.apply(t), end.apply(t)))
                    .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        }

        /** The items overlapping [from, to], ends included, in the order they started. */
        List<T> overlapping(Instant from, Instant to) {
            // an item starting before from - longest cannot reach from
            int i = firstAtOrAfter(from.minus(longest));
            List<T> found = new ArrayList<>();
            for (; i < items.size() && !starts.get(i).isAfter(to); i++) {
                if (!end.apply(items.get(i)).isBefore(from)) {
                    found.add(items.get(i));
                }
            }
            return found;
        }

        private int firstAtOrAfter(Instant t) {
            int lo = 0;
            int hi = starts.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (starts.get(mid).isBefore(t)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /** {@code 3 workload sessions waited up to 40.8 s (recent-orders)}, or that nobody waited. */
    static String waiters(List<LockWait> waits) {
        if (waits.isEmpty()) {
            return "no session waited behind it";
        }
        Set<Integer> sessions = new TreeSet<>();
        Set<String> queries = new TreeSet<>();
        Duration longest = Duration.ZERO;
        boolean allWorkload = true;
        for (LockWait w : waits) {
            sessions.add(w.waiterPid());
            String query = Workload.queryOf(w.waiterApplication());
            if (query == null) {
                allWorkload = false;
            } else {
                queries.add(query);
            }
            if (w.waited().compareTo(longest) > 0) {
                longest = w.waited();
            }
        }
        String who = allWorkload ? Wording.plural(sessions.size(), "workload session", "workload sessions")
                : Wording.plural(sessions.size(), "session", "sessions");
        String text = who + " waited " + (longest.isZero() ? "briefly" : "up to " + Wording.seconds(longest));
        if (!queries.isEmpty()) {
            text += " (" + (allWorkload ? "" : "workload: ") + names(queries, 3) + ")";
        }
        return text;
    }

    /** The longest lock wait of a workload query, zero when it never waited (or nothing says). */
    static Duration longestWait(QueryReport query) {
        return query.longestLockWait() == null ? Duration.ZERO : query.longestLockWait();
    }

    private static String names(Set<String> names, int max) {
        List<String> all = List.copyOf(names);
        if (all.size() <= max) {
            return String.join(", ", all);
        }
        return String.join(", ", all.subList(0, max)) + " and " + (all.size() - max) + " more";
    }
}
