package dev.pgclone.operator.rehearsal;

import static dev.pgclone.operator.rehearsal.Finding.failure;
import static dev.pgclone.operator.rehearsal.Finding.note;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryPhaseStats;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.WorkloadResult;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.TableRewrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The rules of {@link Verdict#judge}, one method per kind of evidence. */
final class Judge {

    private final RehearsalEvidence evidence;
    private final Limits limits;
    private final Observations.Index index;
    private final List<Finding> findings = new ArrayList<>();

    private Judge(RehearsalEvidence evidence, Limits limits) {
        this.evidence = evidence;
        this.limits = limits;
        this.index = new Observations.Index(evidence.steps());
    }

    static List<Finding> findings(RehearsalEvidence evidence, Limits limits) {
        Judge judge = new Judge(evidence, limits);
        judge.migration();
        for (StepEvidence step : evidence.steps()) {
            judge.locks(step);
            judge.rewrites(step);
        }
        judge.duration();
        judge.workloadWaits();
        judge.workloadErrors();
        judge.workloadPacing();
        judge.checks();
        judge.plans();
        judge.sampling();
        return judge.findings;
    }

    private void migration() {
        List<StepEvidence> failed = evidence.steps().stream().filter(StepEvidence::failed).toList();
        for (StepEvidence step : failed) {
            String error = (step.sqlState() == null ? "" : step.sqlState() + " ") + (step.error() == null ? "" : step.error());
            findings.add(failure(Finding.MIGRATION_FAILED, label(step) + " failed: " + error.strip(), step.number(), null, null, null));
        }
        String error = evidence.migrationError();
        // on the SQL path the migration's error is its failed statement's: said once is enough
        boolean saidAlready = error != null && failed.stream().anyMatch(s -> s.error() != null && error.contains(s.error()));
        if (error != null && !saidAlready) {
            findings.add(failure(Finding.MIGRATION_FAILED, "the migration did not finish: " + error, null, null, null, null));
        }
    }

    /**
     * A step's locks: the ones over a limit fail, one finding per limit naming the worst of them;
     * the other locks that block writes are notes, one per mode. An AccessExclusiveLock blocks
     * writes too, so one hold can exceed both limits and then is named under both reasons: each
     * limit is judged on its own, and the report's views of a limit (its row, its test case) are
     * its findings.
     */
    private void locks(StepEvidence step) {
        List<LockHold> overExclusive = over(step, LockHold::blocksReads, limits.maxAccessExclusiveLock());
        List<LockHold> overWriteBlocking = over(step, LockHold::blocksWrites, limits.maxWriteBlockingLock());
        lockFailure(step, overExclusive, Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG, limits.maxAccessExclusiveLock(), "");
        lockFailure(step, overWriteBlocking, Finding.WRITE_BLOCKING_LOCK_TOO_LONG, limits.maxWriteBlockingLock(),
                " on locks that block writes");

        Map<String, List<LockHold>> byMode = new TreeMap<>(Comparator.comparing((String mode) -> -Wording.strength(mode))
                .thenComparing(Comparator.naturalOrder()));
        step.locks().stream()
                .filter(LockHold::blocksWrites)
                .filter(h -> !overExclusive.contains(h) && !overWriteBlocking.contains(h))
                .forEach(h -> byMode.computeIfAbsent(h.mode(), m -> new ArrayList<>()).add(h));
        byMode.forEach((mode, holds) -> {
            LockHold worst = holds.stream().min(Observations.MOST_SIGNIFICANT).orElseThrow();
            Duration limit = limitFor(worst);
            String message = label(step) + " held " + mode + " on " + worst.relation() + more(others(holds, worst)) + " "
                    + Wording.held(worst.held()) + (limit == null ? "" : ", within the " + Wording.seconds(limit) + " limit")
                    + ": " + Wording.effect(mode) + "; " + Observations.waiters(index.behind(worst));
            findings.add(note(Finding.WRITE_BLOCKING_LOCK_HELD, message, step.number(), worst.relation(),
                    Wording.secondsValue(worst.held()), Wording.secondsValue(limit)));
        });
    }

    private List<LockHold> over(StepEvidence step, Predicate<LockHold> kind, Duration limit) {
        if (limit == null) {
            return List.of();
        }
        return step.locks().stream().filter(kind).filter(h -> h.held().compareTo(limit) > 0).toList();
    }

    private void lockFailure(StepEvidence step, List<LockHold> over, String reason, Duration limit, String limitOn) {
        if (over.isEmpty()) {
            return;
        }
        LockHold worst = over.stream().min(Observations.MOST_SIGNIFICANT).orElseThrow();
        String message = label(step) + " held " + worst.mode() + " on " + worst.relation() + more(others(over, worst)) + " "
                + Wording.held(worst.held(), limit) + " (limit " + Wording.seconds(limit) + limitOn + ")"
                + "; " + Observations.waiters(index.behind(worst));
        findings.add(failure(reason, message, step.number(), worst.relation(), Wording.secondsValue(worst.held()),
                Wording.secondsValue(limit)));
    }

    /** The limit a lock of this mode is held to, the stricter when both apply. */
    private Duration limitFor(LockHold hold) {
        Duration exclusive = hold.blocksReads() ? limits.maxAccessExclusiveLock() : null;
        Duration writes = limits.maxWriteBlockingLock();
        if (exclusive == null) {
            return writes;
        }
        return writes == null || exclusive.compareTo(writes) < 0 ? exclusive : writes;
    }

    private void rewrites(StepEvidence step) {
        Long limit = limits.maxRewriteBytes();
        List<TableRewrite> over = limit == null ? List.of()
                : step.rewrites().stream().filter(r -> r.bytesBefore() > limit).toList();
        if (!over.isEmpty()) {
            TableRewrite worst = largest(over);
            findings.add(failure(Finding.LARGE_TABLE_REWRITTEN, label(step) + " rewrote " + worst.relation() + " ("
                    + sizes(worst) + "; limit " + Wording.bytes(limit) + ")" + moreAfter(over.size() - 1L),
                    step.number(), worst.relation(), (double) worst.bytesBefore(), (double) limit));
        }
        List<TableRewrite> rest = step.rewrites().stream().filter(r -> !over.contains(r)).toList();
        if (!rest.isEmpty()) {
            TableRewrite largest = largest(rest);
            findings.add(note(Finding.TABLE_REWRITTEN, label(step) + " rewrote " + largest.relation() + " (" + sizes(largest)
                    + (limit == null ? "" : "; limit " + Wording.bytes(limit)) + ")" + moreAfter(rest.size() - 1L),
                    step.number(), largest.relation(), (double) largest.bytesBefore(), limit == null ? null : (double) limit));
        }
    }

    private static TableRewrite largest(List<TableRewrite> rewrites) {
        return rewrites.stream().min(Comparator.comparingLong(TableRewrite::bytesBefore).reversed()
                .thenComparing(r -> Observations.isTable(r.kind()) ? 0 : 1)
                .thenComparing(r -> String.valueOf(r.relation()))).orElseThrow();
    }

    private static String sizes(TableRewrite r) {
        return Wording.bytes(r.bytesBefore()) + " before, " + Wording.bytes(r.bytesAfter()) + " after";
    }

    private void duration() {
        Duration limit = limits.maxDuration();
        Duration took = evidence.duration();
        if (limit != null && took != null && took.compareTo(limit) > 0) {
            findings.add(failure(Finding.MIGRATION_TOO_LONG, "the migration took " + Wording.seconds(took, limit)
                    + " (limit " + Wording.seconds(limit) + ")", null, null, Wording.secondsValue(took), Wording.secondsValue(limit)));
        }
    }

    private void workloadWaits() {
        Duration limit = limits.maxWorkloadLockWait();
        for (QueryReport query : evidence.workload()) {
            Duration waited = Observations.longestWait(query);
            if (waited.isZero()) {
                continue;
            }
            boolean fails = limit != null && waited.compareTo(limit) > 0;
            Observations.StepWait found = index.longestWait(query.name());
            LockWait longest = found == null ? null : found.lockWait();
            StepEvidence step = found == null ? null : found.step();
            String message = fails
                    ? "workload query " + query.name() + " waited " + Wording.seconds(waited, limit) + " for a lock (limit "
                            + Wording.seconds(limit) + ")" + behind(longest, step)
                    : "workload query " + query.name() + " waited " + Wording.seconds(waited) + " for a lock" + behind(longest, step)
                            + (limit == null ? "" : ", within the " + Wording.seconds(limit) + " limit");
            findings.add(fails
                    ? failure(Finding.WORKLOAD_WAITED_TOO_LONG, message, step == null ? null : step.number(), query.name(),
                            Wording.secondsValue(waited), Wording.secondsValue(limit))
                    : note(Finding.WORKLOAD_WAITED, message, step == null ? null : step.number(), query.name(),
                            Wording.secondsValue(waited), Wording.secondsValue(limit)));
        }
    }

    /** {@code behind statement 3 (inline:3) holding AccessExclusiveLock on public.orders}, as far as the samples tell. */
    private String behind(LockWait wait, StepEvidence step) {
        if (wait == null || step == null) {
            return "";
        }
        LockHold held = index.heldFor(wait);
        if (held != null) {
            return " behind " + label(step) + " holding " + held.mode() + " on " + held.relation();
        }
        if ("transactionid".equals(wait.lockType()) || "tuple".equals(wait.lockType())) {
            return " behind " + label(step) + ", for a row it had changed";
        }
        String on = wait.relation() != null ? " on " + wait.relation() : "";
        return " behind " + label(step) + " (" + wait.lockType() + " lock" + on + ")";
    }

    private void workloadErrors() {
        long total = 0;
        Map<String, Long> byQuery = new LinkedHashMap<>();
        List<String> details = new ArrayList<>();
        for (QueryReport query : evidence.workload()) {
            QueryPhaseStats during = query.migration();
            if (during == null || during.errors() == 0) {
                continue;
            }
            total += during.errors();
            byQuery.put(query.name(), during.errors());
            StringBuilder states = new StringBuilder();
            new TreeMap<>(during.errorsBySqlState()).forEach((state, n) ->
                    states.append(states.isEmpty() ? "" : ", ").append(Wording.sqlState(state)).append(": ").append(n));
            details.add(query.name() + " " + during.errors() + (states.isEmpty() ? "" : " (" + states + ")"));
        }
        if (total == 0) {
            return;
        }
        Long limit = limits.maxWorkloadErrors();
        boolean fails = limit != null && total > limit;
        String message = "the workload had " + Wording.plural(total, "error", "errors") + " during the migration"
                + (limit == null ? "" : " (limit " + limit + ")") + ": " + String.join("; ", details);
        String subject = byQuery.size() == 1 ? byQuery.keySet().iterator().next() : null;
        findings.add(fails
                ? failure(Finding.WORKLOAD_ERRORS, message, null, subject, (double) total, (double) limit)
                : note(Finding.WORKLOAD_ERRORS_SEEN, message, null, subject, (double) total, limit == null ? null : (double) limit));
    }

    /**
     * A query that fell behind its schedule: the evidence is still what happened, but under less load
     * than the rehearsal asked for, which a reviewer must know before trusting a pass.
     */
    private void workloadPacing() {
        for (QueryReport query : evidence.workload()) {
            if (!query.behindSchedule()) {
                continue;
            }
            WorkloadResult.Pacing before = query.baselinePacing();
            WorkloadResult.Pacing during = query.migrationPacing();
            String message = "workload query " + query.name() + " fell behind its rate: " + pacing(before) + " before the migration, "
                    + pacing(during) + " during it; late executions still ran, skipped ones did not, so less load was offered than"
                    + " asked (its sessions were busy: waiting for a lock, or a slow clone or operator)";
            long missed = before.late() + before.skipped() + during.late() + during.skipped();
            findings.add(note(Finding.WORKLOAD_BEHIND_SCHEDULE, message, null, query.name(), (double) missed, null));
        }
    }

    private static String pacing(WorkloadResult.Pacing p) {
        if (!p.behind()) {
            return "on schedule";
        }
        return p.late() + " late, " + p.skipped() + " skipped (largest lag " + Wording.ms(p.maxLagMs()) + " ms)";
    }

    private void checks() {
        for (CheckResult check : evidence.checks()) {
            if (check.passed()) {
                continue;
            }
            String why = check.error() != null ? check.error()
                    : "expected " + check.expected() + ", got " + (check.actual() == null ? "nothing" : check.actual());
            findings.add(failure(Finding.CHECK_FAILED, "check " + check.name() + " failed: " + why, null, check.name(), null, null));
        }
    }

    /**
     * A query that took 0.04 ms before and 0.1 ms after is "2.5x slower", but a cache line, a timer
     * tick or the instrumentation of EXPLAIN ANALYZE moves sub-millisecond timings that much: with the
     * same plan, a slowdown over the limit fails only when the query also got at least this much
     * slower. A plan that changed shape (an index scan become a sequential one) is a regression
     * whatever the times, so the floor does not apply to it.
     */
    static final double PLAN_NOISE_MS = 1.0;

    private void plans() {
        Double limit = limits.maxPlanSlowdown();
        for (PlanComparison plan : evidence.plans()) {
            if (plan.before().error() != null) {
                findings.add(note(Finding.PLAN_NOT_COMPARED, "EXPLAIN of " + plan.name() + " failed before the migration: "
                        + plan.before().error(), null, plan.name(), null, limit));
                continue;
            }
            if (plan.after().error() != null) {
                findings.add(failure(Finding.PLAN_QUERY_FAILED, "EXPLAIN of " + plan.name() + " ran before the migration and failed after it: "
                        + plan.after().error(), null, plan.name(), null, null));
                continue;
            }
            double ratio = plan.slowdown();
            String times = Wording.ms(plan.before().executionMs()) + " ms before, " + Wording.ms(plan.after().executionMs()) + " ms after";
            String shape = plan.shapeChanged() ? "; its plan changed shape" : "; same plan shape";
            boolean overLimit = !Double.isNaN(ratio) && limit != null && ratio > limit;
            if (overLimit && !plan.shapeChanged() && plan.after().executionMs() - plan.before().executionMs() < PLAN_NOISE_MS) {
                findings.add(note(Finding.PLAN_SLOWDOWN_WITHIN_NOISE, "query " + plan.name() + " ran " + Wording.ratio(ratio)
                        + " slower after the migration, over the " + Wording.ratio(limit) + " limit, but by less than "
                        + Wording.ms(PLAN_NOISE_MS) + " ms with the same plan, which EXPLAIN's timing cannot tell from noise: " + times,
                        null, plan.name(), Wording.ratioValue(ratio), limit));
            } else if (overLimit) {
                findings.add(failure(Finding.PLAN_SLOWED_DOWN, "query " + plan.name() + " ran " + Wording.ratio(ratio, limit)
                        + " slower after the migration (limit " + Wording.ratio(limit) + "): " + times + shape,
                        null, plan.name(), Wording.ratioValue(ratio), limit));
            } else if (plan.shapeChanged()) {
                findings.add(note(Finding.PLAN_SHAPE_CHANGED, "the plan of " + plan.name() + " changed shape: " + times
                        + (Double.isNaN(ratio) ? "" : " (" + Wording.ratio(ratio) + ")"), null, plan.name(),
                        Double.isNaN(ratio) ? null : Wording.ratioValue(ratio), limit));
            }
        }
    }

    private void sampling() {
        Duration tightest = Stream.of(limits.maxAccessExclusiveLock(), limits.maxWriteBlockingLock(), limits.maxWorkloadLockWait())
                .filter(Objects::nonNull).min(Comparator.naturalOrder()).orElse(null);
        Duration gap = evidence.largestSampleGap();
        Duration interval = evidence.samplingInterval();
        String aim = interval == null ? "" : " (aiming for one every " + Wording.seconds(interval) + ")";
        if (evidence.samples() == 0) {
            String message = "the lock monitor took no samples: locks and waits were not observed";
            findings.add(tightest != null
                    ? failure(Finding.EVIDENCE_INCOMPLETE, message + ", so their limits could not be checked", null, null, null, null)
                    : note(Finding.SAMPLING_GAP, message, null, null, null, null));
            return;
        }
        if (gap == null) {
            return;
        }
        if (tightest != null && gap.compareTo(tightest) > 0) {
            findings.add(failure(Finding.EVIDENCE_INCOMPLETE, "the lock monitor's samples had a gap of " + Wording.seconds(gap, tightest)
                    + aim + ": a lock or wait longer than the " + Wording.seconds(tightest)
                    + " limit could have started and ended unseen", null, null,
                    Wording.secondsValue(gap), Wording.secondsValue(tightest)));
        } else if (interval != null && gap.compareTo(interval.multipliedBy(2)) > 0) {
            // more than two intervals between samples: at least one whole sample is missing
            findings.add(note(Finding.SAMPLING_GAP, "the lock monitor's longest gap between samples was " + Wording.seconds(gap)
                    + aim + ": a lock held for less than that may be missing from the report", null, null,
                    Wording.secondsValue(gap), Wording.secondsValue(tightest)));
        }
    }

    private String label(StepEvidence step) {
        return Wording.step(step, evidence.path());
    }

    /** How many other relations than the named one these locks are on. */
    private static long others(List<LockHold> holds, LockHold named) {
        return holds.stream().map(LockHold::relation).filter(r -> !Objects.equals(r, named.relation())).distinct().count();
    }

    /** {@code (and 2 more relations)} after the one a finding names. */
    private static String more(long others) {
        return others > 0 ? " (and " + Wording.plural(others, "more relation", "more relations") + ")" : "";
    }

    /** {@code , and 2 more relations} at the end of a finding. */
    private static String moreAfter(long others) {
        return others > 0 ? ", and " + Wording.plural(others, "more relation", "more relations") : "";
    }
}
