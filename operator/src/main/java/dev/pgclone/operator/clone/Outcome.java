package dev.pgclone.operator.clone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one step of the clone workflow concluded, and what it found (its report to the
 * {@link CloneStatusFactory}).
 * <ul>
 *   <li>{@code proceed}: its postcondition holds (or need not hold yet, like a volume bound only
 *       when its Pod is scheduled), the next step may run;</li>
 *   <li>{@code waitFor}: an event (informer or preparation) will bring us back; {@code recheck}
 *       only for sources we do not watch;</li>
 *   <li>{@code fail}: the user must act; {@code retryable} failures are retried with a backoff
 *       derived from how long they have lasted, terminal ones wait for a spec change. The step's
 *       condition becomes False with the failure's reason and message.</li>
 * </ul>
 * {@code found} is the step's condition as it found it; null leaves the condition as it was.
 * {@code learned} are the status fields it learned (whatever the kind: a failed preparation still
 * reports its steps); the factory writes them too.
 */
public record Outcome(Kind kind, String reason, String message, boolean retryable, Duration recheck, Finding found, List<Learned> learned) {

    public Outcome {
        learned = List.copyOf(learned);
    }

    private Outcome(Kind kind, String reason, String message, boolean retryable, Duration recheck, Finding found) {
        this(kind, reason, message, retryable, recheck, found, List.of());
    }

    public enum Kind { PROCEED, WAIT, FAIL }

    public static Outcome proceed() {
        return new Outcome(Kind.PROCEED, null, null, false, null, null);
    }

    public static Outcome proceed(Finding found) {
        return new Outcome(Kind.PROCEED, null, null, false, null, found);
    }

    public static Outcome waitFor() {
        return new Outcome(Kind.WAIT, null, null, false, null, null);
    }

    public static Outcome waitFor(Finding found) {
        return new Outcome(Kind.WAIT, null, null, false, null, found);
    }

    public static Outcome recheckAfter(Duration after) {
        return new Outcome(Kind.WAIT, null, null, false, after, null);
    }

    public static Outcome recheckAfter(Duration after, Finding found) {
        return new Outcome(Kind.WAIT, null, null, false, after, found);
    }

    public static Outcome fail(String reason, String message) {
        return new Outcome(Kind.FAIL, reason, message, false, null, Finding.isFalse(reason, message));
    }

    public static Outcome retry(String reason, String message) {
        return new Outcome(Kind.FAIL, reason, message, true, null, Finding.isFalse(reason, message));
    }

    /** The same outcome, reporting these status fields as well. */
    public Outcome learned(Learned... facts) {
        List<Learned> all = new ArrayList<>(learned);
        all.addAll(List.of(facts));
        return new Outcome(kind, reason, message, retryable, recheck, found, all);
    }

    public boolean proceeds() {
        return kind == Kind.PROCEED;
    }
}
