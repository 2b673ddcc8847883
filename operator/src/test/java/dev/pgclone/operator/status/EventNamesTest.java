package dev.pgclone.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EventNamesTest {

    private static final String DNS_SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";

    @Test
    void anEventAboutAnObjectWithTheLongestNameStillHasAValidName() {
        assertThat(EventRecorder.eventName("orders-staging", "0a1b2c3d4e5f")).isEqualTo("orders-staging.0a1b2c3d4e5f");
        String longest = EventRecorder.eventName("e".repeat(253), "0a1b2c3d4e5f");
        assertThat(longest).hasSize(253).endsWith(".0a1b2c3d4e5f").matches(DNS_SUBDOMAIN);
        String cutAtADash = EventRecorder.eventName("e".repeat(239) + "-.x" + "e".repeat(11), "0a1b2c3d4e5f");
        assertThat(cutAtADash).isEqualTo("e".repeat(239) + ".0a1b2c3d4e5f").matches(DNS_SUBDOMAIN);
    }
}
