package dev.pgclone.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CloneSourceValidatorTest {

    @Test
    void aPvcAndAnImageAreAllThatIsRequired() {
        CloneSourceSpec spec = new CloneSourceSpec();
        assertThat(CloneSourceValidator.problems(spec)).containsExactly("spec.pvcName is required: the production data volume in this namespace");
        spec.setPvcName("data-orders-0");
        assertThat(CloneSourceValidator.problems(spec)).as("a consumer must never pick the image that runs on production data")
                .containsExactly("spec.postgres.image is required: the image every clone of this source runs, the source's major version, e.g. postgres:16");
        spec.setPostgres(image("postgres:16"));
        assertThat(CloneSourceValidator.problems(spec)).isEmpty();
        assertThat(CloneSourceValidator.shareWindow(spec)).as("no sharing by default").isNull();
    }

    @Test
    void aNameLongerThanALabelValueIsAProblem() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setPostgres(image("postgres:16"));
        CloneSource source = new CloneSource();
        source.setSpec(spec);
        source.setMetadata(new ObjectMetaBuilder().withName("o".repeat(63)).withNamespace("prod").build());
        assertThat(CloneSourceValidator.problems(source)).isEmpty();
        source.getMetadata().setName("o".repeat(64));
        assertThat(CloneSourceValidator.problems(source)).singleElement().asString()
                .contains("has 64 characters", "at most 63", "label value on every snapshot", "recreate it");
    }

    @Test
    void eachProblemSaysWhatToChange() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setDataDirectory("../etc");
        SourcePostgresDefaults pg = image(" ");
        pg.setRunAsUser(0L);
        pg.setAllowedParameters(java.util.List.of("Log_Statement"));
        spec.setPostgres(pg);
        spec.setMaxClones(0);
        spec.setSnapshotMaxAge("30s");
        spec.setAllowedNamespaceSelector(new LabelSelectorBuilder().addNewMatchExpression().withKey("env").withOperator("Equals")
                .endMatchExpression().build());
        assertThat(CloneSourceValidator.problems(spec)).containsExactly(
                "spec.dataDirectory must be a relative path inside the volume without '..' (e.g. pgdata)",
                "spec.postgres.image is required: the image every clone of this source runs, the source's major version, e.g. postgres:16",
                "spec.postgres.allowedParameters: \"Log_Statement\" is not a PostgreSQL setting name: use the lowercase name, e.g. work_mem",
                "spec.maxClones must be at least 1, or unset for no limit",
                "spec.postgres.runAsUser must be the non-root uid that owns the data files (999 official image, 26 CloudNativePG, 1001 Bitnami)",
                "spec.snapshotMaxAge must be at least 1m (snapshots are named to the minute), or unset for a snapshot per clone",
                "spec.allowedNamespaceSelector: operator \"Equals\" of key env is not one of In, NotIn, Exists, DoesNotExist");

        spec.setSnapshotMaxAge("soon");
        assertThat(CloneSourceValidator.problems(spec)).contains("spec.snapshotMaxAge \"soon\" is not a usable duration: use e.g. 1h, 30m or 1d");
    }

    @Test
    void aSelectorThatWouldAllowEveryNamespaceIsRefused() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setPostgres(image("postgres:16"));
        spec.setAllowedNamespaceSelector(new LabelSelectorBuilder().build());
        assertThat(CloneSourceValidator.problems(spec)).containsExactly("spec.allowedNamespaceSelector is empty, which would select every"
                + " namespace: give matchLabels or matchExpressions, or remove it");

        spec.setAllowedNamespaceSelector(new LabelSelectorBuilder().addNewMatchExpression().withKey("env").withOperator("NotIn")
                .endMatchExpression().addNewMatchExpression().withKey("team").withOperator("Exists").withValues("orders").endMatchExpression().build());
        assertThat(CloneSourceValidator.problems(spec)).containsExactly(
                "spec.allowedNamespaceSelector: NotIn on key env needs at least one value",
                "spec.allowedNamespaceSelector: Exists on key team takes no values");
    }

    @Test
    void theShareWindowIsSnapshotMaxAge() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setSnapshotMaxAge("1h30m");
        assertThat(CloneSourceValidator.shareWindow(spec)).isEqualTo(Duration.ofMinutes(90));
    }

    private static SourcePostgresDefaults image(String image) {
        SourcePostgresDefaults pg = new SourcePostgresDefaults();
        pg.setImage(image);
        return pg;
    }
}
