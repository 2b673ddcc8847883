package dev.pgclone.operator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.resources.CloneSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The objects a schedule owns, built from its spec. */
class ScheduleResourcesTest {

    private RefreshSchedule schedule;

    @BeforeEach
    void schedule() {
        schedule = Schedules.schedule("orders", "staging", "0 6 * * *", "data-orders-0");
        schedule.getMetadata().setUid("uid-1");
        schedule.getSpec().getTemplate().getSpec().setIsolation("strict");
    }

    @Test
    void aRunsCloneIsTheTemplateNamedAfterItsUtcMinuteOwnedByTheScheduleWithItsPasswords() {
        DatabaseClone clone = ScheduleResources.clone(schedule, Instant.parse("2026-05-04T06:00:00Z"));
        assertThat(clone.getMetadata().getName()).isEqualTo("orders-202605040600");
        assertThat(clone.getMetadata().getNamespace()).isEqualTo("staging");
        assertThat(clone.getMetadata().getLabels()).containsEntry("pgclone.dev/schedule", "orders")
                .containsEntry("app.kubernetes.io/managed-by", "pgclone-operator").doesNotContainKey("pgclone.dev/clone");
        assertThat(clone.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("RefreshSchedule");
            assertThat(o.getApiVersion()).isEqualTo("pgclone.dev/v1alpha1");
            assertThat(o.getUid()).isEqualTo("uid-1");
            assertThat(o.getController()).isTrue();
        });
        assertThat(clone.getSpec().getCredentials().getSecretName()).isEqualTo("orders-passwords");
        assertThat(clone.getSpec().getCredentials().getRoles()).containsExactly("app");
        assertThat(clone.getSpec().getSource().getPvcName()).isEqualTo("data-orders-0");
        assertThat(clone.getSpec().getIsolation()).isEqualTo("strict");
        // the template itself is left alone: the next run starts from it again
        assertThat(schedule.getSpec().getTemplate().getSpec().getCredentials().getSecretName()).isNull();
    }

    @Test
    void aTemplateWithoutCredentialsStillGetsThePasswordsSecret() {
        schedule.getSpec().getTemplate().getSpec().setCredentials(null);
        DatabaseClone clone = ScheduleResources.clone(schedule, Instant.parse("2026-05-04T06:00:00Z"));
        assertThat(clone.getSpec().getCredentials().getSecretName()).isEqualTo("orders-passwords");
        assertThat(ScheduleResources.roles(schedule)).isEmpty();
    }

    @Test
    void theRoleSecretHasCloudNativePgKeysPointingAtTheStableService() {
        Secret secret = ScheduleResources.roleSecret(schedule, "app", "s3cret:pw");
        assertThat(secret.getMetadata().getName()).isEqualTo("orders-app");
        assertThat(secret.getMetadata().getLabels()).containsEntry("pgclone.dev/schedule", "orders")
                .containsEntry("app.kubernetes.io/component", "credentials");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-1"));
        assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
        assertThat(CloneSecrets.value(secret, "username")).isEqualTo("app");
        assertThat(CloneSecrets.value(secret, "password")).isEqualTo("s3cret:pw");
        assertThat(CloneSecrets.value(secret, "host")).isEqualTo("orders.staging.svc");
        assertThat(CloneSecrets.value(secret, "port")).isEqualTo("5432");
        assertThat(CloneSecrets.value(secret, "dbname")).isEqualTo("app");
        assertThat(CloneSecrets.value(secret, "uri")).isEqualTo("postgresql://app:s3cret%3Apw@orders.staging.svc:5432/app");
        assertThat(CloneSecrets.value(secret, "pgpass")).isEqualTo("orders.staging.svc:5432:app:app:s3cret\\:pw\n");
    }

    @Test
    void thePasswordsSecretHoldsOnePasswordPerRole() {
        Secret secret = ScheduleResources.passwords(schedule, Map.of("app", "pw1"));
        assertThat(secret.getMetadata().getName()).isEqualTo("orders-passwords");
        assertThat(CloneSecrets.value(secret, "app")).isEqualTo("pw1");
        assertThat(secret.getData()).containsOnlyKeys("app");
    }

    @Test
    void theStableServiceSelectsTheActiveClonesPreparedPod() {
        schedule.getSpec().getTemplate().getSpec().setService(new dev.pgclone.operator.api.v1alpha1.ServiceSpec());
        schedule.getSpec().getTemplate().getSpec().getService().setType("LoadBalancer");
        Service service = ScheduleResources.service(schedule, "orders-202605040600");
        assertThat(service.getMetadata().getName()).isEqualTo("orders");
        assertThat(service.getMetadata().getLabels()).doesNotContainKey("pgclone.dev/clone");
        assertThat(service.getSpec().getSelector())
                .containsExactlyInAnyOrderEntriesOf(Map.of("pgclone.dev/clone", "orders-202605040600", "pgclone.dev/prepared", "true"));
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(5432);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("postgres");
        });
    }
}
