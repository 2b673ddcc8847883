package dev.pgclone.operator.app;

import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.testing.RecordingPreparer;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * In @QuarkusTest runs the fake Pod IPs of the mock cluster have no postgres behind them, so the
 * recording stand-in replaces the JDBC preparer (a @DefaultBean in production wiring).
 */
public class TestPreparerBeans {

    /** Its bean types include {@link ClonePreparer}, which displaces the production default. */
    @Produces
    @Singleton
    RecordingPreparer recordingPreparer() {
        return new RecordingPreparer();
    }
}
