package dev.pgclone.operator.spec;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A cron expression read in a time zone: which instants are run times.
 * <p>
 * cron-utils parses and matches the expression (UNIX definition: 5 fields, day-of-month OR
 * day-of-week when both are restricted, as POSIX cron and Kubernetes CronJobs). It is asked about
 * wall-clock times only, in UTC where no clock ever jumps; this class then maps each wall-clock
 * run time to an instant in the zone, with two rules for daylight saving time, because cron-utils'
 * own zoned arithmetic skips times that do not exist and, depending on where it starts counting,
 * runs a repeated time once or twice:
 * <ul>
 *   <li>a time that does not exist (02:30 on the night clocks jump from 02:00 to 03:00) runs at
 *       the instant the clock skips over it (03:00), so a daily refresh never silently misses a day;
 *       several such times collapse into that one instant;</li>
 *   <li>a time that happens twice (02:30 on the night clocks go back from 03:00 to 02:00) runs
 *       once, at its first occurrence: every wall-clock time runs at most once, so a daily refresh
 *       does not run twice; an hourly one waits two hours across that repeated hour.</li>
 * </ul>
 */
public final class CronSchedule {

    /** The macros cron-utils' UNIX definition does not know, as the 5-field expressions they stand for. */
    static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    /** Bounds the walk past run times that already happened (at most one per minute of a day-long overlap). */
    private static final int MAX_STEPS = 2000;

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime wallClock;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime wallClock) {
        this.expression = expression;
        this.zone = zone;
        this.wallClock = wallClock;
    }

    /** Thrown for an expression or zone that cannot be used; the message says what to change. */
    public static final class InvalidScheduleException extends Exception {
        private final boolean timeZone;

        InvalidScheduleException(String message, boolean timeZone) {
            super(message);
            this.timeZone = timeZone;
        }

        /** True when the time zone, not the expression, is at fault. */
        public boolean timeZone() {
            return timeZone;
        }
    }

    /**
     * @param expression 5-field cron or a macro (@hourly, @daily, @weekly, @monthly, @yearly)
     * @param timeZone   IANA name; null or blank means UTC
     */
    public static CronSchedule parse(String expression, String timeZone) throws InvalidScheduleException {
        ZoneId zone = zone(timeZone);
        if (expression == null || expression.isBlank()) {
            throw new InvalidScheduleException("spec.schedule is empty: set a 5-field cron expression such as \"0 6 * * 1-5\" or @daily", false);
        }
        String trimmed = expression.strip();
        String fields = trimmed.startsWith("@") ? MACROS.get(trimmed.toLowerCase(Locale.ROOT)) : trimmed;
        if (fields == null) {
            throw new InvalidScheduleException("spec.schedule \"" + expression + "\" is not a macro this operator knows: use @hourly, @daily, "
                    + "@weekly, @monthly or @yearly, or a 5-field cron expression", false);
        }
        ExecutionTime executionTime;
        try {
            executionTime = ExecutionTime.forCron(PARSER.parse(fields).validate());
        } catch (IllegalArgumentException e) {
            throw new InvalidScheduleException("spec.schedule \"" + expression + "\" is not a 5-field cron expression (" + e.getMessage()
                    + "): use minute hour day-of-month month day-of-week, e.g. \"0 6 * * 1-5\", or @daily", false);
        }
        CronSchedule schedule = new CronSchedule(trimmed, zone, executionTime);
        // "0 6 31 2 *" parses but never happens; found here rather than as a schedule that silently never runs
        if (executionTime.nextExecution(ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)).isEmpty()) {
            throw new InvalidScheduleException("spec.schedule \"" + expression + "\" never matches a date: check the day-of-month and month fields", false);
        }
        return schedule;
    }

    private static ZoneId zone(String timeZone) throws InvalidScheduleException {
        if (timeZone == null || timeZone.isBlank()) {
            // normalized: the fixed offset, as ZoneOffset.UTC
            return ZoneId.of(Defaults.TIME_ZONE).normalized();
        }
        // IANA names only, as Kubernetes CronJobs: offsets such as +02:00 do not follow daylight saving time
        if (!ZoneId.getAvailableZoneIds().contains(timeZone)) {
            throw new InvalidScheduleException("spec.timeZone \"" + timeZone + "\" is not an IANA time zone: use a name such as "
                    + "Europe/Berlin, America/New_York or UTC", true);
        }
        return ZoneId.of(timeZone);
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first run time strictly after {@code after}. */
    public Instant next(Instant after) {
        LocalDateTime wall = LocalDateTime.ofInstant(after, zone);
        for (int i = 0; i < MAX_STEPS; i++) {
            Optional<LocalDateTime> candidate = nextWallClock(wall);
            if (candidate.isEmpty()) {
                break;
            }
            Instant at = instant(candidate.get());
            // in a repeated hour, a wall-clock time before "after" may still lie ahead of the first occurrence we mapped
            if (at.isAfter(after)) {
                return at;
            }
            wall = candidate.get();
        }
        throw new IllegalStateException("no run time of \"" + expression + "\" in " + zone + " after " + after);
    }

    /** The latest run time at or before {@code atOrBefore}, if there is one. */
    public Optional<Instant> latest(Instant atOrBefore) {
        LocalDateTime wall = LocalDateTime.ofInstant(atOrBefore, zone).truncatedTo(ChronoUnit.MINUTES);
        ZonedDateTime asUtc = wall.atZone(ZoneOffset.UTC);
        Optional<LocalDateTime> candidate = wallClock.isMatch(asUtc) ? Optional.of(wall)
                : wallClock.lastExecution(asUtc).map(ZonedDateTime::toLocalDateTime);
        // the mapping to instants never moves a wall-clock time later than a wall-clock time after it
        return candidate.map(this::instant);
    }

    private Optional<LocalDateTime> nextWallClock(LocalDateTime after) {
        return wallClock.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    /** A wall-clock run time as an instant, by the two daylight-saving rules above. */
    Instant instant(LocalDateTime wall) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(wall);
        if (transition != null && transition.isGap()) {
            return transition.getInstant();
        }
        // in an overlap, atZone picks the earlier offset: the first occurrence
        return wall.atZone(zone).toInstant();
    }
}
