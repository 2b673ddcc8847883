package dev.pgclone.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * An operator older than its CRDs (docs/upgrading.md upgrades CRDs first) reads objects with fields it
 * does not know yet: it must read the rest, not stop reconciling.
 */
class UnknownFieldsTest {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void fieldsFromANewerReleaseAreIgnoredWhereverTheyAre() {
        DatabaseClone clone = serialization.unmarshal("""
                {"apiVersion":"pgclone.dev/v1alpha1","kind":"DatabaseClone","metadata":{"name":"x","namespace":"ns"},
                 "spec":{"source":{"pvcName":"data","fromTheFuture":true},"postClone":{"sql":"SELECT 1","retries":3},
                         "postgres":{"image":"postgres:16","tuning":{"a":1}},"newTopLevel":"x"},
                 "status":{"phase":"Ready","conditions":[{"type":"Ready","status":"True","reason":"CloneReady","extra":1}],"unknown":[1]}}
                """, DatabaseClone.class);
        assertThat(clone.getSpec().getSource().getPvcName()).isEqualTo("data");
        assertThat(clone.getSpec().getPostClone().getSql()).isEqualTo("SELECT 1");
        assertThat(clone.getStatus().getPhase()).isEqualTo("Ready");

        RefreshSchedule schedule = serialization.unmarshal("""
                {"apiVersion":"pgclone.dev/v1alpha1","kind":"RefreshSchedule","metadata":{"name":"s"},
                 "spec":{"schedule":"@daily","jitter":"5m","template":{"spec":{"source":{"pvcName":"d"},"later":1}}}}
                """, RefreshSchedule.class);
        assertThat(schedule.getSpec().getSchedule()).isEqualTo("@daily");

        CloneSource source = serialization.unmarshal("""
                {"apiVersion":"pgclone.dev/v1alpha1","kind":"CloneSource","metadata":{"name":"c"},
                 "spec":{"pvcName":"d","masking":{"mode":"Snapshot"},"postgres":{"image":"postgres:16"}}}
                """, CloneSource.class);
        assertThat(source.getSpec().getPvcName()).isEqualTo("d");
    }
}
