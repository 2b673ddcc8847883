package dev.pgclone.operator.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that stands still until the test moves it, so whether a timestamp changed has an
 * unambiguous answer (unlike {@link ShiftableClock}, which keeps running for the reconcilers' timers).
 */
public final class SteppedClock extends Clock {

    /** volatile: a reconciler thread reads what the test thread set */
    private volatile Instant now;

    public SteppedClock(Instant start) {
        this.now = start;
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the status code only asks for instants");
    }
}
