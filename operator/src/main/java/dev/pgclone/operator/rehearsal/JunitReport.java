package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.rehearsal.Rendering.Listing;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * junit.xml: the rehearsal as a test report that CI systems (GitLab, Jenkins, GitHub actions that
 * publish JUnit) show next to the pipeline's own tests. One testsuite {@code migration-rehearsal
 * <namespace>/<name>}; a test case per limit (skipped when the limit is not set), for the
 * migration finishing, for the monitor's evidence, per step, per check and per EXPLAIN query, each
 * failing with the findings about it. Notes go to the suite's {@code system-out}.
 *
 * <p>Written by hand rather than through a StAX writer: XML 1.0 cannot hold most control
 * characters at all, escaped or not, and the writers pass them through into a file no parser
 * reads. Here they become visible text (a backslash, u and four hex digits), and everything else
 * is escaped.
 */
final class JunitReport {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final String SUITE = "migration-rehearsal";

    private record Case(String classname, String name, Duration time, String skipped, List<Finding> failures, String failureText) {}

    private final Rendering r;
    private final List<Case> cases = new ArrayList<>();

    private JunitReport(Rendering r) {
        this.r = r;
    }

    static String render(Rendering r) {
        JunitReport report = new JunitReport(r);
        report.limits();
        report.outcome();
        report.steps();
        report.checks();
        report.plans();
        return report.xml();
    }

    private void limits() {
        Limits l = r.limits;
        limit("longest AccessExclusiveLock", l.maxAccessExclusiveLock() == null ? null : Wording.seconds(l.maxAccessExclusiveLock()),
                Finding.ACCESS_EXCLUSIVE_LOCK_TOO_LONG);
        limit("longest lock that blocks writes", l.maxWriteBlockingLock() == null ? null : Wording.seconds(l.maxWriteBlockingLock()),
                Finding.WRITE_BLOCKING_LOCK_TOO_LONG);
        limit("longest lock wait of a workload query", l.maxWorkloadLockWait() == null ? null : Wording.seconds(l.maxWorkloadLockWait()),
                Finding.WORKLOAD_WAITED_TOO_LONG);
        limit("migration duration", l.maxDuration() == null ? null : Wording.seconds(l.maxDuration()), Finding.MIGRATION_TOO_LONG);
        limit("largest relation rewritten", l.maxRewriteBytes() == null ? null : Wording.bytes(l.maxRewriteBytes()),
                Finding.LARGE_TABLE_REWRITTEN);
        limit("slowdown of an EXPLAIN query", l.maxPlanSlowdown() == null ? null : Wording.ratio(l.maxPlanSlowdown()),
                Finding.PLAN_SLOWED_DOWN);
        limit("workload errors during the migration", l.maxWorkloadErrors() == null ? null : l.maxWorkloadErrors().toString(),
                Finding.WORKLOAD_ERRORS);
    }

    private void limit(String what, String atMost, String reason) {
        if (atMost == null) {
            cases.add(new Case(SUITE + ".limits", what + " (no limit set)", Duration.ZERO, "no limit set", List.of(), null));
            return;
        }
        cases.add(new Case(SUITE + ".limits", what + " at most " + atMost, Duration.ZERO, null, of(reason), null));
    }

    private void outcome() {
        cases.add(new Case(SUITE + ".migration", "the migration finishes without an error",
                r.evidence.duration() == null ? Duration.ZERO : r.evidence.duration(), null, of(Finding.MIGRATION_FAILED), null));
        cases.add(new Case(SUITE + ".migration", "the lock monitor observed the whole migration", Duration.ZERO, null,
                of(Finding.EVIDENCE_INCOMPLETE), null));
    }

    private void steps() {
        Listing<StepEvidence> steps = r.steps();
        for (StepEvidence s : steps.shown()) {
            String sql = s.sql() == null ? "" : ": " + Text.firstLine(s.sql());
            cases.add(new Case(SUITE + ".steps", r.cell(r.step(s) + sql), s.duration() == null ? Duration.ZERO : s.duration(),
                    null, r.failures(s), null));
        }
        if (steps.omitted() > 0) {
            Set<Integer> shown = steps.shown().stream().map(StepEvidence::number).collect(Collectors.toSet());
            List<StepEvidence> rest = r.evidence.steps().stream().filter(s -> !shown.contains(s.number())).toList();
            omitted("steps", steps.omitted(), rest, r::failures, r::step);
        }
    }

    private void checks() {
        Listing<CheckResult> checks = r.checks();
        for (CheckResult c : checks.shown()) {
            cases.add(new Case(SUITE + ".checks", "check " + r.cell(c.name()), Duration.ZERO, null,
                    r.failures(c.name(), Finding.CHECK_FAILED), null));
        }
        if (checks.omitted() > 0) {
            List<CheckResult> rest = r.evidence.checks().stream().filter(c -> !checks.shown().contains(c)).toList();
            omitted("checks", checks.omitted(), rest, c -> r.failures(c.name(), Finding.CHECK_FAILED), CheckResult::name);
        }
    }

    private void plans() {
        Listing<PlanComparison> plans = r.plans();
        for (PlanComparison p : plans.shown()) {
            cases.add(new Case(SUITE + ".plans", "plan " + r.cell(p.name()), Duration.ZERO, null,
                    r.failures(p.name(), Finding.PLAN_SLOWED_DOWN, Finding.PLAN_QUERY_FAILED), null));
        }
        if (plans.omitted() > 0) {
            List<PlanComparison> rest = r.evidence.plans().stream().filter(p -> !plans.shown().contains(p)).toList();
            omitted("plans", plans.omitted(), rest,
                    p -> r.failures(p.name(), Finding.PLAN_SLOWED_DOWN, Finding.PLAN_QUERY_FAILED), PlanComparison::name);
        }
    }

    /** The entries a shortened list leaves out, as one test case that fails when any of them failed. */
    private <T> void omitted(String what, int count, List<T> rest, Function<T, List<Finding>> failuresOf, Function<T, String> name) {
        List<String> failed = rest.stream().filter(t -> !failuresOf.apply(t).isEmpty()).map(name).toList();
        List<Finding> failures = rest.stream().flatMap(t -> failuresOf.apply(t).stream()).toList();
        String text = failed.isEmpty() ? null : Wording.plural(failed.size(), "of them failed", "of them failed") + ", among them "
                + r.text(String.join(", ", failed.subList(0, Math.min(3, failed.size()))));
        cases.add(new Case(SUITE + "." + what, "... " + count + " more " + what + " (listed in the report only by count)",
                Duration.ZERO, null, failures, text));
    }

    private List<Finding> of(String reason) {
        return r.verdict.failures().stream().filter(f -> f.reason().equals(reason)).toList();
    }

    private String xml() {
        String name = SUITE + " " + r.text(r.evidence.rehearsal());
        long failures = cases.stream().filter(c -> !c.failures().isEmpty()).count();
        long skipped = cases.stream().filter(c -> c.skipped() != null).count();
        String time = seconds(r.evidence.duration() == null ? Duration.ZERO : r.evidence.duration());
        String counts = " tests=\"" + cases.size() + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\"" + skipped
                + "\" time=\"" + time + "\"";
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<testsuites name=\"").append(attr(name)).append('"').append(counts).append(">\n");
        x.append("  <testsuite name=\"").append(attr(name)).append('"').append(counts);
        if (r.evidence.started() != null) {
            x.append(" timestamp=\"").append(TIMESTAMP.format(r.evidence.started())).append('"');
        }
        x.append(">\n");
        x.append("    <properties>\n");
        property(x, "verdict", r.verdict.outcome());
        property(x, "reasons", String.join(",", r.verdict.reasons()));
        property(x, "clone", r.text(r.evidence.cloneName()));
        property(x, "dataAsOf", r.evidence.dataAsOf() == null ? "" : r.evidence.dataAsOf().toString());
        property(x, "path", r.text(r.evidence.path()));
        x.append("    </properties>\n");
        for (Case c : cases) {
            x.append("    <testcase classname=\"").append(attr(c.classname())).append("\" name=\"").append(attr(c.name()))
                    .append("\" time=\"").append(seconds(c.time())).append('"');
            if (c.skipped() == null && c.failures().isEmpty()) {
                x.append("/>\n");
                continue;
            }
            x.append(">\n");
            if (c.skipped() != null) {
                x.append("      <skipped message=\"").append(attr(c.skipped())).append("\"/>\n");
            } else {
                failure(x, c);
            }
            x.append("    </testcase>\n");
        }
        Listing<Finding> notes = r.first(r.verdict.notes());
        if (!notes.shown().isEmpty()) {
            x.append("    <system-out>");
            for (Finding note : notes.shown()) {
                x.append(content(note.reason() + ": " + r.text(note.message()))).append('\n');
            }
            if (notes.omitted() > 0) {
                x.append("... ").append(notes.omitted()).append(" more notes in report.md\n");
            }
            x.append("</system-out>\n");
        }
        x.append("  </testsuite>\n");
        x.append("</testsuites>\n");
        return x.toString();
    }

    private void failure(StringBuilder x, Case c) {
        Listing<Finding> listed = r.first(c.failures());
        Finding first = c.failures().get(0);
        String message = c.failureText() != null ? c.failureText()
                : r.text(first.message()) + (c.failures().size() > 1 ? " (and " + (c.failures().size() - 1) + " more)" : "");
        x.append("      <failure type=\"").append(attr(first.reason())).append("\" message=\"").append(attr(message)).append("\">");
        for (Finding f : listed.shown()) {
            x.append(content(f.reason() + ": " + r.text(f.message()))).append('\n');
        }
        if (listed.omitted() > 0) {
            x.append("... ").append(listed.omitted()).append(" more\n");
        }
        x.append("</failure>\n");
    }

    private static void property(StringBuilder x, String name, String value) {
        x.append("      <property name=\"").append(attr(name)).append("\" value=\"").append(attr(value == null ? "" : value))
                .append("\"/>\n");
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /** Element content: markup characters escaped, characters XML 1.0 cannot hold made visible. */
    static String content(String s) {
        return escape(s, false);
    }

    /**
     * An attribute value: also quotes, and line ends and tabs as character references (a parser
     * turns raw ones into spaces).
     */
    static String attr(String s) {
        return escape(s, true);
    }

    private static String escape(String s, boolean attribute) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append(attribute ? "&quot;" : "\"");
                case '\'' -> out.append(attribute ? "&apos;" : "'");
                case '\r' -> out.append("&#13;");
                case '\n' -> out.append(attribute ? "&#10;" : "\n");
                case '\t' -> out.append(attribute ? "&#9;" : "\t");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        out.append('\uFFFD');
                    } else if (Character.isISOControl(c) || c == '\uFFFE' || c == '\uFFFF') {
                        Text.escaped(out, c);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
