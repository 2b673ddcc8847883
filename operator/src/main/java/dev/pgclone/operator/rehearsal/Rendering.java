package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.TableRewrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One rendering of the three report files: the evidence, its verdict and summary, and how much of
 * each text and list fits ({@link Caps}). The report tries the levels from the most generous
 * down until the files fit their ConfigMap.
 */
final class Rendering {

    /**
     * How much of the evidence a rendering shows.
     *
     * @param text     characters of a message, a name or an error
     * @param cell     characters of SQL in a table cell and in a test case name
     * @param sql      characters of one SQL text shown whole (and of a plan's shape)
     * @param planJson characters of an EXPLAIN JSON plan (report.json only)
     * @param items    entries of any one list (steps, locks of a step, waits, queries, checks, plans, findings)
     */
    record Caps(int text, int cell, int sql, int planJson, int items) {

        /**
         * From everything the evidence holds (its SQL is at most 2,000 characters already) down to
         * a level whose size is bounded whatever the evidence: at the last one, at most 5 entries
         * of every list and at most 120 characters of every text (even if each character escapes to
         * six bytes, the three files stay far below a ConfigMap's 1 MiB).
         */
        static final List<Caps> LEVELS = List.of(
                new Caps(1000, 120, 2000, 16_000, 200),
                new Caps(400, 100, 600, 4_000, 50),
                new Caps(200, 80, 200, 0, 15),
                new Caps(120, 60, 120, 0, 5));
    }

    /** The entries a list shows, and how many it leaves out. */
    record Listing<T>(List<T> shown, int omitted) {}

    final RehearsalEvidence evidence;
    final Limits limits;
    final Verdict verdict;
    final RehearsalSummary summary;
    final Caps caps;
    final Text.Cuts cuts = new Text.Cuts();
    final Observations.Index index;
    private final List<Finding> failures;
    private final Map<Integer, List<Finding>> failuresByStep = new HashMap<>();
    private final Map<String, List<Finding>> failuresBySubject = new HashMap<>();
    private long written;

    Rendering(RehearsalEvidence evidence, Limits limits, Verdict verdict, RehearsalSummary summary, Observations.Index index,
              Caps caps) {
        this.evidence = evidence;
        this.limits = limits;
        this.verdict = verdict;
        this.summary = summary;
        this.caps = caps;
        this.index = index;
        this.failures = verdict.failures();
        for (Finding f : failures) {
            if (f.step() != null) {
                failuresByStep.computeIfAbsent(f.step(), n -> new ArrayList<>()).add(f);
            }
            if (f.subject() != null) {
                failuresBySubject.computeIfAbsent(f.subject(), n -> new ArrayList<>()).add(f);
            }
        }
    }

    String text(String s) {
        return written(Text.cut(s, caps.text(), cuts));
    }

    String cell(String s) {
        return written(Text.cut(s, caps.cell(), cuts));
    }

    String sql(String s) {
        return written(Text.cut(s, caps.sql(), cuts));
    }

    String planJson(String s) {
        return written(Text.cut(s, caps.planJson(), cuts));
    }

    /**
     * Counts what a file will hold at least: every text taken from the evidence is written, and
     * each of its characters takes a byte or more. Past {@link Report#MAX_BYTES} this level
     * cannot fit, so it stops at once instead of building megabytes of text to measure them.
     */
    private String written(String s) {
        if (s != null) {
            written += s.length();
            if (written > Report.MAX_BYTES) {
                throw TooLarge.INSTANCE;
            }
        }
        return s;
    }

    /** This rendering cannot fit: try the next level. */
    static final class TooLarge extends RuntimeException {
        static final TooLarge INSTANCE = new TooLarge();

        private TooLarge() {
            super("the report does not fit at this level", null, false, false);
        }
    }

    /**
     * At most {@link Caps#items} entries, the most significant ones first by {@code significance},
     * shown in their original order (steps stay in the order they ran).
     */
    <T> Listing<T> list(List<T> items, Comparator<? super T> significance) {
        if (items.size() <= caps.items()) {
            return new Listing<>(items, 0);
        }
        cuts.cut();
        List<Integer> chosen = new ArrayList<>(IntStream.range(0, items.size()).boxed()
                .sorted(Comparator.comparing(items::get, significance))
                .limit(caps.items())
                .toList());
        chosen.sort(Comparator.naturalOrder());
        return new Listing<>(chosen.stream().map(items::get).toList(), items.size() - caps.items());
    }

    /** The first {@link Caps#items} entries, for lists already in the order of significance. */
    <T> Listing<T> first(List<T> items) {
        return list(items, (a, b) -> 0);
    }

    String step(StepEvidence step) {
        return Wording.step(step, evidence.path());
    }

    /** The failures about one step. */
    List<Finding> failures(StepEvidence step) {
        return failuresByStep.getOrDefault(step.number(), List.of());
    }

    /** The failures about a named subject (a check, an EXPLAIN query) of the given reasons. */
    List<Finding> failures(String subject, String... reasons) {
        List<String> wanted = List.of(reasons);
        return failuresBySubject.getOrDefault(subject, List.of()).stream().filter(f -> wanted.contains(f.reason())).toList();
    }

    // What a shortened list keeps. The three files keep the same entries, so they tell one story.

    /** Steps that failed something first, then those holding write-blocking locks, then the longest. */
    Listing<StepEvidence> steps() {
        return list(evidence.steps(), Comparator.comparing((StepEvidence s) -> failures(s).isEmpty())
                .thenComparing(s -> s.locks().stream().noneMatch(LockHold::blocksWrites))
                .thenComparing(s -> s.duration() == null ? Duration.ZERO : s.duration(), Comparator.reverseOrder()));
    }

    /** Locks that block writes first, the longest first. */
    Listing<LockHold> locks(List<LockHold> locks) {
        return list(locks, Comparator.comparing((LockHold h) -> !h.blocksWrites()).thenComparing(Observations.MOST_SIGNIFICANT));
    }

    Listing<LockWait> waits(List<LockWait> waits) {
        return list(waits, Comparator.comparing(LockWait::waited).reversed());
    }

    Listing<TableRewrite> rewrites(List<TableRewrite> rewrites) {
        return list(rewrites, Comparator.comparingLong(TableRewrite::bytesBefore).reversed());
    }

    /** Queries that waited longest first, then those with most errors during the migration. */
    Listing<QueryReport> queries() {
        return list(evidence.workload(), Comparator.comparing(Observations::longestWait).reversed()
                .thenComparing(q -> q.migration() == null ? 0 : -q.migration().errors()));
    }

    Listing<CheckResult> checks() {
        return list(evidence.checks(), Comparator.comparing(CheckResult::passed));
    }

    /** Plans that failed first, then the most slowed down. */
    Listing<PlanComparison> plans() {
        return list(evidence.plans(), Comparator.comparing((PlanComparison p) ->
                        failures(p.name(), Finding.PLAN_SLOWED_DOWN, Finding.PLAN_QUERY_FAILED).isEmpty())
                .thenComparing(p -> Double.isNaN(p.slowdown()) ? 0 : -p.slowdown()));
    }
}
