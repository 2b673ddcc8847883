package dev.pgclone.e2e.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a clone's start time goes, read from the postgres log lines in its pod's output (the
 * sample production's log_line_prefix puts a millisecond timestamp on each): phase 1 (start and
 * crash recovery on the private socket), the isolation steps and phase 1's shutdown, then phase 2's
 * start. What the operator's startSeconds holds beyond these is the pod's own start (volume,
 * process), the bootstrap's checks before phase 1 and the readiness probe's period.
 */
record BootstrapPhases(double phase1Start, double isolateAndStop, double phase2Start, double total) {

    private static final Pattern LINE = Pattern.compile("^\\d{4}-\\d{2}-\\d{2} (\\d{2}):(\\d{2}):(\\d{2})\\.(\\d{3}) \\S+ \\[\\d+\\] LOG:  (.*)$",
            Pattern.MULTILINE);

    static Optional<BootstrapPhases> parse(String podLog) {
        List<Double> starts = new ArrayList<>();
        List<Double> ready = new ArrayList<>();
        List<Double> down = new ArrayList<>();
        Matcher m = LINE.matcher(podLog);
        while (m.find()) {
            double t = Integer.parseInt(m.group(1)) * 3600 + Integer.parseInt(m.group(2)) * 60 + Integer.parseInt(m.group(3))
                    + Integer.parseInt(m.group(4)) / 1000.0;
            String message = m.group(5);
            if (message.startsWith("starting PostgreSQL")) {
                starts.add(t);
            } else if (message.startsWith("database system is ready to accept connections")) {
                ready.add(t);
            } else if (message.startsWith("database system is shut down")) {
                down.add(t);
            }
        }
        if (starts.size() < 2 || ready.size() < 2 || down.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BootstrapPhases(span(starts.get(0), ready.get(0)), span(ready.get(0), down.get(0)),
                span(starts.get(1), ready.get(1)), span(starts.get(0), ready.get(1))));
    }

    /** Seconds from a to b, across midnight if need be. */
    private static double span(double a, double b) {
        return b >= a ? b - a : b + 86_400 - a;
    }
}
