package dev.pgclone.operator.rehearsal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockHold;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryPhaseStats;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.WorkloadResult;
import dev.pgclone.operator.postgres.rehearsal.StepEvidence;
import dev.pgclone.operator.postgres.rehearsal.TableRewrite;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.rehearsal.Rendering.Listing;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * report.json: the rehearsal for machines, in the schema docs/rehearsal-report.md describes.
 * Units are in the field names ({@code Seconds}, {@code Ms}, {@code Bytes}); a value that was not
 * measured is null, never NaN (which JSON cannot hold); a list that was shortened has a sibling
 * {@code <list>Omitted} count, and a text that was cut ends with {@code [truncated]}.
 */
final class JsonReport {

    /** Raised when a field is added, renamed, removed or changes its meaning or unit. */
    static final int SCHEMA_VERSION = 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Two-space indent and "\n" on every platform, so the file is the same wherever it is rendered. */
    private static final ObjectWriter WRITER = new ObjectMapper().writer(new DefaultPrettyPrinter(
                    Separators.createDefaultInstance()
                            .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                            .withObjectEmptySeparator("")
                            .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private final Rendering r;

    private JsonReport(Rendering r) {
        this.r = r;
    }

    static String render(Rendering r) {
        try {
            return WRITER.writeValueAsString(new JsonReport(r).report()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree built in memory could not be written", e);
        }
    }

    private ObjectNode report() {
        RehearsalEvidence e = r.evidence;
        ObjectNode root = NODES.objectNode();
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("rehearsal", r.text(e.rehearsal()));
        root.put("clone", r.text(e.cloneName()));
        root.put("dataAsOf", time(e.dataAsOf()));
        root.put("path", r.text(e.path()));
        root.put("verdict", r.verdict.outcome());
        root.put("passed", r.verdict.passed());
        root.put("started", time(e.started()));
        root.put("durationSeconds", Wording.secondsValue(e.duration()));
        root.put("migrationError", r.text(e.migrationError()));
        // filled in last, when every cut is known; here so that it comes first in the file
        root.put("truncated", false);
        root.set("limits", limits());
        root.set("summary", summary());
        Listing<Finding> findings = r.first(r.verdict.findings());
        ArrayNode findingNodes = root.putArray("findings");
        findings.shown().forEach(f -> findingNodes.add(finding(f)));
        root.put("findingsOmitted", findings.omitted());
        Listing<StepEvidence> steps = r.steps();
        ArrayNode stepNodes = root.putArray("steps");
        steps.shown().forEach(s -> stepNodes.add(step(s)));
        root.put("stepsOmitted", steps.omitted());
        root.set("workload", workload());
        Listing<CheckResult> checks = r.checks();
        ArrayNode checkNodes = root.putArray("checks");
        checks.shown().forEach(c -> checkNodes.add(check(c)));
        root.put("checksOmitted", checks.omitted());
        Listing<PlanComparison> plans = r.plans();
        ArrayNode planNodes = root.putArray("plans");
        plans.shown().forEach(p -> planNodes.add(plan(p)));
        root.put("plansOmitted", plans.omitted());
        ObjectNode sampling = root.putObject("sampling");
        sampling.put("samples", e.samples());
        sampling.put("intervalSeconds", Wording.secondsValue(e.samplingInterval()));
        sampling.put("largestGapSeconds", Wording.secondsValue(e.largestSampleGap()));
        root.put("truncated", r.cuts.any());
        return root;
    }

    private ObjectNode limits() {
        Limits l = r.limits;
        ObjectNode node = NODES.objectNode();
        node.put("maxAccessExclusiveLockSeconds", Wording.secondsValue(l.maxAccessExclusiveLock()));
        node.put("maxWriteBlockingLockSeconds", Wording.secondsValue(l.maxWriteBlockingLock()));
        node.put("maxWorkloadLockWaitSeconds", Wording.secondsValue(l.maxWorkloadLockWait()));
        node.put("maxDurationSeconds", Wording.secondsValue(l.maxDuration()));
        node.put("maxRewriteBytes", l.maxRewriteBytes());
        node.put("maxPlanSlowdown", number(l.maxPlanSlowdown()));
        node.put("maxWorkloadErrors", l.maxWorkloadErrors());
        return node;
    }

    private ObjectNode summary() {
        RehearsalSummary s = r.summary;
        ObjectNode node = NODES.objectNode();
        node.put("verdict", s.verdict());
        ArrayNode reasons = node.putArray("reasons");
        s.reasons().forEach(reasons::add);
        node.put("steps", s.steps());
        node.put("durationSeconds", s.durationSeconds());
        node.set("longestAccessExclusiveLock", lock(s.longestAccessExclusiveLock()));
        node.set("longestWriteBlockingLock", lock(s.longestWriteBlockingLock()));
        if (s.longestWorkloadWait() == null) {
            node.putNull("longestWorkloadWait");
        } else {
            ObjectNode wait = node.putObject("longestWorkloadWait");
            wait.put("query", r.text(s.longestWorkloadWait().query()));
            wait.put("seconds", s.longestWorkloadWait().seconds());
        }
        node.put("rewrites", s.rewrites());
        node.put("failedChecks", s.failedChecks());
        if (s.worstPlanSlowdown() == null) {
            node.putNull("worstPlanSlowdown");
        } else {
            ObjectNode plan = node.putObject("worstPlanSlowdown");
            plan.put("name", r.text(s.worstPlanSlowdown().name()));
            plan.put("ratio", s.worstPlanSlowdown().ratio());
        }
        return node;
    }

    private ObjectNode lock(RehearsalSummary.Lock lock) {
        if (lock == null) {
            return null;
        }
        ObjectNode node = NODES.objectNode();
        node.put("relation", r.text(lock.relation()));
        node.put("mode", r.text(lock.mode()));
        node.put("seconds", lock.seconds());
        node.put("step", lock.step());
        return node;
    }

    private ObjectNode finding(Finding f) {
        ObjectNode node = NODES.objectNode();
        node.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
        node.put("reason", f.reason());
        node.put("message", r.text(f.message()));
        node.put("step", f.step());
        node.put("subject", r.text(f.subject()));
        node.put("value", number(f.value()));
        node.put("limit", number(f.limit()));
        return node;
    }

    private ObjectNode step(StepEvidence s) {
        ObjectNode node = NODES.objectNode();
        node.put("number", s.number());
        node.put("script", r.text(s.script()));
        node.put("line", s.line());
        node.put("sql", r.sql(s.sql()));
        node.put("pid", s.pid());
        node.put("started", time(s.started()));
        node.put("durationSeconds", Wording.secondsValue(s.duration()));
        node.put("walBytes", s.walBytes());
        node.put("sqlState", r.text(s.sqlState()));
        node.put("error", r.text(s.error()));
        Listing<LockHold> locks = r.locks(s.locks());
        ArrayNode lockNodes = node.putArray("locks");
        for (LockHold h : locks.shown()) {
            ObjectNode lock = lockNodes.addObject();
            lock.put("relation", r.text(h.relation()));
            lock.put("kind", r.text(h.kind()));
            lock.put("mode", r.text(h.mode()));
            lock.put("pid", h.pid());
            lock.put("firstSeen", time(h.firstSeen()));
            lock.put("lastSeen", time(h.lastSeen()));
            lock.put("heldSeconds", Wording.secondsValue(h.held()));
            lock.put("blocksReads", h.blocksReads());
            lock.put("blocksWrites", h.blocksWrites());
        }
        node.put("locksOmitted", locks.omitted());
        Listing<LockWait> waits = r.waits(s.blocked());
        ArrayNode waitNodes = node.putArray("waits");
        for (LockWait w : waits.shown()) {
            ObjectNode wait = waitNodes.addObject();
            wait.put("waiterPid", w.waiterPid());
            wait.put("application", r.text(w.waiterApplication()));
            wait.put("workloadQuery", r.text(Workload.queryOf(w.waiterApplication())));
            wait.put("query", r.text(w.waiterQuery()));
            wait.put("lockType", r.text(w.lockType()));
            wait.put("relation", r.text(w.relation()));
            wait.put("mode", r.text(w.mode()));
            wait.put("blockerPid", w.blockerPid());
            wait.put("firstSeen", time(w.firstSeen()));
            wait.put("lastSeen", time(w.lastSeen()));
            wait.put("waitedSeconds", Wording.secondsValue(w.waited()));
        }
        node.put("waitsOmitted", waits.omitted());
        Listing<TableRewrite> rewrites = r.rewrites(s.rewrites());
        ArrayNode rewriteNodes = node.putArray("rewrites");
        for (TableRewrite t : rewrites.shown()) {
            ObjectNode rewrite = rewriteNodes.addObject();
            rewrite.put("relation", r.text(t.relation()));
            rewrite.put("kind", r.text(t.kind()));
            rewrite.put("bytesBefore", t.bytesBefore());
            rewrite.put("bytesAfter", t.bytesAfter());
        }
        node.put("rewritesOmitted", rewrites.omitted());
        return node;
    }

    private ObjectNode workload() {
        ObjectNode node = NODES.objectNode();
        node.put("baselineSeconds", Wording.secondsValue(r.evidence.baseline()));
        Listing<QueryReport> queries = r.queries();
        ArrayNode queryNodes = node.putArray("queries");
        for (QueryReport q : queries.shown()) {
            ObjectNode query = queryNodes.addObject();
            query.put("name", r.text(q.name()));
            query.put("longestLockWaitSeconds", Wording.secondsValue(Observations.longestWait(q)));
            query.set("baseline", phase(q.baseline(), q.baselinePacing()));
            query.set("migration", phase(q.migration(), q.migrationPacing()));
        }
        node.put("queriesOmitted", queries.omitted());
        return node;
    }

    private ObjectNode phase(QueryPhaseStats stats, WorkloadResult.Pacing pacing) {
        if (stats == null) {
            return null;
        }
        ObjectNode node = NODES.objectNode();
        node.put("executed", stats.executed());
        node.put("errors", stats.errors());
        ObjectNode states = node.putObject("errorsBySqlState");
        Listing<Map.Entry<String, Long>> listed = r.first(List.copyOf(new TreeMap<>(stats.errorsBySqlState()).entrySet()));
        listed.shown().forEach(e -> states.put(r.text(e.getKey()), e.getValue()));
        node.put("errorsBySqlStateOmitted", listed.omitted());
        node.put("p50Ms", number(stats.p50Ms()));
        node.put("p95Ms", number(stats.p95Ms()));
        node.put("p99Ms", number(stats.p99Ms()));
        node.put("maxMs", number(stats.maxMs()));
        node.put("late", pacing.late());
        node.put("skipped", pacing.skipped());
        node.put("reconnects", pacing.reconnects());
        node.put("maxLagMs", number(pacing.maxLagMs()));
        return node;
    }

    private ObjectNode check(CheckResult c) {
        ObjectNode node = NODES.objectNode();
        node.put("name", r.text(c.name()));
        node.put("sql", r.sql(c.sql()));
        node.put("passed", c.passed());
        node.put("expected", r.text(c.expected()));
        node.put("actual", r.text(c.actual()));
        node.put("error", r.text(c.error()));
        return node;
    }

    private ObjectNode plan(PlanComparison p) {
        ObjectNode node = NODES.objectNode();
        node.put("name", r.text(p.name()));
        node.put("sql", r.sql(p.sql()));
        node.put("shapeChanged", p.shapeChanged());
        node.put("slowdown", number(p.slowdown()));
        node.set("before", capture(p.before()));
        node.set("after", capture(p.after()));
        return node;
    }

    private ObjectNode capture(PlanCapture c) {
        ObjectNode node = NODES.objectNode();
        node.put("shape", r.sql(c.shape()));
        node.put("executionMs", c.error() != null ? null : number(c.executionMs()));
        node.put("sharedBuffersHit", c.sharedBuffersHit());
        node.put("sharedBuffersRead", c.sharedBuffersRead());
        node.put("error", r.text(c.error()));
        node.put("planJson", r.planJson(c.planJson()));
        return node;
    }

    private static Double number(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }

    private static Double number(double value) {
        return number(Double.valueOf(value));
    }

    private static String time(Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
