package dev.pgclone.operator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.refresh.ScheduleValidator.Validation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleValidatorTest {

    @Test
    void aValidScheduleHasItsCronAndNoProblem() {
        Validation v = ScheduleValidator.validate(Schedules.schedule("orders", "team", "0 6 * * 1-5", "data"));
        assertThat(v.problem()).isNull();
        assertThat(v.templateValid()).isTrue();
        assertThat(v.cron().expression()).isEqualTo("0 6 * * 1-5");
    }

    @Test
    void everyProblemIsReportedAtOnceWithThePathToChangeInTheSchedule() {
        RefreshSchedule s = Schedules.schedule("orders", "team", "0 6 * *", "data");
        s.getSpec().setTimeZone("Mars/Olympus");
        s.getSpec().getTemplate().getSpec().getSource().setSnapshotName("nightly");
        s.getSpec().getTemplate().getSpec().setTtl("24h");
        s.getSpec().getTemplate().getSpec().getCredentials().setSecretName("mine");
        s.getSpec().getTemplate().getSpec().getCredentials().setRoles(List.of("app", "passwords"));

        Validation v = ScheduleValidator.validate(s);
        assertThat(v.templateValid()).isFalse();
        assertThat(v.cron()).isNull();
        // the zone is checked first, as the expression means nothing without it
        assertThat(v.problem().reason()).isEqualTo("InvalidTimeZone");
        assertThat(v.problem().message())
                .contains("spec.timeZone \"Mars/Olympus\"")
                .contains("spec.schedule \"0 6 * *\" is not a 5-field cron expression")
                .contains("set exactly one of spec.template.spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup")
                .contains("spec.template.spec.ttl is not allowed")
                .contains("spec.template.spec.credentials.secretName is set by the schedule")
                .contains("\"passwords\" would clash with Secret orders-passwords")
                .doesNotContain(" spec.source");
    }

    @Test
    void aBadCronAloneIsAnInvalidScheduleAndTheTemplateStaysUsable() {
        Validation v = ScheduleValidator.validate(Schedules.schedule("orders", "team", "every morning", "data"));
        assertThat(v.problem().reason()).isEqualTo("InvalidSchedule");
        assertThat(v.problem().message()).contains("spec.schedule \"every morning\"");
        assertThat(v.templateValid()).isTrue();
    }

    @Test
    void aTemplateProblemAloneIsAnInvalidSpec() {
        RefreshSchedule s = Schedules.schedule("orders", "team", "@daily", "data");
        s.getSpec().getTemplate().getSpec().getPostgres().setImage(null);
        Validation v = ScheduleValidator.validate(s);
        assertThat(v.problem().reason()).isEqualTo("InvalidSpec");
        assertThat(v.problem().message()).startsWith("spec.template.spec.postgres.image is required");
        assertThat(v.cron()).isNotNull();
    }

    @Test
    void aNameWithNoRoomForTheRunTimeIsRefused() {
        Validation v = ScheduleValidator.validate(Schedules.schedule("a".repeat(51), "team", "@daily", "data"));
        assertThat(v.problem().reason()).isEqualTo("InvalidName");
        assertThat(v.problem().message()).contains("has 51 characters").contains("at most 50");
        assertThat(v.templateValid()).as("nothing is made under a name that cannot be used").isFalse();
        assertThat(ScheduleValidator.validate(Schedules.schedule("a".repeat(50), "team", "@daily", "data")).problem()).isNull();
    }

    @Test
    void aNameTheStableServiceCannotHaveIsRefused() {
        Validation v = ScheduleValidator.validate(Schedules.schedule("orders.fresh", "team", "@daily", "data"));
        assertThat(v.problem().reason()).isEqualTo("InvalidName");
        assertThat(v.problem().message()).contains("metadata.name \"orders.fresh\" cannot name a RefreshSchedule's Service", "no '.'");
        assertThat(v.templateValid()).isFalse();
    }
}
