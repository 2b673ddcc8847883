package dev.pgclone.operator.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus.SharedSnapshot;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloneSourceStatusFactoryTest {

    private static final Instant NOW = Instant.parse("2030-01-07T10:00:00Z");

    private Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final CloneSource source = new CloneSource();
    private final CloneSourceStatus status = new CloneSourceStatus();
    private final List<SharedSnapshot> snapshots = List.of(new SharedSnapshot("orders-1", "2030-01-07T09:00:00Z", true, 1, null));

    CloneSourceStatusFactoryTest() {
        source.setMetadata(new ObjectMetaBuilder().withName("orders").withNamespace("prod").withGeneration(2L).build());
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setAllowedNamespaces(List.of("staging", "qa"));
        spec.setMaxClones(3);
        source.setSpec(spec);
        status.setConditions(new ArrayList<>());
    }

    private boolean write(CloneSourceStatusFactory.Problem problem) {
        return new CloneSourceStatusFactory(clock).write(source, status, snapshots, 1, problem);
    }

    private Condition ready() {
        return status.condition("Ready").orElseThrow();
    }

    @Test
    void aUsableSourceIsReadyAndSaysWhereClonesMayBeMade() {
        assertThat(write(null)).isFalse();

        assertThat(ready().getStatus()).isEqualTo("True");
        assertThat(ready().getReason()).isEqualTo("SourceReady");
        assertThat(ready().getMessage()).isEqualTo("clones of PersistentVolumeClaim data-orders-0 may be created in prod, staging, qa,"
                + " at most 3 at once (spec.maxClones; status.clones counts those using its snapshots)");
        assertThat(ready().getObservedGeneration()).isEqualTo(2L);
        assertThat(status.getObservedGeneration()).isEqualTo(2L);
        assertThat(status.getSnapshots()).isEqualTo(snapshots);
        assertThat(status.getClones()).isEqualTo(1);
    }

    @Test
    void aProblemIsNewOnlyWhenReadyTransitionsToIt() {
        CloneSourceStatusFactory.Problem missing = new CloneSourceStatusFactory.Problem("SourcePvcNotFound", "PersistentVolumeClaim data does not exist");
        assertThat(write(missing)).isTrue();
        assertThat(ready().getStatus()).isEqualTo("False");
        assertThat(ready().getReason()).isEqualTo("SourcePvcNotFound");

        clock = Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC);
        assertThat(write(missing)).isFalse();
        assertThat(ready().getLastTransitionTime()).isEqualTo("2030-01-07T10:00:00Z");

        assertThat(write(null)).isFalse();
        assertThat(ready().getLastTransitionTime()).isEqualTo("2030-01-07T10:01:00Z");
    }
}
