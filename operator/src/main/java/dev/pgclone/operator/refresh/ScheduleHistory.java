package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.status.Conditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The clones of one schedule, oldest run first, and the pure rules over them: which clone should
 * serve, which run is still in progress, and which clones are deleted.
 */
final class ScheduleHistory {

    enum State { READY, FAILED, IN_PROGRESS }

    /**
     * One clone of the schedule as the schedule sees it.
     *
     * @param runTime the run it was made for (from its name)
     * @param reason  its Ready condition's reason, or null
     * @param message its Ready condition's message, or null
     */
    record Child(String name, Instant runTime, State state, String phase, String reason, String message, String dataAsOf) {

        static Child of(DatabaseClone clone, Instant runTime) {
            var status = clone.getStatus();
            Optional<Condition> ready = status == null ? Optional.empty() : status.condition(Conditions.READY);
            State state;
            if (ready.isPresent() && ready.get().isTrue()) {
                state = State.READY;
            } else if (status != null && "Failed".equals(status.getPhase())) {
                state = State.FAILED;
            } else {
                state = State.IN_PROGRESS;
            }
            return new Child(clone.getMetadata().getName(), runTime, state,
                    status == null || status.getPhase() == null ? "Pending" : status.getPhase(),
                    ready.map(Condition::getReason).orElse(null), ready.map(Condition::getMessage).orElse(null),
                    status == null ? null : status.getDataAsOf());
        }
    }

    /** Where the Service goes: to {@code to}; {@code forward} when that is a newer run than the one it served (a refresh). */
    record Switch(Child to, boolean forward) {}

    /** A clone to delete and why, for the event. */
    record Deletion(Child child, String why) {}

    private final List<Child> children;

    ScheduleHistory(List<Child> children) {
        List<Child> sorted = new ArrayList<>(children);
        sorted.sort(Comparator.comparing(Child::runTime).thenComparing(Child::name));
        this.children = List.copyOf(sorted);
    }

    List<Child> children() {
        return children;
    }

    Optional<Child> named(String name) {
        return children.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The clone of the latest run, whatever its state. */
    Optional<Child> newest() {
        return children.isEmpty() ? Optional.empty() : Optional.of(children.get(children.size() - 1));
    }

    /**
     * Where the Service should point, when that differs from {@code active}: the newest Ready clone,
     * if it is newer than the active one. An active clone that is merely not Ready keeps the Service
     * (it may recover, and serving older data without anyone asking would surprise); one that no
     * longer exists is replaced by the newest Ready clone even if older, and that is no refresh.
     *
     * @param active        status.activeClone, or null
     * @param activeRunTime the run time in the active clone's name, or null
     */
    Optional<Switch> switchTarget(String active, Instant activeRunTime) {
        Optional<Child> newestReady = children.stream().filter(c -> c.state() == State.READY).reduce((a, b) -> b);
        if (newestReady.isEmpty() || newestReady.get().name().equals(active)) {
            return Optional.empty();
        }
        Child target = newestReady.get();
        if (active == null || activeRunTime == null || target.runTime().isAfter(activeRunTime)) {
            return Optional.of(new Switch(target, true));
        }
        if (named(active).isEmpty()) {
            return Optional.of(new Switch(target, false));
        }
        return Optional.empty();
    }

    /** A run newer than the serving clone that is neither Ready nor Failed: no new run starts while it lasts. */
    Optional<Child> inProgress(Instant activeRunTime) {
        return children.stream()
                .filter(c -> c.state() == State.IN_PROGRESS)
                .filter(c -> activeRunTime == null || c.runTime().isAfter(activeRunTime))
                .reduce((a, b) -> b);
    }

    /**
     * What to delete, oldest first, once {@code active} serves: of the clones older than it, all but
     * the newest {@code historyLimit} Ready ones (a superseded clone that is not Ready would never
     * serve again); of the newer ones, failed clones except the latest failure, which stays for
     * inspection until a newer clone serves. Runs in progress and the active clone are never deleted.
     */
    List<Deletion> toDelete(String active, Instant activeRunTime, int historyLimit) {
        List<Deletion> deletions = new ArrayList<>();
        List<Child> older = activeRunTime == null ? List.of()
                : children.stream().filter(c -> !c.name().equals(active) && c.runTime().isBefore(activeRunTime)).toList();
        List<Child> olderReady = older.stream().filter(c -> c.state() == State.READY).toList();
        List<Child> keptHistory = olderReady.subList(Math.max(0, olderReady.size() - historyLimit), olderReady.size());
        Optional<Child> latestFailure = children.stream()
                .filter(c -> c.state() == State.FAILED && (activeRunTime == null || c.runTime().isAfter(activeRunTime)))
                .reduce((a, b) -> b);
        for (Child c : children) {
            if (c.name().equals(active)) {
                continue;
            }
            if (older.contains(c)) {
                if (!keptHistory.contains(c)) {
                    deletions.add(new Deletion(c, c.state() == State.READY
                            ? "superseded by " + active + " and beyond spec.historyLimit " + historyLimit
                            : "superseded by " + active + " and not Ready"));
                }
            } else if (c.state() == State.FAILED && !Objects.equals(latestFailure.orElse(null), c)) {
                deletions.add(new Deletion(c, "failed, and the later run " + latestFailure.get().name() + " failed too"));
            }
        }
        return deletions;
    }
}
