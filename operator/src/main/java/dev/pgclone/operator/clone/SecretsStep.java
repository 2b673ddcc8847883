package dev.pgclone.operator.clone;

import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.Labels;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Passwords;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The connection Secrets: {@code <clone>-superuser} and {@code <clone>-<role>}. A password is
 * chosen once, when its Secret is created, and never rotated by a reconcile: applications that
 * read it keep working for the clone's whole life.
 */
final class SecretsStep implements CloneStep {

    @Override
    public String name() {
        return "secrets";
    }

    @Override
    public String condition() {
        return null;
    }

    @Override
    public Outcome run(CloneContext ctx) {
        var clone = ctx.clone();
        Set<String> roles = roles(ctx);
        Secret given = null;
        String givenName = clone.getSpec().getCredentials() == null ? null : clone.getSpec().getCredentials().getSecretName();
        boolean missingRoleSecret = roles.stream().anyMatch(r -> ctx.owned(Secret.class, Names.roleSecret(clone, r)).isEmpty());
        if (givenName != null && !givenName.isBlank() && missingRoleSecret) {
            given = ctx.client().secrets().inNamespace(ctx.namespace()).withName(givenName).get();
            if (given == null) {
                return Outcome.retry(Reasons.CREDENTIALS_SECRET_NOT_FOUND, "Secret " + ctx.namespace() + "/" + givenName
                        + " named by spec.credentials.secretName does not exist: create it (keys: role names, values: passwords) or unset the field");
            }
        }
        if (ctx.owned(Secret.class, Names.superuserSecret(clone)).isEmpty()) {
            ctx.create(CloneSecrets.superuser(clone, Passwords.generate()));
        }
        for (String role : roles) {
            if (ctx.owned(Secret.class, Names.roleSecret(clone, role)).isEmpty()) {
                String password = CloneSecrets.value(given, role);
                ctx.create(CloneSecrets.role(clone, role, password == null || password.isEmpty() ? Passwords.generate() : password));
            }
        }
        // a role removed from the spec no longer gets a published password
        for (Secret s : ctx.allOwned(Secret.class)) {
            boolean roleSecret = "credentials".equals(s.getMetadata().getLabels().get(Labels.COMPONENT));
            if (roleSecret && roles.stream().noneMatch(r -> Names.roleSecret(clone, r).equals(s.getMetadata().getName()))) {
                ctx.client().resource(s).delete();
            }
        }
        List<String> names = new ArrayList<>();
        names.add(Names.superuserSecret(clone));
        roles.forEach(r -> names.add(Names.roleSecret(clone, r)));
        return Outcome.proceed().learned(new Learned.Secrets(names));
    }

    static Set<String> roles(CloneContext ctx) {
        var creds = ctx.clone().getSpec().getCredentials();
        return creds == null || creds.getRoles() == null ? Set.of() : new LinkedHashSet<>(creds.getRoles());
    }
}
