package dev.pgclone.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConflictsTest {

    private static KubernetesClientException status(int code) {
        return new KubernetesClientException("status " + code, code, null);
    }

    @Test
    void aConflictIsReadAgainAndRedoneUntilTheWriteLands() {
        AtomicInteger attempts = new AtomicInteger();
        String result = Conflicts.retry(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw status(409);
            }
            return "written";
        });
        assertThat(result).isEqualTo("written");
        assertThat(attempts).hasValue(3);
    }

    @Test
    void aConflictThatOutlastsTheAttemptsFailsWithTheConflict() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Conflicts.retry(() -> {
            attempts.incrementAndGet();
            throw status(409);
        })).isInstanceOf(KubernetesClientException.class).extracting(e -> ((KubernetesClientException) e).getCode()).isEqualTo(409);
        assertThat(attempts).hasValue(Conflicts.ATTEMPTS);
    }

    @Test
    void anyOtherErrorIsNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Conflicts.retry(() -> {
            attempts.incrementAndGet();
            throw status(403);
        })).isInstanceOf(KubernetesClientException.class);
        assertThat(attempts).hasValue(1);
    }
}
