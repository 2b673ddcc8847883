package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.Passwords;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The passwords that outlive every clone: Secret {@code <schedule>-passwords} (role to password,
 * handed to each clone through spec.credentials.secretName) and per role the connection Secret
 * {@code <schedule>-<role>} that applications mount. A password is generated once and never
 * rotated. A deleted Secret is rebuilt from what still knows the password (the other Secret, else
 * the serving clone's own role Secret), so no application is locked out by a deleted object.
 */
final class ScheduleCredentials {

    private ScheduleCredentials() {}

    /** @param serving the clone the stable Service selects, if any: it was made with the stored passwords */
    static void ensure(ScheduleContext ctx, Optional<DatabaseClone> serving) {
        var schedule = ctx.schedule();
        Set<String> roles = ScheduleResources.roles(schedule);
        Optional<Secret> stored = ctx.owned(Secret.class, Names.schedulePasswords(schedule));
        Map<String, String> passwords = new LinkedHashMap<>(stored.map(ScheduleCredentials::decode).orElse(Map.of()));
        boolean added = false;
        for (String role : roles) {
            if (!passwords.containsKey(role)) {
                String known = ctx.owned(Secret.class, Names.scheduleRoleSecret(schedule, role))
                        .map(s -> CloneSecrets.value(s, CloneSecrets.PASSWORD))
                        .or(() -> serving.map(clone -> ctx.client().secrets().inNamespace(ctx.namespace())
                                        .withName(Names.roleSecret(clone, role)).get())
                                .filter(s -> Ownership.controlledBy(s, serving.get().getMetadata().getUid()))
                                .map(s -> CloneSecrets.value(s, CloneSecrets.PASSWORD)))
                        .filter(p -> !p.isEmpty())
                        .orElse(null);
                passwords.put(role, known == null ? Passwords.generate() : known);
                added = true;
            }
        }
        if (stored.isEmpty()) {
            Secret created = ctx.create(ScheduleResources.passwords(schedule, passwords));
            // lost a race with our own earlier create: what is stored wins, so passwords never change under a clone
            passwords = new LinkedHashMap<>(decode(created));
        } else if (added) {
            Map<String, String> toAdd = passwords;
            Secret updated = ctx.client().secrets().inNamespace(ctx.namespace()).withName(Names.schedulePasswords(schedule)).edit(s -> {
                Map<String, String> merged = new LinkedHashMap<>(toAdd);
                merged.putAll(decode(s));
                s.setData(encode(merged));
                return s;
            });
            passwords = new LinkedHashMap<>(decode(updated));
        }
        for (String role : roles) {
            Secret desired = ScheduleResources.roleSecret(schedule, role, passwords.get(role));
            Optional<Secret> existing = ctx.owned(Secret.class, desired.getMetadata().getName());
            if (existing.isEmpty()) {
                ctx.create(desired);
            } else if (!Objects.equals(existing.get().getData(), desired.getData())) {
                // the template's database changed, or someone edited it: the layout follows the spec, the password stays
                ctx.client().secrets().inNamespace(ctx.namespace()).withName(desired.getMetadata().getName()).edit(s -> {
                    s.setData(desired.getData());
                    s.setStringData(null);
                    return s;
                });
            }
        }
        // a role dropped from the template no longer gets a published connection; its password stays stored
        for (Secret s : ctx.allOwned(Secret.class)) {
            boolean roleSecret = ScheduleResources.COMPONENT_CREDENTIALS.equals(s.getMetadata().getLabels().get(Labels.COMPONENT));
            if (roleSecret && ctx.controlledHere(s)
                    && roles.stream().noneMatch(r -> Names.scheduleRoleSecret(schedule, r).equals(s.getMetadata().getName()))) {
                ctx.client().resource(s).delete();
            }
        }
    }

    private static Map<String, String> decode(Secret secret) {
        Map<String, String> plain = new LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> plain.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            plain.putAll(secret.getStringData());
        }
        return plain;
    }

    private static Map<String, String> encode(Map<String, String> plain) {
        Map<String, String> encoded = new LinkedHashMap<>();
        plain.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return encoded;
    }
}
