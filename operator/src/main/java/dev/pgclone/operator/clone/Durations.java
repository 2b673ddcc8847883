package dev.pgclone.operator.clone;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses spec.ttl: a sequence of number+unit, units d, h, m, s (e.g. 1h30m, 7d). */
public final class Durations {

    private static final Pattern PART = Pattern.compile("([0-9]+)(d|h|m|s)");

    private Durations() {}

    public static Duration parse(String text) {
        if (text == null || !text.matches("^([0-9]+(d|h|m|s))+$")) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return total;
    }
}
