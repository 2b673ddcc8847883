package dev.pgclone.operator.postgres;

import dev.pgclone.operator.postgres.masking.PiiFinding;
import java.util.List;

/**
 * How finishing a masked copy went. Succeeded means the server was asked to stop and the bootstrap
 * takes over (clean stop, WAL removed, Pod exits 0); otherwise nothing is to be published, and the
 * reason and message say why (never with a sampled value or a password).
 */
public record MaskingResult(boolean succeeded, String failureReason, String failureMessage, List<String> rewritten, List<PiiFinding> findings) {

    /** The PII check found personal data and failOnFindings is set. */
    public static final String PII_FOUND = "PiiFound";
    /** The rewrite, the check or the stop request failed. */
    public static final String MASKING_FAILED = "MaskingFailed";
    /** The operator shut down while it ran. */
    public static final String MASKING_INTERRUPTED = "MaskingInterrupted";

    public static MaskingResult finishing(List<String> rewritten, List<PiiFinding> findings) {
        return new MaskingResult(true, null, null, List.copyOf(rewritten), List.copyOf(findings));
    }

    public static MaskingResult failed(String reason, String message, List<String> rewritten, List<PiiFinding> findings) {
        return new MaskingResult(false, reason, message, List.copyOf(rewritten), List.copyOf(findings));
    }
}
