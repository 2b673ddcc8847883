package dev.pgclone.e2e.bench;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much WAL a PostgreSQL start replayed, read from its own log lines ("redo starts at 0/…",
 * "redo done at 0/… elapsed: N s"): the measure of what a missing CHECKPOINT costs a clone.
 */
record RecoveryLog(long bytesReplayed, double elapsedSeconds) {

    private static final Pattern STARTS = Pattern.compile("redo starts at ([0-9A-F]+)/([0-9A-F]+)");
    private static final Pattern DONE = Pattern.compile("redo done at ([0-9A-F]+)/([0-9A-F]+).*?elapsed: ([0-9.]+) s");

    /** The first crash recovery in the log; empty when the server needed none ("redo is not required") or the log has no such lines. */
    static Optional<RecoveryLog> parse(String log) {
        Matcher s = STARTS.matcher(log);
        if (!s.find()) {
            return Optional.empty();
        }
        Matcher d = DONE.matcher(log);
        if (!d.find(s.end())) {
            return Optional.empty();
        }
        long from = lsn(s.group(1), s.group(2));
        long to = lsn(d.group(1), d.group(2));
        return Optional.of(new RecoveryLog(Math.max(0, to - from), Double.parseDouble(d.group(3))));
    }

    static long lsn(String hi, String lo) {
        return (Long.parseLong(hi, 16) << 32) + Long.parseLong(lo, 16);
    }
}
