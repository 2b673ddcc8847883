package dev.pgclone.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgclone.operator.clone.SpecValidator;
import dev.pgclone.operator.resources.TestClones;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** spec.ttl: what a user writes, and how long the clone then lives. */
class DurationsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "24h, PT24H",
            "90m, PT1H30M",
            "45s, PT45S",
            "7d, PT168H",
            "1h30m, PT1H30M",
            "1d2h3m4s, PT26H3M4S",
            // units in any order and repeated: they add up, as the pattern allows them
            "30m1h, PT1H30M",
            "30m30m, PT1H",
            "0s, PT0S",
            "007h, PT7H",
    })
    void parses(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "24", "h", "1.5h", "1H", "1w", "-1h", "+1h", "1h 30m", " 24h", "24h ", "PT24H", "24hours", "1h30"})
    void rejectsWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a duration: " + text);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The reconciler computes expiresAt with Durations only for specs the validator let through: both must agree. */
    @ParameterizedTest
    @ValueSource(strings = {"24h", "1h30m", "7d", "0s", "30m30m", "", "1.5h", "1H", "-1h", "1w", "24h ", "3650d", "3651d",
            "999999999999999d", "999999999999d", "99999999999999999999s"})
    void theValidatorAcceptsExactlyWhatParses(String ttl) {
        var spec = TestClones.minimal().getSpec();
        spec.setTtl(ttl);
        boolean valid = SpecValidator.problems(spec, "orders-staging").isEmpty();
        boolean parses;
        try {
            Durations.parse(ttl);
            parses = true;
        } catch (IllegalArgumentException e) {
            parses = false;
        }
        assertThat(parses).as("ttl \"%s\": parses vs valid", ttl).isEqualTo(valid);
    }
}
