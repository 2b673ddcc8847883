package dev.pgclone.operator.config;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * The operator's secret: a key that only the operator's namespace holds (the Helm chart keeps it in
 * a Secret there). Everything the operator must be able to recognise or re-derive, and nobody else
 * may forge, comes from it by HMAC-SHA256 with a purpose string: the mark on the objects it creates
 * (so its informers cache nothing planted) and the superuser password a clone starts with (so only
 * the operator can log in before preparation is done).
 */
public final class OperatorKey {

    private static final Logger LOG = Logger.getLogger(OperatorKey.class);
    /** Below this a key is a password, not a key. */
    static final int MIN_LENGTH = 32;

    private final SecretKeySpec key;

    private OperatorKey(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    /**
     * @param configured the configured key (pgclone.operator-key); blank: a random key for this
     *                   process only, which makes every clone Pod be recreated after a restart
     */
    public static OperatorKey of(String configured) {
        if (configured == null || configured.isBlank()) {
            LOG.warn("pgclone.operator-key (PGCLONE_OPERATOR_KEY) is not set: using a random key for this process; after a restart "
                    + "clone Pods are recreated and unprepared clones re-cloned. The Helm chart sets it from a Secret.");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return new OperatorKey(random);
        }
        if (configured.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("pgclone.operator-key must be at least " + MIN_LENGTH + " characters of random text");
        }
        return new OperatorKey(configured.getBytes(StandardCharsets.UTF_8));
    }

    /** HMAC-SHA256 of {@code input} under the key, separated by purpose so no two uses can stand in for each other. */
    public byte[] derive(String purpose, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(purpose.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** {@link #derive} as lower-case hex, cut to {@code chars} characters (at most 64). */
    public String deriveHex(String purpose, String input, int chars) {
        return HexFormat.of().formatHex(derive(purpose, input)).substring(0, chars);
    }
}
