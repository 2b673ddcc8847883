package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.CredentialsSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostgresSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleTemplate;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** RefreshSchedules for tests: a valid one to start from, changed by each test where it matters. */
final class Schedules {

    private Schedules() {}

    /** Clones PVC {@code pvc}, publishes role {@code app} in database {@code app}. */
    static RefreshSchedule schedule(String name, String namespace, String cron, String pvc) {
        RefreshSchedule schedule = new RefreshSchedule();
        schedule.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        RefreshScheduleSpec spec = new RefreshScheduleSpec();
        spec.setSchedule(cron);
        spec.setHistoryLimit(1);
        SourceSpec source = new SourceSpec();
        source.setPvcName(pvc);
        PostgresSpec postgres = new PostgresSpec();
        postgres.setImage("postgres:16");
        postgres.setRunAsUser(999L);
        CredentialsSpec credentials = new CredentialsSpec();
        credentials.setRoles(List.of("app"));
        credentials.setDatabase("app");
        DatabaseCloneSpec cloneSpec = new DatabaseCloneSpec();
        cloneSpec.setSource(source);
        cloneSpec.setPostgres(postgres);
        cloneSpec.setCredentials(credentials);
        RefreshScheduleTemplate template = new RefreshScheduleTemplate();
        template.setSpec(cloneSpec);
        spec.setTemplate(template);
        schedule.setSpec(spec);
        return schedule;
    }
}
