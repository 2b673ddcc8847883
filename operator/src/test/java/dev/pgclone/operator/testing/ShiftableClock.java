package dev.pgclone.operator.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The system clock plus an offset the test moves. Time keeps flowing, so the reconciler's real
 * timers (rescheduleAfter) still fire; moving the offset stands for time passing while the operator
 * is stopped, or puts "now" a few seconds before a run time so a test waits seconds, not minutes.
 */
public final class ShiftableClock extends Clock {

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    @Override
    public Instant instant() {
        return Instant.now().plus(offset.get());
    }

    public void shift(Duration by) {
        offset.updateAndGet(o -> o.plus(by));
    }

    /** Moves the clock so that it now reads {@code target} (it keeps running from there). */
    public void set(Instant target) {
        offset.set(Duration.between(Instant.now(), target));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the operator only asks for instants");
    }
}
