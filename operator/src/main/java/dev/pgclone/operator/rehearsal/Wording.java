package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * How findings and reports write numbers, durations, sizes and steps: one way everywhere, and
 * never in the JVM's locale (a German default would turn 41.2 s into 41,2 s in a golden file).
 */
final class Wording {

    static final String JOB_PATH = "job";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    /** The SQLSTATEs a workload meets during a migration, by their PostgreSQL condition names. */
    private static final Map<String, String> SQLSTATES = Map.ofEntries(
            Map.entry("55P03", "lock_not_available"),
            Map.entry("57014", "query_canceled"),
            Map.entry("40P01", "deadlock_detected"),
            Map.entry("40001", "serialization_failure"),
            Map.entry("25P02", "in_failed_sql_transaction"),
            Map.entry("23502", "not_null_violation"),
            Map.entry("23505", "unique_violation"),
            Map.entry("23514", "check_violation"),
            Map.entry("42P01", "undefined_table"),
            Map.entry("42703", "undefined_column"),
            Map.entry("53300", "too_many_connections"),
            Map.entry("57P01", "admin_shutdown"),
            Map.entry("08006", "connection_failure"));

    private Wording() {}

    /** {@code statement 3 (inline:3)} on the SQL path, {@code session 2 (flyway)} on the Job path. */
    static String step(StepEvidence step, String path) {
        return JOB_PATH.equals(path)
                ? "session " + step.number() + " (" + step.script() + ")"
                : "statement " + step.number() + " (" + step.script() + ":" + step.line() + ")";
    }

    /** {@code 41.2 s}, {@code 3.05 s}, {@code 0.012 s}: more digits the shorter it is. */
    static String seconds(Duration d) {
        return decimal(BigDecimal.valueOf(d.toNanos(), 9), decimalsFor(d)) + " s";
    }

    /**
     * A measured duration next to its limit, with as many digits as it takes for them to differ
     * when they do: 1.004 s over a limit of 1 s must not read "1 s (limit 1 s)".
     */
    static String seconds(Duration value, Duration limit) {
        BigDecimal v = BigDecimal.valueOf(value.toNanos(), 9);
        BigDecimal l = BigDecimal.valueOf(limit.toNanos(), 9);
        int decimals = decimalsFor(value);
        while (decimals < 9 && v.compareTo(l) != 0 && decimal(v, decimals).equals(decimal(l, decimals))) {
            decimals++;
        }
        return decimal(v, decimals) + " s";
    }

    /** How long a lock was held as its samples show it; a hold seen in one sample has no measured length. */
    static String held(Duration held) {
        return held.isZero() ? "briefly (seen in one sample)" : "for " + seconds(held);
    }

    static String held(Duration held, Duration limit) {
        return held.isZero() ? "briefly (seen in one sample)" : "for " + seconds(held, limit);
    }

    /** 1.5 KiB, 412.3 MiB: powers of 1024, which is how PostgreSQL's pg_size_pretty counts too. */
    static String bytes(long bytes) {
        if (bytes < 1024 && bytes > -1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** An after/before ratio: {@code 12.4x}, {@code 1.25x}. */
    static String ratio(double ratio) {
        return decimal(BigDecimal.valueOf(ratio), ratio >= 10 ? 1 : 2) + "x";
    }

    /** A ratio next to its limit, with enough digits for them to differ when they do. */
    static String ratio(double ratio, double limit) {
        int decimals = ratio >= 10 ? 1 : 2;
        while (decimals < 9 && ratio != limit
                && decimal(BigDecimal.valueOf(ratio), decimals).equals(decimal(BigDecimal.valueOf(limit), decimals))) {
            decimals++;
        }
        return decimal(BigDecimal.valueOf(ratio), decimals) + "x";
    }

    /**
     * Milliseconds to about three significant digits for short times ({@code 0.421}, {@code 1.25},
     * {@code 14.9}) and to the tenth for long ones ({@code 40812.5}); a dash when nothing was measured.
     */
    static String ms(double ms) {
        if (Double.isNaN(ms) || Double.isInfinite(ms)) {
            return "-";
        }
        double abs = Math.abs(ms);
        return decimal(BigDecimal.valueOf(ms), abs < 1 ? 3 : abs < 10 ? 2 : 1);
    }

    /** A ratio as a number for machines, to three decimals. */
    static double ratioValue(double ratio) {
        return Math.round(ratio * 1000) / 1000.0;
    }

    static String time(Instant instant) {
        return instant == null ? "unknown" : TIME.format(instant);
    }

    /** {@code 55P03 lock_not_available}, or the bare code when it is not one a workload usually meets. */
    static String sqlState(String code) {
        String name = SQLSTATES.get(code);
        return name == null ? code : code + " " + name;
    }

    /** What a lock mode does to the application's statements on the relation while it is held. */
    static String effect(String mode) {
        return switch (mode) {
            case "AccessExclusiveLock" -> "blocks every statement on it, SELECT included";
            case "ExclusiveLock" -> "blocks INSERT/UPDATE/DELETE and SELECT FOR UPDATE/SHARE";
            case "ShareRowExclusiveLock", "ShareLock" -> "blocks INSERT/UPDATE/DELETE";
            default -> "blocks schema changes and VACUUM";
        };
    }

    /** Lock modes from the weakest to the strongest, as PostgreSQL's conflict table orders them. */
    static int strength(String mode) {
        return switch (mode) {
            case "AccessShareLock" -> 1;
            case "RowShareLock" -> 2;
            case "RowExclusiveLock" -> 3;
            case "ShareUpdateExclusiveLock" -> 4;
            case "ShareLock" -> 5;
            case "ShareRowExclusiveLock" -> 6;
            case "ExclusiveLock" -> 7;
            case "AccessExclusiveLock" -> 8;
            default -> 0;
        };
    }

    static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Seconds as a number for machines: rounded to the millisecond, so 41.2 stays 41.2 and not 41.200000001. */
    static Double secondsValue(Duration d) {
        return d == null ? null : Math.round(d.toNanos() / 1e6) / 1000.0;
    }

    private static int decimalsFor(Duration d) {
        Duration abs = d.abs();
        if (abs.compareTo(Duration.ofSeconds(10)) >= 0) {
            return 1;
        }
        return abs.compareTo(Duration.ofSeconds(1)) >= 0 ? 2 : 3;
    }

    private static String decimal(BigDecimal value, int decimals) {
        BigDecimal rounded = value.setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros();
        return (rounded.signum() == 0 ? BigDecimal.ZERO : rounded).toPlainString();
    }
}
