package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.CredentialsSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.clone.EffectiveClone;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.CloneServices;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Owners;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Pure builders: a schedule's spec to the objects it owns. Public for the golden-file test of derived resources. */
public final class ScheduleResources {

    static final String COMPONENT_CLONE = "clone";
    static final String COMPONENT_PASSWORDS = "passwords";
    static final String COMPONENT_CREDENTIALS = "credentials";
    static final String COMPONENT_SERVICE = "service";

    private ScheduleResources() {}

    /** The run's clone: the template with the schedule's passwords, owned by the schedule so it goes with it. */
    public static DatabaseClone clone(RefreshSchedule schedule, Instant runTime) {
        DatabaseCloneSpec spec = copy(schedule.getSpec().getTemplate().getSpec());
        if (spec.getCredentials() == null) {
            spec.setCredentials(new CredentialsSpec());
        }
        spec.getCredentials().setSecretName(Names.schedulePasswords(schedule));
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(owned(schedule, Names.scheduleClone(schedule, runTime), COMPONENT_CLONE));
        clone.setSpec(spec);
        return clone;
    }

    /** Keys are role names, values their passwords: what DatabaseClone's credentials.secretName reads. */
    public static Secret passwords(RefreshSchedule schedule, Map<String, String> passwords) {
        return new SecretBuilder()
                .withMetadata(owned(schedule, Names.schedulePasswords(schedule), COMPONENT_PASSWORDS))
                .withType("Opaque")
                .withData(base64(passwords))
                .build();
    }

    /**
     * The stable connection Secret of a role. Its layout is exactly what a clone named after the
     * schedule would publish (CloudNativePG's keys, host {@code <schedule>.<namespace>.svc}), so it
     * is built by {@link CloneSecrets} from such a stand-in clone and then given the schedule as owner.
     */
    public static Secret roleSecret(RefreshSchedule schedule, String role, String password) {
        Secret secret = CloneSecrets.role(standInClone(schedule), role, password);
        secret.setMetadata(owned(schedule, Names.scheduleRoleSecret(schedule, role), COMPONENT_CREDENTIALS));
        return secret;
    }

    /** The stable Service: a clone's Service, named after the schedule, selecting the active clone's prepared Pod. */
    public static Service service(RefreshSchedule schedule, String activeClone) {
        Service service = CloneServices.desired(standInClone(schedule));
        service.setMetadata(owned(schedule, Names.scheduleService(schedule), COMPONENT_SERVICE));
        service.getSpec().setSelector(Labels.servingSelector(activeClone));
        return service;
    }

    public static Set<String> roles(RefreshSchedule schedule) {
        CredentialsSpec credentials = schedule.getSpec().getTemplate().getSpec().getCredentials();
        return credentials == null || credentials.getRoles() == null ? Set.of() : new LinkedHashSet<>(credentials.getRoles());
    }

    private static ObjectMeta owned(RefreshSchedule schedule, String name, String component) {
        return Owners.owned(schedule, name, Labels.forSchedule(schedule, component));
    }

    /**
     * A clone named after the schedule with the template's spec, defaulted as every clone the
     * builders see: what the stable endpoint looks like to them. No CloneSource is consulted: what
     * these objects use of the spec (the database, the Service type) is never a CloneSource's.
     */
    private static DatabaseClone standInClone(RefreshSchedule schedule) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(schedule.getMetadata().getName())
                .withNamespace(schedule.getMetadata().getNamespace()).build());
        clone.setSpec(schedule.getSpec().getTemplate().getSpec());
        return EffectiveClone.of(clone, null);
    }

    private static DatabaseCloneSpec copy(DatabaseCloneSpec spec) {
        return Serialization.unmarshal(Serialization.asJson(spec), DatabaseCloneSpec.class);
    }

    private static Map<String, String> base64(Map<String, String> plain) {
        Map<String, String> encoded = new LinkedHashMap<>();
        plain.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return encoded;
    }
}
