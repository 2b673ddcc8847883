package dev.pgclone.operator.postgres;

import dev.pgclone.operator.postgres.masking.PiiRules;
import java.time.Duration;

/**
 * What finishing a masked copy needs (docs/clonesource.md, "Masked snapshots"): where the build's
 * postgres listens, the operator's login, how to rewrite, and the PII check (null: none).
 */
public record MaskingRequest(String host, int port, String database, String superuser, String operatorPassword,
                             boolean rewriteAll, PiiRules piiRules, boolean failOnFindings, Duration connectTimeout) {

    @Override
    public String toString() {
        return "MaskingRequest[" + host + ":" + port + "/" + database + " as " + superuser + ", rewriteAll=" + rewriteAll
                + ", piiCheck=" + (piiRules != null) + ", failOnFindings=" + failOnFindings + "]";
    }
}
