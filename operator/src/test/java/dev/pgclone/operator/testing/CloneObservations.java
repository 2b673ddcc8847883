package dev.pgclone.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;

/** What a user watching a clone sees, read the way tests wait for it: its conditions and its Events. */
public final class CloneObservations {

    private CloneObservations() {}

    /** Waits (30 s at most) until the clone's condition has this status and reason, and returns the clone then. */
    public static DatabaseClone awaitCondition(KubernetesClient client, String ns, String name, String type, String status, String reason) {
        DatabaseClone[] found = new DatabaseClone[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            DatabaseClone c = client.resources(DatabaseClone.class).inNamespace(ns).withName(name).get();
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).as("status of %s", name).isNotNull();
            Condition cond = c.getStatus().condition(type).orElse(null);
            assertThat(cond).as("%s of %s; status %s", type, name, c.getStatus().getConditions()).isNotNull();
            assertThat(cond.getStatus() + "/" + cond.getReason()).as("%s of %s: %s", type, name, cond.getMessage())
                    .isEqualTo(status + "/" + reason);
            found[0] = c;
        });
        return found[0];
    }

    public static List<Event> events(KubernetesClient client, String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    /** Reasons of the Warning events about the object, oldest first. */
    public static List<String> warnings(KubernetesClient client, String ns, String name) {
        return events(client, ns, name).stream().filter(e -> "Warning".equals(e.getType())).map(Event::getReason).toList();
    }
}
