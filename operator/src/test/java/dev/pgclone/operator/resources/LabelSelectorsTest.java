package dev.pgclone.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The grant of a CloneSource by namespace labels follows the API server's selector semantics. */
class LabelSelectorsTest {

    private static final Map<String, String> STAGING = Map.of("env", "staging", "team", "orders");

    @Test
    void matchLabelsNeedEveryPair() {
        assertThat(LabelSelectors.matches(selector(Map.of("env", "staging")), STAGING)).isTrue();
        assertThat(LabelSelectors.matches(selector(Map.of("env", "staging", "team", "payments")), STAGING)).isFalse();
        assertThat(LabelSelectors.matches(selector(Map.of("env", "staging")), null)).isFalse();
    }

    @Test
    void expressionsFollowTheirOperators() {
        assertThat(LabelSelectors.matches(expression("env", "In", "staging", "qa"), STAGING)).isTrue();
        assertThat(LabelSelectors.matches(expression("env", "In", "qa"), STAGING)).isFalse();
        assertThat(LabelSelectors.matches(expression("env", "NotIn", "prod"), STAGING)).isTrue();
        assertThat(LabelSelectors.matches(expression("env", "NotIn", "staging"), STAGING)).isFalse();
        assertThat(LabelSelectors.matches(expression("team", "Exists"), STAGING)).isTrue();
        assertThat(LabelSelectors.matches(expression("pci", "Exists"), STAGING)).isFalse();
        assertThat(LabelSelectors.matches(expression("pci", "DoesNotExist"), STAGING)).isTrue();
        assertThat(LabelSelectors.matches(expression("team", "DoesNotExist"), STAGING)).isFalse();
    }

    @Test
    void anUnknownOperatorNeverWidensAGrantButAnEmptySelectorMatchesAllAsInKubernetes() {
        assertThat(LabelSelectors.matches(expression("env", "Like", "stag"), STAGING)).isFalse();
        assertThat(LabelSelectors.matches(new LabelSelector(), STAGING)).isTrue();
    }

    private static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels).build();
    }

    private static LabelSelector expression(String key, String operator, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(operator).withValues(List.of(values))
                .endMatchExpression().build();
    }
}
