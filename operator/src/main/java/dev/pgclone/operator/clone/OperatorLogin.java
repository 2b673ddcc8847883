package dev.pgclone.operator.clone;

import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ScramVerifier;
import java.util.Base64;

/**
 * The superuser credential a clone starts with: only the operator can compute the password (it
 * comes from the operator key and the clone's uid), and the Pod receives only its SCRAM verifier,
 * which lets nobody log in. Preparation logs in with it and, as its last step, replaces it with the
 * published password of Secret {@code <clone>-superuser}. Both values are derived, not stored, so
 * the Pod spec (and its hash) is the same on every reconcile and after an operator restart.
 */
record OperatorLogin(String password, String verifier) {

    static OperatorLogin of(OperatorKey key, String cloneUid) {
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(key.derive("clone-superuser-password", cloneUid));
        byte[] salt = key.derive("clone-superuser-scram-salt", cloneUid);
        return new OperatorLogin(password, ScramVerifier.of(password, salt));
    }

    @Override
    public String toString() {
        return "OperatorLogin[***]";
    }
}
