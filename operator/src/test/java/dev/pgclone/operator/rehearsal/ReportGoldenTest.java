package dev.pgclone.operator.rehearsal;

import static dev.pgclone.operator.rehearsal.Rehearsals.MIB;
import static dev.pgclone.operator.rehearsal.Rehearsals.ordersLimits;
import static dev.pgclone.operator.rehearsal.Rehearsals.phase;
import static dev.pgclone.operator.rehearsal.Rehearsals.plan;
import static dev.pgclone.operator.rehearsal.Rehearsals.query;
import static dev.pgclone.operator.rehearsal.Rehearsals.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.pgclone.operator.postgres.rehearsal.CheckResult;
import dev.pgclone.operator.postgres.rehearsal.PlanCapture;
import dev.pgclone.operator.postgres.rehearsal.PlanComparison;
import dev.pgclone.operator.postgres.rehearsal.Workload;
import dev.pgclone.operator.rehearsal.Rehearsals.Evidence;
import dev.pgclone.operator.rehearsal.Rehearsals.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files of the rehearsal report: for each case below, the three files of its ConfigMap
 * ({@code report.md}, {@code report.json}, {@code junit.xml}) as reviewed text under
 * {@code src/test/resources/golden-rehearsal/<case>/}. A change to the verdict's wording, to a
 * report's layout or to report.json's schema shows up here as a diff.
 *
 * <p>The evidence of each case is written in Java ({@link Rehearsals}): records with Durations
 * and Instants read better there than in a fixture file. Files are compared as text, byte for
 * byte: the files are what users read and machines parse. A case fails on a missing expected
 * file, on a file in its directory that the report does not produce, and a directory without a
 * case fails too (a stale fixture would otherwise pass forever, testing nothing).
 *
 * <p>To regenerate after an intended change, from the repository root:
 * <pre>./mvnw -o test -pl operator -Dtest=ReportGoldenTest -Dgolden.update=true</pre>
 * then review {@code git diff operator/src/test/resources/golden-rehearsal}.
 */
class ReportGoldenTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden-rehearsal");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private record Case(RehearsalEvidence evidence, Limits limits) {}

    private static final Map<String, Supplier<Case>> CASES = cases();

    private static Map<String, Supplier<Case>> cases() {
        Map<String, Supplier<Case>> cases = new LinkedHashMap<>();
        cases.put("risky-migration", () -> new Case(risky().build(), ordersLimits()));
        cases.put("safe-migration", () -> new Case(Rehearsals.safe().build(), ordersLimits()));
        cases.put("job-failure", () -> new Case(jobFailure().build(), ordersLimits()));
        return cases;
    }

    /** The risky migration, with the workload's lock timeouts and a plan that changed shape. */
    private static Evidence risky() {
        Evidence e = Rehearsals.risky();
        e.workload.set(1, query("mark-shipped", phase(Workload.MIGRATION, 1200, 2.1, 3.9, 2_104.0, 2_150.0,
                Map.of("55P03", 4L)), 2.1));
        e.plans.add(plan("orders-by-status", 3.1, Rehearsals.INDEX_SCAN, 3.3, Rehearsals.SEQ_SCAN));
        return e;
    }

    /**
     * A team's own tool in a Job: a session rewrote a large table, another failed; a check failed,
     * a named query broke, the monitor missed samples; and names and SQL with the characters
     * Markdown and XML treat specially.
     */
    private static Evidence jobFailure() {
        Evidence e = new Evidence();
        e.rehearsal = "shop/v42_migrate";
        e.clone = "v42-migrate-clone";
        e.path = "job";
        Step rewrite = new Step(1, "ALTER TABLE line_items ALTER COLUMN price TYPE numeric(12,2) USING price::numeric", 0, 14.2)
                .lock(table("public.line_items", "AccessExclusiveLock", 0.1, 14.1))
                .lock(Rehearsals.hold("public.line_items_pkey", "i", "AccessExclusiveLock", 0.1, 14.1))
                .rewrote("public.line_items", "r", 2_300 * MIB, 2_410 * MIB)
                .rewrote("public.line_items_pkey", "i", 210 * MIB, 190 * MIB)
                .wal(2_600 * MIB);
        rewrite.script = "flyway";
        rewrite.line = 0;
        Step failed = new Step(2, "INSERT INTO audit(note) VALUES ('a | b `c` <d> & e')", 14.3, 0.02)
                .failed("23514", "new row for relation \"audit\" violates check constraint \"note_len\"");
        failed.script = "flyway";
        failed.line = 0;
        e.step(rewrite).step(failed);
        e.migrationError = "the Job v42-migrate failed: BackoffLimitExceeded (exit code 1)";
        e.gap = Duration.ofMillis(600);
        e.check(new CheckResult("prices_are_positive", "SELECT count(*) FROM line_items WHERE price <= 0", false,
                "value = 0", "17", null));
        PlanCapture before = Rehearsals.capture(Rehearsals.INDEX_SCAN, 0.8);
        e.plan(new PlanComparison("items-of-order", "SELECT * FROM line_items WHERE order_id = $1", before,
                new PlanCapture(null, 0, 0, 0, null, "42883 operator does not exist: numeric = text")));
        return e;
    }

    @TestFactory
    Stream<DynamicNode> reportsMatchTheGoldenFiles() throws IOException {
        assertThat(GOLDEN).as("golden directory (tests must run with the operator module as working directory)").isDirectory();
        List<DynamicNode> nodes = new ArrayList<>();
        CASES.forEach((name, input) -> nodes.add(goldenCase(name, input)));
        nodes.add(DynamicTest.dynamicTest("no directory without a case", () -> {
            Set<String> dirs = new TreeSet<>();
            try (Stream<Path> list = Files.list(GOLDEN)) {
                list.map(p -> p.getFileName().toString()).forEach(dirs::add);
            }
            dirs.removeAll(CASES.keySet());
            assertThat(dirs).as("directories in %s with no case in %s", GOLDEN, ReportGoldenTest.class.getSimpleName()).isEmpty();
        }));
        return nodes.stream();
    }

    private static DynamicNode goldenCase(String name, Supplier<Case> input) {
        Path dir = GOLDEN.resolve(name);
        Map<String, String> produced;
        try {
            Case c = input.get();
            produced = Report.render(c.evidence(), c.limits(), Verdict.judge(c.evidence(), c.limits())).files();
        } catch (RuntimeException | AssertionError e) {
            return DynamicTest.dynamicTest(name, () -> { throw e; });
        }
        List<DynamicNode> checks = new ArrayList<>();
        produced.forEach((file, text) -> checks.add(DynamicTest.dynamicTest(file, () -> compareOrUpdate(dir.resolve(file), text))));
        checks.add(DynamicTest.dynamicTest("no unused fixtures", () -> {
            List<String> unused = unusedFixtures(dir, produced.keySet());
            if (UPDATE) {
                for (String file : unused) {
                    Files.delete(dir.resolve(file));
                }
            } else {
                assertThat(unused).as("files in %s that the report does not produce: delete them, or run with -Dgolden.update=true", dir)
                        .isEmpty();
            }
        }));
        return DynamicContainer.dynamicContainer(name, checks);
    }

    static List<String> unusedFixtures(Path dir, Set<String> produced) throws IOException {
        Set<String> unused = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).forEach(unused::add);
            }
        }
        unused.removeAll(produced);
        return List.copyOf(unused);
    }

    static void compareOrUpdate(Path expectedFile, String actual) throws IOException {
        if (UPDATE) {
            Files.createDirectories(expectedFile.getParent());
            Files.writeString(expectedFile, actual);
        }
        if (!Files.exists(expectedFile)) {
            fail("missing expected file " + expectedFile + "; run with -Dgolden.update=true and review it. The report made:\n" + actual);
        }
        assertThat(actual).as(expectedFile.toString()).isEqualTo(Files.readString(expectedFile));
    }

    /** The checks above must be able to fail: a stale file, a missing one and a changed line are each reported. */
    @Test
    void aStaleFixtureAMissingOneAndAChangedLineAreAllReported(@TempDir Path tmp) throws IOException {
        assumeFalse(UPDATE, "an update writes what it finds missing or different");
        Path real = GOLDEN.resolve("safe-migration");
        Path copy = Files.createDirectories(tmp.resolve("safe-migration"));
        for (String file : List.of(Report.MARKDOWN, Report.JSON)) {
            Files.copy(real.resolve(file), copy.resolve(file));
        }
        Files.writeString(copy.resolve("report.html"), "<html/>");
        Case c = CASES.get("safe-migration").get();
        Map<String, String> produced = Report.render(c.evidence(), c.limits(), Verdict.judge(c.evidence(), c.limits())).files();

        assertThat(unusedFixtures(copy, produced.keySet())).containsExactly("report.html");
        assertThat(catchThrowable(() -> compareOrUpdate(copy.resolve(Report.JUNIT), produced.get(Report.JUNIT))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("missing expected file");
        compareOrUpdate(copy.resolve(Report.JSON), produced.get(Report.JSON));
        Files.writeString(copy.resolve(Report.JSON), Files.readString(copy.resolve(Report.JSON)).replace("\"Passed\"", "\"Failed\""));
        assertThat(catchThrowable(() -> compareOrUpdate(copy.resolve(Report.JSON), produced.get(Report.JSON))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("\"verdict\": \"Passed\"");
    }
}
