package dev.pgclone.operator.postgres;

import org.postgresql.util.PasswordUtil;

/**
 * The one place where a password becomes the SCRAM-SHA-256 verifier PostgreSQL stores in
 * {@code pg_authid.rolpassword}. PostgreSQL stores a value that already is a verifier as it is, so
 * the operator sends verifiers, never passwords: nothing a server logs or echoes can reveal one.
 * pgjdbc does the arithmetic (including SASLprep, as the server does it on login).
 */
public final class ScramVerifier {

    /** PostgreSQL's default (scram_iterations); more would only slow the logins of every clone. */
    public static final int ITERATIONS = 4096;
    public static final int SALT_BYTES = 16;
    public static final String PREFIX = "SCRAM-SHA-256$";

    private ScramVerifier() {}

    /** A verifier with a random salt: for passwords the operator publishes. */
    public static String of(String password) {
        return PasswordUtil.encodeScramSha256(password.toCharArray());
    }

    /**
     * A verifier with the given salt: the same inputs give the same text, so a Pod spec that
     * carries it stays the same across reconciles and operator restarts.
     */
    public static String of(String password, byte[] salt) {
        if (salt.length < SALT_BYTES) {
            throw new IllegalArgumentException("a SCRAM salt needs at least " + SALT_BYTES + " bytes");
        }
        return PasswordUtil.encodeScramSha256(password.toCharArray(), ITERATIONS, java.util.Arrays.copyOf(salt, SALT_BYTES));
    }
}
