package dev.pgclone.operator.rehearsal;

import static dev.pgclone.operator.rehearsal.Rehearsals.MIB;
import static dev.pgclone.operator.rehearsal.Rehearsals.ordersLimits;
import static dev.pgclone.operator.rehearsal.Rehearsals.phase;
import static dev.pgclone.operator.rehearsal.Rehearsals.risky;
import static dev.pgclone.operator.rehearsal.Rehearsals.table;
import static dev.pgclone.operator.rehearsal.Rehearsals.waiting;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.LockWait;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.QueryReport;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.rehearsal.Rehearsals.Evidence;
import dev.pgclone.operator.rehearsal.Rehearsals.Step;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The three report files as their readers take them: junit.xml through the JDK's XML parser,
 * report.json through Jackson, report.md as Markdown a pull-request comment renders; with hostile
 * text in every field, and with evidence far larger than a ConfigMap holds.
 */
class ReportTest {

    /** SQL as users write it and worse: CDATA's end, markup, entities, quotes, NUL and BEL, CRLF, backticks, a pipe. */
    static final String HOSTILE = "SELECT ']]>' AS \"x\", '<script>alert(1)</script>' & 'a&amp;b' \u0000\u0007 ```sql `tick` | pipe"
            + " </details> <!-- --> \r\nWHERE 1 < 2 -- ]]>";

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Report render(RehearsalEvidence evidence, Limits limits) {
        return Report.render(evidence, limits, Verdict.judge(evidence, limits));
    }

    @Test
    void junitXmlParsesAndCountsOneTestCasePerLimitCheckStepAndPlan() throws Exception {
        RehearsalEvidence evidence = risky().build();
        Report report = render(evidence, ordersLimits());

        Document xml = parse(report.junitXml());
        Element suite = (Element) xml.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("migration-rehearsal shop/add-processed-at");
        List<Element> cases = elements(xml, "testcase");
        // 7 limits, the migration finishing, the monitor's evidence, 3 steps, 1 check, 1 plan
        assertThat(cases).hasSize(14);
        assertThat(suite.getAttribute("tests")).isEqualTo("14");
        long failing = cases.stream().filter(c -> c.getElementsByTagName("failure").getLength() > 0).count();
        assertThat(suite.getAttribute("failures")).isEqualTo(Long.toString(failing));
        assertThat(failing).isEqualTo(4); // two lock limits, the wait limit, statement 3
        Element exclusive = cases.get(0);
        assertThat(exclusive.getAttribute("name")).isEqualTo("longest AccessExclusiveLock at most 1 s");
        Element failure = (Element) exclusive.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("type")).isEqualTo("AccessExclusiveLockTooLong");
        assertThat(failure.getAttribute("message")).isEqualTo(Verdict.judge(evidence, ordersLimits()).failures().get(0).message());
    }

    @Test
    void limitsNotSetAreSkippedTestCases() throws Exception {
        Document xml = parse(render(Rehearsals.safe().build(), Limits.NONE).junitXml());

        List<Element> skipped = elements(xml, "testcase").stream()
                .filter(c -> c.getElementsByTagName("skipped").getLength() > 0).toList();
        assertThat(skipped).hasSize(7).allSatisfy(c -> assertThat(c.getAttribute("name")).endsWith("(no limit set)"));
        assertThat(((Element) xml.getElementsByTagName("testsuite").item(0)).getAttribute("skipped")).isEqualTo("7");
    }

    @Test
    void hostileTextStaysTextInEveryFile() throws Exception {
        Evidence e = new Evidence();
        e.rehearsal = "shop/<b>&\"x\"";
        Step step = new Step(1, HOSTILE, 0, 3).lock(table("public.\"we<ird]]>\"", "AccessExclusiveLock", 0.1, 2.9))
                .failed("XX000", "boom \u0000 <&> ]]>");
        step.script = "key|with`ticks`";
        e.step(step);
        e.check(new CheckResult("<check> & \"name\"", HOSTILE, false, "rows = 0", "1 row \u0001", null));
        e.plan(new PlanComparison("plan|</summary>", HOSTILE, new PlanCapture("Seq Scan\n```\n</details>", 1, 0, 0, "{}", null),
                new PlanCapture("Seq Scan\n```\n</details>", 9, 0, 0, "{\"x\": \"\u0000\"}", null)));
        e.query(new QueryReport("q|</td>", phase(Workload.BASELINE, 1, 1, 1, 1, 1, Map.of()),
                phase(Workload.MIGRATION, 1, 1, 1, 1, 1, Map.of("<&>", 2L)), Duration.ofSeconds(2)));
        RehearsalEvidence evidence = e.build();
        Limits limits = new Limits(Duration.ofSeconds(1), null, Duration.ofSeconds(1), null, null, 2.0, 0L);

        Report report = render(evidence, limits);

        // junit.xml: well-formed, and what the parser reads back is the text, with control characters made visible
        Document xml = parse(report.junitXml());
        assertThat(((Element) xml.getElementsByTagName("testsuite").item(0)).getAttribute("name"))
                .isEqualTo("migration-rehearsal shop/<b>&\"x\"");
        Element stepCase = elements(xml, "testcase").stream()
                .filter(c -> c.getAttribute("classname").endsWith(".steps")).findFirst().orElseThrow();
        assertThat(stepCase.getAttribute("name")).startsWith("statement 1 (key|with`ticks`:1): SELECT ']]>' AS \"x\", '<script>")
                .contains("\\u0000\\u0007");
        String failureText = stepCase.getElementsByTagName("failure").item(0).getTextContent();
        assertThat(failureText).contains("boom \\u0000 <&> ]]>");
        assertThat(report.junitXml()).doesNotContain("\u0000").doesNotContain("\u0007").doesNotContain("\u0001");

        // report.json: parses, and machines get the SQL exactly as it was, NUL and CRLF included
        JsonNode json = JSON.readTree(report.json());
        assertThat(json.at("/steps/0/sql").asText()).isEqualTo(HOSTILE);
        assertThat(json.at("/steps/0/script").asText()).isEqualTo("key|with`ticks`");
        assertThat(json.at("/plans/0/after/planJson").asText()).isEqualTo("{\"x\": \"\u0000\"}");
        assertThat(json.at("/rehearsal").asText()).isEqualTo("shop/<b>&\"x\"");

        // report.md: outside code, no markup of the evidence survives, and no control character at all
        String md = report.markdown();
        assertThat(md.chars().filter(c -> c < 0x20 && c != '\n')).as("control characters in report.md").isEmpty();
        List<String> markup = markupOutsideCode(md);
        assertThat(markup).containsOnly("<details>", "<summary>", "</summary>", "</details>");
        // ours only: the statements' SQL and the plan's shapes
        assertThat(markup.stream().filter("<details>"::equals)).hasSize(2);
        assertThat(markup.stream().filter("</details>"::equals)).hasSize(2);
        assertThat(md).contains("\\u0000\\u0007");
    }

    @Test
    void aFenceInTheTextCannotCloseTheBlockItIsIn() {
        Evidence e = new Evidence().step(new Step(1, "SELECT 1;\n```\n# not a heading\n````", 0, 1));

        String md = render(e.build(), Limits.NONE).markdown();

        assertThat(md).contains("`````sql\n-- statement 1 (inline:1)\nSELECT 1;\n```\n# not a heading\n````\n`````\n");
    }

    @Test
    void evidenceFarLargerThanAConfigMapIsCutToFitWithVisibleMarkers() throws Exception {
        Evidence e = huge();
        RehearsalEvidence evidence = e.build();
        Limits limits = ordersLimits();

        Report report = render(evidence, limits);

        assertThat(report.bytes()).isLessThanOrEqualTo(Report.MAX_BYTES);
        assertThat(report.markdown()).contains(Text.TRUNCATED).contains("more steps not listed here")
                .contains("statement 500 (inline:500)");
        JsonNode json = JSON.readTree(report.json());
        assertThat(json.get("truncated").asBoolean()).isTrue();
        int listed = json.get("steps").size();
        assertThat(listed).isPositive();
        assertThat(json.get("stepsOmitted").asInt()).isEqualTo(HUGE_STEPS - listed);
        List<Integer> numbers = new ArrayList<>();
        json.get("steps").forEach(s -> numbers.add(s.get("number").asInt()));
        assertThat(numbers).as("the failing step is among the ones listed, in order").contains(500).isSorted();
        assertThat(json.get("findingsOmitted").asInt()).isPositive();
        assertThat(json.at("/steps/0/sql").asText()).endsWith(" " + Text.TRUNCATED);
        Document xml = parse(report.junitXml());
        assertThat(elements(xml, "testcase")).anySatisfy(c ->
                assertThat(c.getAttribute("name")).isEqualTo("... " + (HUGE_STEPS - listed) + " more steps (listed in the report only by count)"));
    }

    @Test
    void evenTheWorstTextAtTheShortestLevelFits() throws Exception {
        // every text far over every cap and made of the characters that escape to the most bytes, every list long
        // (one string shared by all fields: the test is about the report's size, not the heap's)
        String worst = "\"<&\u0001".repeat(1_250);
        Evidence e = new Evidence();
        e.rehearsal = worst;
        e.clone = worst;
        e.migrationError = worst;
        // 50 steps of 20 entries each: more than the second shortest level's 15, so only the shortest fits
        for (int n = 1; n <= 50; n++) {
            Step step = new Step(n, worst, n, 1).failed(worst, worst);
            step.script = worst;
            for (int i = 0; i < 20; i++) {
                step.lock(table(worst, "AccessExclusiveLock", n, n + 5));
                step.waited(new LockWait(9000 + i, worst, worst, worst, worst, worst, Rehearsals.MIGRATION_PID,
                        Rehearsals.at(n), Rehearsals.at(n + 4)));
                step.rewrote(worst, worst, 5000 * MIB, 5000 * MIB);
            }
            e.step(step);
            e.check(new CheckResult(worst, worst, false, worst, worst, worst));
            e.plan(new PlanComparison(worst, worst, new PlanCapture(worst, 1, 0, 0, worst, null),
                    new PlanCapture(worst, 0, 0, 0, worst, worst)));
            e.query(new QueryReport(worst, phase(Workload.BASELINE, 1, 1, 1, 1, 1, Map.of(worst, 1L)),
                    phase(Workload.MIGRATION, 1, 1, 1, 1, 1, Map.of(worst, 2L, worst + "x", 3L)), Duration.ofSeconds(9)));
        }

        Report report = render(e.build(), ordersLimits());

        assertThat(report.bytes()).isLessThanOrEqualTo(Report.MAX_BYTES);
        parse(report.junitXml());
        JsonNode json = JSON.readTree(report.json());
        assertThat(json.get("truncated").asBoolean()).isTrue();
        assertThat(json.get("steps")).as("the shortest level's lists").hasSize(Rendering.Caps.LEVELS.get(Rendering.Caps.LEVELS.size() - 1).items());
    }

    @Test
    void theSameEvidenceRendersTheSameBytesWhateverTheDefaultLocale() {
        RehearsalEvidence evidence = risky().build();
        Report root = render(evidence, ordersLimits());
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(render(evidence, ordersLimits())).isEqualTo(root);
        } finally {
            Locale.setDefault(before);
        }
        assertThat(root.markdown()).contains("41.2 s");
    }

    @Test
    void theFilesAreTheConfigMapsKeys() {
        Report report = render(risky().build(), ordersLimits());

        assertThat(report.files()).containsOnlyKeys("report.md", "report.json", "junit.xml");
        assertThat(report.bytes()).isEqualTo(report.files().values().stream()
                .mapToInt(v -> v.getBytes(StandardCharsets.UTF_8).length).sum());
    }

    private static final int HUGE_STEPS = 1000;

    /**
     * 1,000 statements of 2,000 characters, each with a ShareLock (a note each), 20 waits and 5
     * rewrites; statement 500 holds an AccessExclusiveLock for 41 s; hundreds of queries, checks
     * and plans with 50 KB of JSON each: about 12 MB of text before any escaping.
     */
    private static Evidence huge() {
        String sql = "UPDATE orders SET note = 'x' WHERE id = 1; ".repeat(50).substring(0, 2000);
        String planJson = "[{\"Plan\": {\"Node Type\": \"Seq Scan\"}}]".repeat(1500);
        Evidence e = new Evidence();
        for (int n = 1; n <= HUGE_STEPS; n++) {
            Step step = new Step(n, sql, n, 0.5).lock(table("public.orders", "ShareLock", n, n + 0.2));
            for (int i = 0; i < 20; i++) {
                step.waited(waiting(10_000 + i, "recent-orders", "public.orders", "RowExclusiveLock", n + 0.01, n + 0.1));
            }
            for (int i = 0; i < 5; i++) {
                step.rewrote("public.part_" + n + "_" + i, "r", MIB, MIB);
            }
            e.step(step);
        }
        e.steps.get(499).lock(table("public.orders", "AccessExclusiveLock", 500.1, 541.1));
        IntStream.range(0, 300).forEach(i -> e.query(Rehearsals.calmQuery("query-" + i)));
        IntStream.range(0, 500).forEach(i -> e.check(Rehearsals.passedCheck("check-" + i)));
        IntStream.range(0, 100).forEach(i -> e.plan(new PlanComparison("plan-" + i, sql,
                new PlanCapture("Seq Scan\n".repeat(500), 1, 0, 0, planJson, null),
                new PlanCapture("Seq Scan\n".repeat(500), 1.1, 0, 0, planJson, null))));
        return e;
    }

    /** HTML tags in Markdown text outside fenced blocks and code spans: what GitHub would render as markup. */
    static List<String> markupOutsideCode(String md) {
        StringBuilder outside = new StringBuilder();
        String fence = null;
        for (String line : md.split("\n", -1)) {
            Matcher open = Pattern.compile("^(`{3,})").matcher(line);
            if (fence == null && open.find()) {
                fence = open.group(1);
            } else if (fence != null && line.equals(fence)) {
                fence = null;
            } else if (fence == null) {
                outside.append(line.replaceAll("(`+)(?!`).*?(?<!`)\\1(?!`)", "")).append('\n');
            }
        }
        List<String> tags = new ArrayList<>();
        Matcher tag = Pattern.compile("</?[A-Za-z!][^>\\s]*>?").matcher(outside);
        while (tag.find()) {
            tags.add(tag.group());
        }
        return tags;
    }

    @Test
    void theMarkupCheckFindsRawTags() {
        assertThat(markupOutsideCode("a <script> b `<code>` c\n```\n<pre>\n```\n<details>\n"))
                .containsExactly("<script>", "<details>");
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> elements(Document xml, String tag) {
        NodeList nodes = xml.getElementsByTagName(tag);
        return IntStream.range(0, nodes.getLength()).mapToObj(i -> (Element) nodes.item(i)).toList();
    }
}
