package dev.pgclone.operator.rehearsal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The three files of a rehearsal's report ConfigMap: {@code report.md} for people and pull-request
 * comments, {@code report.json} for machines (schema in docs/rehearsal-report.md) and
 * {@code junit.xml} for CI systems. The same evidence, verdict and entries in all three.
 *
 * <p>Together they fit {@link #MAX_BYTES}: a ConfigMap holds at most 1 MiB, its metadata
 * included. The evidence has no bound (a Job may open thousands of sessions, a plan may be
 * megabytes of JSON), so the report is rendered at the most generous level of detail that fits:
 * texts cut with a visible {@code [truncated]} marker, lists shortened to their most significant
 * entries with "... N more" (report.json: {@code <list>Omitted}).
 */
public record Report(String markdown, String json, String junitXml) {

    public static final String MARKDOWN = "report.md";
    public static final String JSON = "report.json";
    public static final String JUNIT = "junit.xml";
    /** 1 MiB less 64 KiB for the ConfigMap's name, labels, owner reference and annotations. */
    public static final int MAX_BYTES = 1024 * 1024 - 64 * 1024;

    public static Report render(RehearsalEvidence evidence, Limits limits, Verdict verdict) {
        Limits checked = limits == null ? Limits.NONE : limits;
        RehearsalSummary summary = RehearsalSummary.of(evidence, verdict);
        Observations.Index index = new Observations.Index(evidence.steps());
        for (Rendering.Caps caps : Rendering.Caps.LEVELS) {
            try {
                // one file at a time: a level whose first file is already too large is left at once
                String markdown = MarkdownReport.render(new Rendering(evidence, checked, verdict, summary, index, caps));
                if (utf8(markdown) > MAX_BYTES) {
                    continue;
                }
                String json = JsonReport.render(new Rendering(evidence, checked, verdict, summary, index, caps));
                if (utf8(markdown) + utf8(json) > MAX_BYTES) {
                    continue;
                }
                Report report = new Report(markdown, json, JunitReport.render(new Rendering(evidence, checked, verdict, summary, index, caps)));
                if (report.bytes() <= MAX_BYTES) {
                    return report;
                }
            } catch (Rendering.TooLarge tooLarge) {
                // this level's texts alone are over the size: the next level shows less
            }
        }
        // the last level is bounded whatever the evidence (see Caps.LEVELS): not reached
        throw new IllegalStateException("the rehearsal report does not fit " + MAX_BYTES + " bytes even at its shortest");
    }

    /** The ConfigMap's data: file name to content. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put(MARKDOWN, markdown);
        files.put(JSON, json);
        files.put(JUNIT, junitXml);
        return files;
    }

    /** What the three files take in the ConfigMap, as UTF-8. */
    public int bytes() {
        return utf8(markdown) + utf8(json) + utf8(junitXml);
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
