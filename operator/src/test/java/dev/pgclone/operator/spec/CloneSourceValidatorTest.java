package dev.pgclone.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.api.v1alpha1.PiiCheckSpec;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CloneSourceValidatorTest {

    @Test
    void aPvcAndAnImageAreAllThatIsRequired() {
        CloneSourceSpec spec = new CloneSourceSpec();
        assertThat(CloneSourceValidator.problems(spec)).containsExactly("spec.pvcName is required: the production data volume in this namespace (or spec.cloudNativePG, a CloudNativePG Cluster)");
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

    @Test
    void snapshotModeNeedsMaskingAndAUsableScheduleAgeAndPatterns() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setPostgres(image("postgres:16"));
        MaskingSpec masking = new MaskingSpec();
        masking.setMode(MaskingSpec.SNAPSHOT);
        spec.setMasking(masking);
        assertThat(CloneSourceValidator.problems(spec)).containsExactly(
                "spec.masking.mode Snapshot needs the masking itself: set spec.postClone (sql or configMapName)");

        PostCloneSpec postClone = new PostCloneSpec();
        postClone.setConfigMapName("orders-masking");
        spec.setPostClone(postClone);
        assertThat(CloneSourceValidator.problems(spec)).isEmpty();
        assertThat(CloneSourceValidator.maskedSnapshotMaxAge(spec)).as("a masked snapshot a day by default").isEqualTo(Duration.ofHours(24));
        assertThat(CloneSourceValidator.maskingSchedule(spec)).isEmpty();

        masking.setMaxAge("30s");
        masking.setSchedule("0 25 * * *");
        masking.setRewrite("Some");
        PiiCheckSpec pii = new PiiCheckSpec();
        pii.setColumnNamePatterns(java.util.List.of("(?i)ssn", "([a-z"));
        masking.setPiiCheck(pii);
        assertThat(CloneSourceValidator.problems(spec)).satisfiesExactly(
                p -> assertThat(p).isEqualTo("spec.masking.maxAge must be at least 1m (builds are named to the minute)"),
                p -> assertThat(p).startsWith("spec.masking: "),
                p -> assertThat(p).isEqualTo("spec.masking.rewrite must be Touched or All"),
                p -> assertThat(p).startsWith("spec.masking.piiCheck.columnNamePatterns: \"([a-z\" is not a regular expression"));

        masking.setMaxAge(null);
        masking.setSchedule("0 3 * * *");
        masking.setTimeZone("Europe/Berlin");
        masking.setRewrite(MaskingSpec.REWRITE_ALL);
        pii.setColumnNamePatterns(java.util.List.of("(?i)ssn"));
        assertThat(CloneSourceValidator.problems(spec)).isEmpty();
        assertThat(CloneSourceValidator.maskedSnapshotMaxAge(spec)).as("only the schedule builds").isNull();
        assertThat(CloneSourceValidator.maskingSchedule(spec)).hasValueSatisfying(c -> assertThat(c.zone().getId()).isEqualTo("Europe/Berlin"));
    }

    @Test
    void perCloneModeTakesNoScheduleAndALongNameIsRefusedOnlyInSnapshotMode() {
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        spec.setPostgres(image("postgres:16"));
        MaskingSpec masking = new MaskingSpec();
        masking.setSchedule("@daily");
        spec.setMasking(masking);
        assertThat(CloneSourceValidator.problems(spec)).containsExactly(
                "spec.masking.schedule and maxAge apply to mode Snapshot only: set mode: Snapshot or remove them");

        masking.setSchedule(null);
        CloneSource source = new CloneSource();
        source.setSpec(spec);
        source.setMetadata(new ObjectMetaBuilder().withName("o".repeat(46)).withNamespace("prod").build());
        assertThat(CloneSourceValidator.problems(source)).isEmpty();
        masking.setMode(MaskingSpec.SNAPSHOT);
        PostCloneSpec postClone = new PostCloneSpec();
        postClone.setSql("UPDATE users SET email = NULL");
        spec.setPostClone(postClone);
        assertThat(CloneSourceValidator.problems(source)).singleElement().asString()
                .contains("has 46 characters", "at most 45", "<source>-mask-<yyyymmddhhmm>");
        source.getMetadata().setName("o".repeat(45));
        assertThat(CloneSourceValidator.problems(source)).isEmpty();
    }

    private static SourcePostgresDefaults image(String image) {
        SourcePostgresDefaults pg = new SourcePostgresDefaults();
        pg.setImage(image);
        return pg;
    }
}
