package dev.pgclone.operator.status;

import dev.pgclone.operator.api.v1alpha1.common.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds and updates conditions. {@code lastTransitionTime} changes only when status or reason
 * changes, so a message refresh (say, a new backoff) does not look like a transition; every
 * condition carries the generation it was computed for.
 */
public final class Conditions {

    public static final String SNAPSHOT_READY = "SnapshotReady";
    public static final String VOLUME_READY = "VolumeReady";
    public static final String POSTGRES_STARTED = "PostgresStarted";
    public static final String PREPARED = "Prepared";
    public static final String READY = "Ready";
    /** CloneSource in masking mode Snapshot: a masked snapshot is there for new clones. */
    public static final String MASKED_SNAPSHOT_READY = "MaskedSnapshotReady";

    /** The order in which they appear in status and in which the phase is derived. */
    public static final List<String> CLONE_TYPES = List.of(SNAPSHOT_READY, VOLUME_READY, POSTGRES_STARTED, PREPARED, READY);

    private final Clock clock;

    public Conditions(Clock clock) {
        this.clock = clock;
    }

    public Instant now() {
        return clock.instant();
    }

    public static String format(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    public static Instant parse(String time) {
        return time == null ? null : Instant.parse(time);
    }

    /**
     * Sets a condition in {@code conditions} (in place), keeping the canonical order.
     * @return true when status or reason changed (a transition), which is when events are worth sending
     */
    public boolean set(List<Condition> conditions, String type, String status, String reason, String message, Long generation) {
        Optional<Condition> existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
        boolean transition = existing.map(c -> !status.equals(c.getStatus()) || !reason.equals(c.getReason())).orElse(true);
        String ltt = transition ? format(clock.instant()) : existing.get().getLastTransitionTime();
        Condition updated = new Condition(type, status, reason, message, generation, ltt);
        List<Condition> rest = new ArrayList<>(conditions);
        rest.removeIf(c -> type.equals(c.getType()));
        rest.add(updated);
        rest.sort((a, b) -> Integer.compare(order(a.getType()), order(b.getType())));
        conditions.clear();
        conditions.addAll(rest);
        return transition;
    }

    private static int order(String type) {
        int i = CLONE_TYPES.indexOf(type);
        return i < 0 ? Integer.MAX_VALUE : i;
    }
}
