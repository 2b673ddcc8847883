package dev.pgclone.operator.spec;

import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses spec.ttl: a sequence of number+unit, units d, h, m, s (e.g. 1h30m, 7d). */
public final class Durations {

    private static final Pattern FORMAT = Pattern.compile("^([0-9]+(d|h|m|s))+$");
    /** Ten years: longer is a typo, and anything near Duration's range overflows when added to a date. */
    public static final Duration MAX = Duration.ofDays(3650);

    private Durations() {}

    /**
     * spec.postClone.timeout of a clone or a CloneSource: {@link Defaults#POST_CLONE_TIMEOUT} when
     * unset. Only for validated specs; a value that does not parse also gives the default.
     */
    public static Duration scriptTimeout(PostCloneSpec postClone) {
        if (postClone == null || postClone.getTimeout() == null || postClone.getTimeout().isBlank()) {
            return Defaults.POST_CLONE_TIMEOUT;
        }
        try {
            Duration d = parse(postClone.getTimeout());
            return d.isZero() ? Defaults.POST_CLONE_TIMEOUT : d;
        } catch (IllegalArgumentException e) {
            return Defaults.POST_CLONE_TIMEOUT;
        }
    }

    /** A problem with spec.postClone.timeout for a validator, or null. */
    public static String scriptTimeoutProblem(PostCloneSpec postClone) {
        if (postClone == null || postClone.getTimeout() == null) {
            return null;
        }
        try {
            if (!parse(postClone.getTimeout()).isZero()) {
                return null;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        return "spec.postClone.timeout \"" + postClone.getTimeout() + "\" is not a usable duration: use e.g. 30m, 2h or 90s (more than 0s, at most "
                + MAX.toDays() + "d)";
    }

    private static final Pattern FINE_FORMAT = Pattern.compile("^([0-9]+(ms|d|h|m|s))+$");
    private static final Pattern FINE_PART = Pattern.compile("([0-9]+)(ms|d|h|m|s)");

    /**
     * A duration that may have milliseconds too ({@code 500ms}, {@code 1s500ms}, {@code 2m}): the
     * rehearsal's limits and timeouts, where a lock held for a second matters.
     *
     * @throws IllegalArgumentException when the text is not such a duration or exceeds {@link #MAX}
     */
    public static Duration parseFine(String text) {
        if (text == null || !FINE_FORMAT.matcher(text).matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        long millis = 0;
        Matcher m = FINE_PART.matcher(text);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                long unit = switch (m.group(2)) {
                    case "d" -> 86_400_000L;
                    case "h" -> 3_600_000L;
                    case "m" -> 60_000L;
                    case "s" -> 1_000L;
                    default -> 1L;
                };
                millis = Math.addExact(millis, Math.multiplyExact(n, unit));
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration too long: " + text);
        }
        Duration total = Duration.ofMillis(millis);
        if (total.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration too long: " + text + " (at most " + MAX.toDays() + "d)");
        }
        return total;
    }

    /** @throws IllegalArgumentException when the text is not a duration or exceeds {@link #MAX} */
    public static Duration parse(String text) {
        if (text == null || !FORMAT.matcher(text).matches()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        // the same units in whole seconds: no milliseconds here
        return parseFine(text);
    }
}
