package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.api.v1alpha1.MigrationSpec.JobMigrationSpec;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Owners;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pure builders: a rehearsal's spec to the objects it owns (its clone, the connection Secret and Job of the Job path, the report). */
public final class RehearsalResources {

    public static final String COMPONENT_CLONE = "rehearsal-clone";
    public static final String COMPONENT_REPORT = "rehearsal-report";
    public static final String COMPONENT_MIGRATION = "rehearsal-migration";
    /** Where the migration Job finds the connection Secret's keys as files, and the migration ConfigMap. */
    public static final String CONNECTION_MOUNT = "/etc/pgclone/clone";
    public static final String MIGRATIONS_MOUNT = "/migrations";
    /** The report ConfigMap's keys. */
    public static final String REPORT_MD = "report.md";
    public static final String REPORT_JSON = "report.json";
    public static final String JUNIT_XML = "junit.xml";

    private RehearsalResources() {}

    /** The rehearsal's clone: the template's spec, owned by the rehearsal so it goes with it. */
    public static DatabaseClone clone(MigrationRehearsal rehearsal) {
        DatabaseCloneSpec spec = Serialization.unmarshal(Serialization.asJson(rehearsal.getSpec().getClone().getSpec()), DatabaseCloneSpec.class);
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(owned(rehearsal, Names.rehearsalClone(rehearsal), COMPONENT_CLONE));
        clone.setSpec(spec);
        return clone;
    }

    /** The report: report.md for people, report.json for machines, junit.xml for CI systems. */
    public static ConfigMap report(MigrationRehearsal rehearsal, String markdown, String json, String junit) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(REPORT_MD, markdown);
        data.put(REPORT_JSON, json);
        data.put(JUNIT_XML, junit);
        return new ConfigMapBuilder().withMetadata(owned(rehearsal, Names.rehearsalReport(rehearsal), COMPONENT_REPORT)).withData(data).build();
    }

    /**
     * The clone's connection for the migration tool, in the variables tools read: libpq's PG*,
     * DATABASE_URL (Rails, Django, Alembic), JDBC_DATABASE_URL (Flyway, Liquibase). Its own Secret,
     * owned by the rehearsal, so the Job mounts nothing of the clone's.
     */
    public static Secret connection(MigrationRehearsal rehearsal, String host, int port, String database, String user, String password) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("PGHOST", host);
        data.put("PGPORT", Integer.toString(port));
        data.put("PGDATABASE", database);
        data.put("PGUSER", user);
        data.put("PGPASSWORD", password);
        data.put("PGSSLMODE", "disable");
        data.put("DATABASE_URL", "postgresql://" + encode(user) + ":" + encode(password) + "@" + host + ":" + port + "/" + encode(database)
                + "?sslmode=disable");
        data.put("JDBC_DATABASE_URL", "jdbc:postgresql://" + host + ":" + port + "/" + encode(database) + "?user=" + encode(user)
                + "&password=" + encode(password) + "&sslmode=disable");
        data.put("JDBC_DATABASE_USERNAME", user);
        data.put("JDBC_DATABASE_PASSWORD", password);
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withMetadata(owned(rehearsal, Names.rehearsalJob(rehearsal), COMPONENT_MIGRATION)).withType("Opaque")
                .withData(encoded).build();
    }

    /**
     * The migration Job: the user's image and command, with no service account token, as a
     * non-root user with no privilege escalation and no capabilities: whoever may create a
     * rehearsal gets to run their tool against the clone, not more. No retries: a migration that
     * failed halfway is not run again on the same copy.
     */
    public static Job job(MigrationRehearsal rehearsal, JobMigrationSpec spec, long deadlineSeconds) {
        String secret = Names.rehearsalJob(rehearsal);
        List<EnvVar> env = new ArrayList<>();
        for (String key : RehearsalValidator.CONNECTION_ENV) {
            env.add(new EnvVarBuilder().withName(key).withNewValueFrom().withNewSecretKeyRef(key, secret, false).endValueFrom().build());
        }
        env.sort(java.util.Comparator.comparing(EnvVar::getName));
        if (spec.getEnv() != null) {
            spec.getEnv().forEach(e -> env.add(new EnvVar(e.getName(), e.getValue() == null ? "" : e.getValue(), null)));
        }
        var mounts = new ArrayList<>(List.of(new VolumeMountBuilder().withName("connection").withMountPath(CONNECTION_MOUNT).withReadOnly(true).build()));
        var volumes = new ArrayList<>(List.of(new VolumeBuilder().withName("connection").withNewSecret().withSecretName(secret)
                .withDefaultMode(0440).endSecret().build()));
        if (spec.getConfigMapName() != null) {
            mounts.add(new VolumeMountBuilder().withName("migrations").withMountPath(MIGRATIONS_MOUNT).withReadOnly(true).build());
            volumes.add(new VolumeBuilder().withName("migrations").withNewConfigMap().withName(spec.getConfigMapName()).endConfigMap().build());
        }
        return new JobBuilder()
                .withMetadata(owned(rehearsal, Names.rehearsalJob(rehearsal), COMPONENT_MIGRATION))
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withActiveDeadlineSeconds(deadlineSeconds)
                    .withNewTemplate()
                        .withNewMetadata().withLabels(Labels.forRehearsal(rehearsal, COMPONENT_MIGRATION)).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withAutomountServiceAccountToken(false)
                            .withEnableServiceLinks(false)
                            .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65532L).withRunAsGroup(65532L).withFsGroup(65532L)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                            .addNewContainer()
                                .withName("migration")
                                .withImage(spec.getImage())
                                .withCommand(spec.getCommand())
                                .withArgs(spec.getArgs())
                                .withWorkingDir(spec.getWorkingDir())
                                .withEnv(env)
                                .withVolumeMounts(mounts)
                                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(false)
                                    .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                            .endContainer()
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    private static ObjectMeta owned(MigrationRehearsal rehearsal, String name, String component) {
        return Owners.owned(rehearsal, name, Labels.forRehearsal(rehearsal, component));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
