package dev.pgclone.operator.testing;

import dev.pgclone.operator.config.OperatorKey;

/** The fixed operator key of tests: clone Pods and operator passwords come out the same on every run. */
public final class TestOperatorKey {

    public static final OperatorKey KEY = OperatorKey.of("pgclone-test-operator-key-not-for-production-use");

    private TestOperatorKey() {}
}
