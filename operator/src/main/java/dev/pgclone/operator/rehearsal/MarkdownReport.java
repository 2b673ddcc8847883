package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryPhaseStats;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.TableRewrite;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.rehearsal.Rendering.Listing;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * report.md: for the people who decide, and for a pull-request comment. The verdict and its
 * reasons first, then the limits, the steps, the locks and waits, the workload, the checks, the
 * plans, how well the monitor sampled, and the clone the rehearsal ran on.
 *
 * <p>GitHub renders Markdown and a subset of HTML, so text from the evidence is never written
 * raw: names and messages are escaped, SQL sits in code spans and fenced blocks whose fences are
 * longer than any backtick run inside them, and control characters are shown as a backslash, u and
 * four hex digits.
 */
final class MarkdownReport {

    private final Rendering r;
    private final StringBuilder md = new StringBuilder();

    private MarkdownReport(Rendering r) {
        this.r = r;
    }

    static String render(Rendering r) {
        MarkdownReport report = new MarkdownReport(r);
        report.verdict();
        report.limits();
        report.steps();
        report.locks();
        report.waits();
        report.workload();
        report.checks();
        report.plans();
        report.sampling();
        report.cloneSection();
        return report.md.toString();
    }

    private void verdict() {
        Verdict verdict = r.verdict;
        line("# Migration rehearsal " + code(r.evidence.rehearsal(), false) + ": " + verdict.outcome());
        line("");
        List<Finding> failures = verdict.failures();
        if (failures.isEmpty()) {
            line("**Passed**: every limit set held, every check passed, and the migration finished without an error.");
        } else {
            line("**Failed**: " + escape(String.join(", ", verdict.reasons())) + ".");
            line("");
            findings(failures);
        }
        if (!verdict.notes().isEmpty()) {
            line("");
            line("Notes (these fail nothing):");
            line("");
            findings(verdict.notes());
        }
    }

    private void findings(List<Finding> findings) {
        Listing<Finding> listed = r.first(findings);
        for (Finding f : listed.shown()) {
            line("- **" + escape(f.reason()) + "**: " + escape(r.text(f.message())));
        }
        more(listed.omitted(), "finding", "findings");
    }

    private void limits() {
        Limits limits = r.limits;
        List<StepEvidence> steps = r.evidence.steps();
        section("Limits");
        line("Each limit is a maximum: a measurement equal to it passes. Locks and waits are measured from the first "
                + "sample that showed them to the last.");
        line("");
        line("| limit | at most | measured | result |");
        line("|---|---|---|---|");
        Observations.StepHold exclusive = Observations.longest(steps, LockHold::blocksReads);
        Observations.StepHold writes = Observations.longest(steps, LockHold::blocksWrites);
        limit("longest AccessExclusiveLock", seconds(limits.maxAccessExclusiveLock()), hold(exclusive),
                limits.maxAccessExclusiveLock(), Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG);
        limit("longest lock that blocks writes", seconds(limits.maxWriteBlockingLock()), hold(writes),
                limits.maxWriteBlockingLock(), Finding.WRITE_BLOCKING_LOCK_TOO_LONG);
        QueryReport waited = Observations.longestWaiting(r.evidence.workload());
        limit("longest lock wait of a workload query", seconds(limits.maxWorkloadLockWait()),
                waited == null ? "none"
                        : Wording.seconds(Observations.longestWait(waited)) + " (" + code(r.text(waited.name()), true) + ")",
                limits.maxWorkloadLockWait(), Finding.WORKLOAD_WAITED_TOO_LONG);
        limit("migration duration", seconds(limits.maxDuration()),
                r.evidence.duration() == null ? "unknown" : Wording.seconds(r.evidence.duration()),
                limits.maxDuration(), Finding.MIGRATION_TOO_LONG);
        TableRewrite largest = steps.stream().flatMap(s -> s.rewrites().stream())
                .max(java.util.Comparator.comparingLong(TableRewrite::bytesBefore)).orElse(null);
        limit("largest relation rewritten", limits.maxRewriteBytes() == null ? "not set" : Wording.bytes(limits.maxRewriteBytes()),
                largest == null ? "none" : Wording.bytes(largest.bytesBefore()) + " (" + code(r.text(largest.relation()), true) + ")",
                limits.maxRewriteBytes(), Finding.LARGE_TABLE_REWRITTEN);
        RehearsalSummary.Plan plan = r.summary.worstPlanSlowdown();
        limit("slowdown of an EXPLAIN query", limits.maxPlanSlowdown() == null ? "not set" : Wording.ratio(limits.maxPlanSlowdown()),
                plan == null ? "none" : Wording.ratio(plan.ratio()) + " (" + code(r.text(plan.name()), true) + ")",
                limits.maxPlanSlowdown(), Finding.PLAN_SLOWED_DOWN);
        limit("workload errors during the migration", limits.maxWorkloadErrors() == null ? "not set" : limits.maxWorkloadErrors().toString(),
                Long.toString(Observations.workloadErrors(r.evidence.workload())), limits.maxWorkloadErrors(), Finding.WORKLOAD_ERRORS);
    }

    private void limit(String name, String atMost, String measured, Object limit, String reason) {
        String result = limit == null ? "not checked"
                : r.verdict.failures().stream().anyMatch(f -> f.reason().equals(reason)) ? "**exceeded**" : "held";
        line("| " + name + " | " + atMost + " | " + measured + " | " + result + " |");
    }

    private String hold(Observations.StepHold found) {
        if (found == null) {
            return "none";
        }
        return (found.hold().held().isZero() ? "one sample" : Wording.seconds(found.hold().held())) + " ("
                + escape(found.hold().mode()) + " on " + code(r.text(found.hold().relation()), true) + ", "
                + escape(r.text(r.step(found.step()))) + ")";
    }

    private void steps() {
        section(Wording.JOB_PATH.equals(r.evidence.path()) ? "Migration sessions" : "Migration steps");
        if (r.evidence.steps().isEmpty()) {
            line("No migration step ran.");
            return;
        }
        line("| # | where | " + (Wording.JOB_PATH.equals(r.evidence.path()) ? "last query seen" : "statement")
                + " | duration | longest lock | waited behind it | rewrites | WAL | error |");
        line("|---:|---|---|---:|---|---|---|---:|---|");
        Listing<StepEvidence> steps = r.steps();
        for (StepEvidence s : steps.shown()) {
            String where = Wording.JOB_PATH.equals(r.evidence.path()) ? s.script() : s.script() + ":" + s.line();
            line("| " + s.number() + " | " + code(r.cell(where), true) + " | " + code(r.cell(Text.firstLine(nonNull(s.sql()))), true)
                    + " | " + (s.duration() == null ? "" : Wording.seconds(s.duration())) + " | " + longestLock(s)
                    + " | " + waitedBehind(s.blocked()) + " | " + rewrites(s) + " | " + Wording.bytes(s.walBytes())
                    + " | " + escape(r.cell(error(s.sqlState(), s.error()))) + " |");
        }
        more(steps.omitted(), "step", "steps");
        line("");
        details("SQL of each " + (Wording.JOB_PATH.equals(r.evidence.path()) ? "session (the last query seen)" : "statement"), () -> {
            for (StepEvidence s : steps.shown()) {
                fenced("-- " + Text.oneLine(r.cell(r.step(s))) + "\n" + r.sql(nonNull(s.sql())), "sql");
            }
        });
    }

    /** The lock that matters most: the longest that blocks writes, else the longest of any mode. */
    private String longestLock(StepEvidence s) {
        List<LockHold> writes = s.locks().stream().filter(LockHold::blocksWrites).toList();
        LockHold hold = (writes.isEmpty() ? s.locks() : writes).stream().min(Observations.MOST_SIGNIFICANT).orElse(null);
        if (hold == null) {
            return "none";
        }
        return escape(hold.mode()) + " on " + code(r.cell(hold.relation()), true) + ", "
                + (hold.held().isZero() ? "one sample" : Wording.seconds(hold.held()));
    }

    private static String waitedBehind(List<LockWait> waits) {
        if (waits.isEmpty()) {
            return "none";
        }
        long sessions = waits.stream().map(LockWait::waiterPid).distinct().count();
        Duration longest = waits.stream().map(LockWait::waited).max(Duration::compareTo).orElse(Duration.ZERO);
        return Wording.plural(sessions, "session", "sessions") + ", up to " + Wording.seconds(longest);
    }

    private String rewrites(StepEvidence s) {
        if (s.rewrites().isEmpty()) {
            return "";
        }
        TableRewrite largest = r.rewrites(s.rewrites()).shown().stream()
                .max(java.util.Comparator.comparingLong(TableRewrite::bytesBefore)).orElseThrow();
        String text = code(r.cell(largest.relation()), true) + " " + Wording.bytes(largest.bytesBefore()) + " → "
                + Wording.bytes(largest.bytesAfter());
        return s.rewrites().size() == 1 ? text : text + " and " + (s.rewrites().size() - 1) + " more";
    }

    private void locks() {
        List<Held> holds = r.steps().shown().stream()
                .flatMap(s -> s.locks().stream().filter(LockHold::blocksWrites).map(h -> new Held(s, h))).toList();
        if (holds.isEmpty()) {
            return;
        }
        subsection("Locks that block writes");
        line("| step | mode | relation | held | what it blocks | waited behind it |");
        line("|---:|---|---|---:|---|---|");
        Listing<Held> listed = r.list(holds, java.util.Comparator.comparing(Held::hold, Observations.MOST_SIGNIFICANT));
        for (Held h : listed.shown()) {
            LockHold hold = h.hold();
            line("| " + h.step().number() + " | " + escape(hold.mode()) + " | " + code(r.cell(hold.relation()), true) + " | "
                    + (hold.held().isZero() ? "one sample" : Wording.seconds(hold.held())) + " | " + Wording.effect(hold.mode())
                    + " | " + waitedBehind(r.index.behind(hold)) + " |");
        }
        more(listed.omitted(), "lock", "locks");
    }

    private record Held(StepEvidence step, LockHold hold) {}

    private record Waited(StepEvidence step, LockWait lockWait) {}

    private void waits() {
        List<Waited> waits = r.steps().shown().stream()
                .flatMap(s -> s.blocked().stream().map(w -> new Waited(s, w))).toList();
        if (waits.isEmpty()) {
            return;
        }
        subsection("Sessions that waited behind the migration");
        line("| step | session | waited for | behind pid | waited |");
        line("|---:|---|---|---:|---:|");
        Listing<Waited> listed = r.list(waits, java.util.Comparator.comparing((Waited w) -> w.lockWait().waited()).reversed());
        for (Waited w : listed.shown()) {
            LockWait wait = w.lockWait();
            String query = Workload.queryOf(wait.waiterApplication());
            String who = query != null ? "workload " + code(r.cell(query), true)
                    : code(r.cell(nonNull(wait.waiterApplication())), true) + " pid " + wait.waiterPid();
            String what = escape(r.cell(nonNull(wait.mode()))) + " on " + (wait.relation() != null
                    ? code(r.cell(wait.relation()), true) : escape(r.cell(nonNull(wait.lockType()))));
            line("| " + w.step().number() + " | " + who + " | " + what + " | " + wait.blockerPid() + " | "
                    + (wait.waited().isZero() ? "one sample" : Wording.seconds(wait.waited())) + " |");
        }
        more(listed.omitted(), "wait", "waits");
    }

    private void workload() {
        section("Workload");
        if (r.evidence.workload().isEmpty()) {
            line("No workload ran during the migration: locks were measured, but not what they do to the application's queries.");
            return;
        }
        line("Latencies in milliseconds, before the migration (a baseline of "
                + (r.evidence.baseline() == null ? "unknown length" : Wording.seconds(r.evidence.baseline()))
                + ") → during it.");
        line("");
        line("| query | executed | p50 | p95 | p99 | max | longest lock wait | errors before | errors during |");
        line("|---|---:|---:|---:|---:|---:|---:|---|---|");
        Listing<QueryReport> queries = r.queries();
        for (QueryReport q : queries.shown()) {
            Duration wait = Observations.longestWait(q);
            line("| " + code(r.cell(q.name()), true) + " | " + phases(q, s -> Long.toString(s.executed()))
                    + " | " + phases(q, s -> Wording.ms(s.p50Ms())) + " | " + phases(q, s -> Wording.ms(s.p95Ms()))
                    + " | " + phases(q, s -> Wording.ms(s.p99Ms())) + " | " + phases(q, s -> Wording.ms(s.maxMs()))
                    + " | " + (wait.isZero() ? "none" : Wording.seconds(wait))
                    + " | " + errors(q.baseline()) + " | " + errors(q.migration()) + " |");
        }
        more(queries.omitted(), "query", "queries");
        List<QueryReport> behind = queries.shown().stream().filter(QueryReport::behindSchedule).toList();
        if (!behind.isEmpty()) {
            line("");
            line("Behind schedule (late: sent more than 100 ms after their turn, still measured; skipped: not sent, so less load than asked):");
            line("");
            line("| query | late | skipped | largest lag ms | reconnects |");
            line("|---|---:|---:|---:|---:|");
            for (QueryReport q : behind) {
                line("| " + code(r.cell(q.name()), true) + " | " + q.baselinePacing().late() + " → " + q.migrationPacing().late()
                        + " | " + q.baselinePacing().skipped() + " → " + q.migrationPacing().skipped()
                        + " | " + Wording.ms(q.baselinePacing().maxLagMs()) + " → " + Wording.ms(q.migrationPacing().maxLagMs())
                        + " | " + q.baselinePacing().reconnects() + " → " + q.migrationPacing().reconnects() + " |");
            }
        }
    }

    private static String phases(QueryReport q, Function<QueryPhaseStats, String> value) {
        return (q.baseline() == null ? "-" : value.apply(q.baseline())) + " → " + (q.migration() == null ? "-" : value.apply(q.migration()));
    }

    private String errors(QueryPhaseStats stats) {
        if (stats == null || stats.errors() == 0) {
            return "none";
        }
        StringBuilder text = new StringBuilder().append(stats.errors());
        Listing<Map.Entry<String, Long>> states = r.first(List.copyOf(new TreeMap<>(stats.errorsBySqlState()).entrySet()));
        String sep = ": ";
        for (Map.Entry<String, Long> e : states.shown()) {
            text.append(sep).append(escape(r.cell(Wording.sqlState(e.getKey())))).append(" ×").append(e.getValue());
            sep = ", ";
        }
        if (states.omitted() > 0) {
            text.append(", ... ").append(states.omitted()).append(" more");
        }
        return text.toString();
    }

    private void checks() {
        section("Checks");
        if (r.evidence.checks().isEmpty()) {
            line("No validation queries.");
            return;
        }
        line("| check | result | expected | actual |");
        line("|---|---|---|---|");
        Listing<CheckResult> checks = r.checks();
        for (CheckResult c : checks.shown()) {
            String actual = c.error() != null ? "error: " + c.error() : nonNull(c.actual());
            line("| " + code(r.cell(c.name()), true) + " | " + (c.passed() ? "passed" : "**failed**") + " | "
                    + escape(r.cell(nonNull(c.expected()))) + " | " + escape(r.text(actual)) + " |");
        }
        more(checks.omitted(), "check", "checks");
    }

    private void plans() {
        section("Plans");
        if (r.evidence.plans().isEmpty()) {
            line("No EXPLAIN queries.");
            return;
        }
        line("`EXPLAIN (ANALYZE, BUFFERS)` before and after the migration; the ratio is after / before execution time.");
        line("");
        line("| query | plan shape | before ms | after ms | ratio |");
        line("|---|---|---:|---:|---:|");
        Listing<PlanComparison> plans = r.plans();
        for (PlanComparison p : plans.shown()) {
            String shape = p.before().error() != null || p.after().error() != null ? "not compared"
                    : p.shapeChanged() ? "**changed**" : "same";
            line("| " + code(r.cell(p.name()), true) + " | " + shape + " | " + planTime(p.before()) + " | " + planTime(p.after())
                    + " | " + (Double.isNaN(p.slowdown()) ? "-" : Wording.ratio(p.slowdown())) + " |");
        }
        more(plans.omitted(), "plan", "plans");
        for (PlanComparison p : plans.shown()) {
            line("");
            details("Plans of " + Text.oneLine(r.cell(p.name())), () -> {
                line("Before:");
                line("");
                plan(p.before());
                line("");
                line("After:");
                line("");
                plan(p.after());
            });
        }
    }

    private String planTime(PlanCapture plan) {
        return plan.error() != null ? "error: " + escape(r.cell(plan.error())) : Wording.ms(plan.executionMs());
    }

    private void plan(PlanCapture plan) {
        fenced(plan.error() != null ? "error: " + r.text(plan.error()) : r.sql(nonNull(plan.shape())), "text");
    }

    private void sampling() {
        section("Sampling");
        RehearsalEvidence e = r.evidence;
        line(Wording.plural(e.samples(), "sample", "samples") + " of pg_locks, pg_stat_activity and pg_blocking_pids"
                + (e.samplingInterval() == null ? "" : ", aiming for one every " + Wording.seconds(e.samplingInterval()))
                + (e.largestSampleGap() == null ? "" : "; the longest gap between two samples was " + Wording.seconds(e.largestSampleGap()))
                + ". A lock held for less than the gap around it may be missing; every hold is measured from the first sample "
                + "that showed it to the last, so it lasted up to one interval longer on each side.");
    }

    private void cloneSection() {
        section("Clone");
        RehearsalEvidence e = r.evidence;
        line("Rehearsed on the clone " + code(r.text(e.cloneName()), false) + " of production, data as of "
                + Wording.time(e.dataAsOf()) + ". The migration ("
                + (Wording.JOB_PATH.equals(e.path()) ? "the team's own tool in a Job" : "SQL statements run one at a time")
                + ") started " + Wording.time(e.started()) + " and took "
                + (e.duration() == null ? "an unknown time" : Wording.seconds(e.duration())) + ".");
        if (e.migrationError() != null) {
            line("");
            line("It did not finish: " + escape(r.text(e.migrationError())));
        }
    }

    private void section(String title) {
        line("");
        line("## " + title);
        line("");
    }

    private void subsection(String title) {
        line("");
        line("### " + title);
        line("");
    }

    private void more(int omitted, String one, String many) {
        if (omitted > 0) {
            line("");
            line("... " + Wording.plural(omitted, "more " + one, "more " + many) + " not listed here (report.json lists the same entries).");
        }
    }

    private void details(String summary, Runnable body) {
        line("<details><summary>" + html(summary) + "</summary>");
        line("");
        body.run();
        line("</details>");
    }

    /**
     * A fenced code block: its fence is longer than any run of backticks inside, so nothing in
     * the text can close it early.
     */
    private void fenced(String text, String info) {
        String body = Text.visible(text.replace("\r\n", "\n").replace('\r', '\n'));
        String fence = "`".repeat(Math.max(3, longestRun(body, '`') + 1));
        line(fence + info);
        line(body);
        line(fence);
    }

    /**
     * A code span on one line. Its delimiters are longer than any backtick run inside; inside a
     * table, a pipe would end the cell, so it is escaped (GitHub removes the backslash there).
     */
    static String code(String text, boolean inTable) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        String body = Text.oneLine(text);
        if (inTable) {
            body = body.replace("|", "\\|");
        }
        String ticks = "`".repeat(longestRun(body, '`') + 1);
        String pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
        return ticks + pad + body + pad + ticks;
    }

    /** Plain text on one line with every character Markdown or HTML would act on escaped. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        String line = Text.oneLine(text);
        StringBuilder out = new StringBuilder(line.length() + 16);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!' -> out.append('\\').append(c);
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String html(String text) {
        return Text.oneLine(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static int longestRun(String s, char c) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            run = s.charAt(i) == c ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    private static String seconds(Duration limit) {
        return limit == null ? "not set" : Wording.seconds(limit);
    }

    static String error(String sqlState, String error) {
        if (sqlState == null && error == null) {
            return "";
        }
        return ((sqlState == null ? "" : sqlState + " ") + (error == null ? "" : error)).strip();
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    private void line(String text) {
        md.append(text).append('\n');
    }
}
