package dev.pgclone.operator.rehearsal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Whether a rehearsal passed, and why: its failures first, then its notes, each in the order of the
 * evidence (the migration's outcome, its steps in order, then duration, workload, checks, plans and
 * the monitor's sampling).
 *
 * <p>Limits are maxima: a measurement equal to its limit passes, one over it fails. Locks and waits
 * are measured as the monitor's samples saw them, from the first sample that showed them to the
 * last (so a hold seen in one sample measures zero, and the true hold is longer by less than a
 * sampling interval on each side). See {@link #judge} for what fails without a limit.
 */
public record Verdict(boolean passed, List<Finding> findings) {

    public static final String PASSED = "Passed";
    public static final String FAILED = "Failed";

    public Verdict {
        findings = List.copyOf(findings);
    }

    /**
     * Judges evidence against limits. A null limit is not checked. Without any limit, these still
     * fail: a migration step that ended in an error or a migration that did not finish
     * ({@code MigrationFailed}), a validation check that did not hold ({@code CheckFailed}), and a
     * named query that ran before the migration and fails after it ({@code PlanQueryFailed}).
     *
     * <p>A hole in the monitor's samples ({@code largestSampleGap}) fails the rehearsal
     * ({@code EvidenceIncomplete}) only when it is longer than the tightest lock or wait limit:
     * then a lock over that limit could have started and ended between two samples, and a pass
     * would claim what was not observed. A shorter hole cannot hide a violation (a hold over the
     * limit outlasts it and is seen on both sides) and is a note. A monitor that took no sample at
     * all fails whenever a lock or wait limit is set.
     */
    public static Verdict judge(RehearsalEvidence evidence, Limits limits) {
        List<Finding> all = Judge.findings(evidence, limits == null ? Limits.NONE : limits);
        List<Finding> ordered = new ArrayList<>(all.stream().filter(Finding::fails).toList());
        ordered.addAll(all.stream().filter(f -> !f.fails()).toList());
        return new Verdict(ordered.stream().noneMatch(Finding::fails), ordered);
    }

    /** {@code Passed} or {@code Failed}: the condition and the reports say it in these words. */
    public String outcome() {
        return passed ? PASSED : FAILED;
    }

    public List<Finding> failures() {
        return findings.stream().filter(Finding::fails).toList();
    }

    public List<Finding> notes() {
        return findings.stream().filter(f -> !f.fails()).toList();
    }

    /** The reasons it failed, each once, in the order of the findings. */
    public List<String> reasons() {
        return List.copyOf(new LinkedHashSet<>(failures().stream().map(Finding::reason).toList()));
    }

    /** One line for a condition message: the first failure, and how many more there are. */
    public String message() {
        List<Finding> failures = failures();
        if (failures.isEmpty()) {
            return "passed: " + (notes().isEmpty() ? "nothing to note" : Wording.plural(notes().size(), "note", "notes") + " in the report");
        }
        String first = failures.get(0).message();
        return failures.size() == 1 ? first : first + " (and " + Wording.plural(failures.size() - 1, "more finding", "more findings") + ")";
    }
}
