package dev.pgclone.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.testing.SteppedClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

    private static final Instant START = Instant.parse("2024-06-01T06:00:00.123456789Z");

    private final SteppedClock clock = new SteppedClock(START);
    private final Conditions conditions = new Conditions(clock);
    private final List<Condition> list = new ArrayList<>();

    private Condition only(String type) {
        assertThat(list).filteredOn(c -> type.equals(c.getType())).hasSize(1);
        return list.stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void aNewConditionIsATransitionStampedWithTheClockAndTheGeneration() {
        boolean transition = conditions.set(list, Conditions.SNAPSHOT_READY, Condition.FALSE, Reasons.SNAPSHOT_CREATED,
                "waiting for VolumeSnapshot orders to become ready", 3L);

        assertThat(transition).isTrue();
        assertThat(list).containsExactly(new Condition(Conditions.SNAPSHOT_READY, "False", "SnapshotCreated",
                "waiting for VolumeSnapshot orders to become ready", 3L, "2024-06-01T06:00:00.123Z"));
    }

    @Test
    void aNewMessageAloneIsNoTransitionAndKeepsTheTime() {
        conditions.set(list, Conditions.PREPARED, Condition.FALSE, Reasons.UNREACHABLE, "cannot connect, retry in 10s", 1L);
        clock.advance(Duration.ofMinutes(5));

        boolean transition = conditions.set(list, Conditions.PREPARED, Condition.FALSE, Reasons.UNREACHABLE, "cannot connect, retry in 20s", 2L);

        assertThat(transition).isFalse();
        Condition c = only(Conditions.PREPARED);
        assertThat(c.getLastTransitionTime()).isEqualTo("2024-06-01T06:00:00.123Z");
        // the message and the generation are still the latest: only the time stays
        assertThat(c.getMessage()).isEqualTo("cannot connect, retry in 20s");
        assertThat(c.getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aNewStatusIsATransition() {
        conditions.set(list, Conditions.VOLUME_READY, Condition.FALSE, Reasons.VOLUME_PENDING, "restoring", 1L);
        clock.advance(Duration.ofSeconds(42));

        boolean transition = conditions.set(list, Conditions.VOLUME_READY, Condition.TRUE, Reasons.VOLUME_PENDING, "restoring", 1L);

        assertThat(transition).isTrue();
        assertThat(only(Conditions.VOLUME_READY).getLastTransitionTime()).isEqualTo("2024-06-01T06:00:42.123Z");
        assertThat(only(Conditions.VOLUME_READY).getStatus()).isEqualTo("True");
    }

    @Test
    void aNewReasonWithTheSameStatusIsATransition() {
        conditions.set(list, Conditions.READY, Condition.FALSE, Reasons.WAITING, "waiting for the snapshot", 1L);
        clock.advance(Duration.ofSeconds(7));

        boolean transition = conditions.set(list, Conditions.READY, Condition.FALSE, Reasons.SOURCE_NOT_FOUND,
                "PersistentVolumeClaim shop/data-orders-0 does not exist", 1L);

        assertThat(transition).isTrue();
        assertThat(only(Conditions.READY).getReason()).isEqualTo("SourceNotFound");
        assertThat(only(Conditions.READY).getLastTransitionTime()).isEqualTo("2024-06-01T06:00:07.123Z");
    }

    @Test
    void settingTheSameConditionAgainChangesNothing() {
        conditions.set(list, Conditions.READY, Condition.TRUE, Reasons.CLONE_READY, "serving", 4L);
        List<Condition> before = List.copyOf(list);
        clock.advance(Duration.ofHours(1));

        assertThat(conditions.set(list, Conditions.READY, Condition.TRUE, Reasons.CLONE_READY, "serving", 4L)).isFalse();
        assertThat(list).isEqualTo(before);
    }

    @Test
    void conditionsKeepTheCanonicalOrderWhateverOrderTheyAreSetIn() {
        conditions.set(list, Conditions.READY, Condition.FALSE, Reasons.WAITING, "m", 1L);
        conditions.set(list, "Custom", Condition.UNKNOWN, Reasons.WAITING, "m", 1L);
        conditions.set(list, Conditions.POSTGRES_STARTED, Condition.FALSE, Reasons.POD_STARTING, "m", 1L);
        conditions.set(list, Conditions.SNAPSHOT_READY, Condition.TRUE, Reasons.SNAPSHOT_READY, "m", 1L);
        conditions.set(list, Conditions.PREPARED, Condition.FALSE, Reasons.PREPARING, "m", 1L);
        conditions.set(list, Conditions.VOLUME_READY, Condition.TRUE, Reasons.VOLUME_BOUND, "m", 1L);
        // updating one must not move it to the end
        conditions.set(list, Conditions.SNAPSHOT_READY, Condition.TRUE, Reasons.SNAPSHOT_READY, "m2", 2L);

        // a type the factory does not know goes after the clone's own, rather than being dropped
        assertThat(list).extracting(Condition::getType).containsExactly(
                "SnapshotReady", "VolumeReady", "PostgresStarted", "Prepared", "Ready", "Custom");
    }

    @Test
    void timesAreIsoInstantsInMillisecondsAndParseBack() {
        assertThat(Conditions.format(Instant.parse("2024-06-01T06:00:00.123456789Z"))).isEqualTo("2024-06-01T06:00:00.123Z");
        assertThat(Conditions.format(Instant.parse("2024-06-01T06:00:00Z"))).isEqualTo("2024-06-01T06:00:00Z");
        assertThat(Conditions.parse("2024-06-01T06:00:00.123Z")).isEqualTo(Instant.parse("2024-06-01T06:00:00.123Z"));
        assertThat(Conditions.parse(null)).isNull();
        assertThat(conditions.now()).isEqualTo(START);
    }
}
