package dev.pgclone.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

    private static final Instant NOW = Instant.parse("2030-01-07T10:00:00Z");
    private final BackoffPolicy standard = BackoffPolicy.STANDARD;

    @Test
    void theOperatorBacksOffFromFiveSecondsToFiveMinutes() {
        assertThat(standard.min()).isEqualTo(Duration.ofSeconds(5));
        assertThat(standard.max()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aProblemThatJustBeganIsLookedAtAgainAfterTheMinimum() {
        // even when the condition's transition time says it has lasted long: this reconcile saw it begin
        assertThat(standard.after(NOW.minus(Duration.ofHours(1)), NOW, true)).isEqualTo(Duration.ofSeconds(5));
        assertThat(standard.after(null, NOW, false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(standard.after(NOW, NOW, false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(standard.after(NOW.minusSeconds(3), NOW, false)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aLastingProblemWaitsAsLongAsItHasLasted() {
        assertThat(standard.after(NOW.minusSeconds(5), NOW, false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(standard.after(NOW.minusSeconds(42), NOW, false)).isEqualTo(Duration.ofSeconds(42));
        assertThat(standard.after(NOW.minus(Duration.ofMinutes(5)), NOW, false)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void noLongerThanTheMaximum() {
        assertThat(standard.after(NOW.minus(Duration.ofMinutes(5)).minusMillis(1), NOW, false)).isEqualTo(Duration.ofMinutes(5));
        assertThat(standard.after(NOW.minus(Duration.ofDays(3)), NOW, false)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aTransitionTimeAheadOfTheClockCountsAsJustBegun() {
        // another replica's clock, or a moved test clock: never a negative or zero wait
        assertThat(standard.after(NOW.plusSeconds(30), NOW, false)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void otherBoundsAreHonoured() {
        BackoffPolicy quick = new BackoffPolicy(Duration.ofMillis(200), Duration.ofSeconds(2));
        assertThat(quick.after(NOW, NOW, true)).isEqualTo(Duration.ofMillis(200));
        assertThat(quick.after(NOW.minusMillis(700), NOW, false)).isEqualTo(Duration.ofMillis(700));
        assertThat(quick.after(NOW.minusSeconds(60), NOW, false)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void boundsMustBeOrdered() {
        assertThatThrownBy(() -> new BackoffPolicy(Duration.ofSeconds(10), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffPolicy(Duration.ofSeconds(-1), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BackoffPolicy(null, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
