package dev.pgclone.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgclone.operator.examples.ExamplesParseTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The docs a newcomer walks must hold: every relative link and anchor leads somewhere, every
 * {@code make} target and repository path a command shows exists, every manifest of ours they show
 * passes the same checks as the examples (CRD schema, model, the operator's validators), and every
 * code comment that points at a page of docs/ (and a section of it) points at one that exists.
 * The commands that run the operator are run by the end-to-end suite (ExamplesIT applies every
 * example; the sandbox prints and runs the README's kubectl commands); this keeps the text honest.
 */
class DocsTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");
    private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
    private static final Pattern INLINE_CODE = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern MAKE = Pattern.compile("(?:^|[\\s;&|(])make[ \\t]+((?:[a-z][a-z0-9-]*[ \\t]*)+)");
    private static final Pattern REPO_PATH = Pattern.compile("(?<![\\w./-])((?:crds|examples|helm|docs|operator|e2e|testkit)/[\\w./-]*[\\w/])");
    /** A code comment pointing at a page: {@code docs/architecture.md, "The trust boundary"}. */
    private static final Pattern DOC_CITATION = Pattern.compile("docs/([\\w-]+\\.md)(?:,?\\s*(?:section\\s*)?\"([^\"]+)\")?");

    @Test
    void everyRelativeLinkAndAnchorLeadsSomewhere() {
        List<String> problems = new ArrayList<>();
        for (Path page : pages()) {
            String text = read(page);
            Matcher m = LINK.matcher(withoutCode(text));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    problems.add(rel(page) + ": link to " + target + ": no " + rel(resolved));
                } else if (anchor != null && resolved.toString().endsWith(".md") && !anchors(resolved).contains(anchor)) {
                    problems.add(rel(page) + ": link to " + target + ": " + rel(resolved) + " has no heading with anchor #" + anchor
                            + " (has " + anchors(resolved) + ")");
                }
            }
        }
        assertThat(problems).as("broken links in %s", pages().stream().map(DocsTest::rel).toList()).isEmpty();
    }

    @Test
    void everyMakeTargetAndRepositoryPathACommandShowsExists() {
        Set<String> targets = makeTargets();
        assertThat(targets).as("targets of the Makefile").contains("test", "sandbox", "test-fast");
        List<String> problems = new ArrayList<>();
        for (Path page : pages()) {
            for (String code : code(read(page))) {
                Matcher make = MAKE.matcher(code);
                while (make.find()) {
                    for (String target : make.group(1).trim().split("\\s+")) {
                        if (!targets.contains(target)) {
                            problems.add(rel(page) + ": `make " + target + "`: no such target in the Makefile");
                        }
                    }
                }
                Matcher path = REPO_PATH.matcher(code);
                while (path.find()) {
                    String p = path.group(1);
                    if (!p.contains("<") && !p.contains("*") && !p.contains("...") && !generated(p) && !Files.exists(ROOT.resolve(p))) {
                        problems.add(rel(page) + ": " + p + ": no such file or directory in the repository");
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyManifestOfOursTheDocsShowPassesTheExamplesChecks() throws IOException {
        ExamplesParseTest.loadCrds();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path page : pages()) {
            for (String yaml : fenced(read(page), "yaml")) {
                List<JsonNode> docs;
                try {
                    docs = ExamplesParseTest.documents(yaml);
                } catch (IOException e) {
                    problems.add(rel(page) + ": a yaml block does not parse: " + e.getMessage());
                    continue;
                }
                for (JsonNode doc : docs) {
                    if (doc.path("apiVersion").asText().startsWith("pgclone.dev/")) {
                        checked++;
                        ExamplesParseTest.problems(doc).forEach(p -> problems.add(rel(page) + ": " + doc.path("kind").asText() + " "
                                + doc.at("/metadata/name").asText() + ": " + p));
                    }
                }
            }
        }
        assertThat(checked).as("DatabaseClone, CloneSource and RefreshSchedule manifests shown in the docs").isGreaterThanOrEqualTo(3);
        assertThat(problems).isEmpty();
    }

    @Test
    void codeCommentsPointAtPagesAndSectionsThatExist() throws IOException {
        List<String> problems = new ArrayList<>();
        int citations = 0;
        for (Path file : sources()) {
            String text = read(file);
            if (text.contains("design.md")) {
                problems.add(rel(file) + ": cites design.md, which is not in the repository: point at docs/architecture.md");
            }
            Matcher m = DOC_CITATION.matcher(text);
            while (m.find()) {
                citations++;
                Path page = ROOT.resolve("docs").resolve(m.group(1));
                if (!Files.exists(page)) {
                    problems.add(rel(file) + ": cites docs/" + m.group(1) + ", which does not exist");
                } else if (m.group(2) != null && !headings(page).contains(m.group(2))) {
                    problems.add(rel(file) + ": cites section \"" + m.group(2) + "\" of docs/" + m.group(1) + ", which has " + headings(page));
                }
            }
        }
        assertThat(citations).as("code comments citing docs/").isPositive();
        assertThat(problems).isEmpty();
    }

    @Test
    void everyConditionAndEventReasonIsExplainedInTheTroubleshootingPage() throws IllegalAccessException {
        String page = read(ROOT.resolve("docs/troubleshooting.md"));
        List<String> missing = new ArrayList<>();
        int reasons = 0;
        for (java.lang.reflect.Field f : dev.pgclone.operator.status.Reasons.class.getFields()) {
            if (f.getType() == String.class && java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                reasons++;
                String reason = (String) f.get(null);
                if (!page.contains("`" + reason + "`")) {
                    missing.add(reason);
                }
            }
        }
        assertThat(reasons).as("reasons in status/Reasons").isGreaterThan(40);
        assertThat(missing).as("reasons docs/troubleshooting.md does not explain").isEmpty();
    }

    @Test
    void theChecksFindWhatTheyLookFor() {
        // the patterns themselves: a broken page must not pass because a regex matched nothing
        assertThat(anchorOf("Status: one writer per resource")).isEqualTo("status-one-writer-per-resource");
        assertThat(anchorOf("`make sandbox` on a fresh machine")).isEqualTo("make-sandbox-on-a-fresh-machine");
        Matcher make = MAKE.matcher("BENCH_SCALES=20 make bench && make deps test");
        assertThat(make.find()).isTrue();
        assertThat(make.group(1).trim()).isEqualTo("bench");
        assertThat(make.find()).isTrue();
        assertThat(make.group(1).trim()).isEqualTo("deps test");
        Matcher path = REPO_PATH.matcher("kubectl apply -f examples/clone-from-pvc.yaml -f crds/");
        assertThat(path.find()).isTrue();
        assertThat(path.group(1)).isEqualTo("examples/clone-from-pvc.yaml");
        Matcher cite = DOC_CITATION.matcher("(docs/architecture.md, \"The trust boundary\")");
        assertThat(cite.find()).isTrue();
        assertThat(cite.group(2)).isEqualTo("The trust boundary");
        assertThat(fenced("x\n```yaml\na: 1\n```\n```sh\nmake x\n```\n", "yaml")).containsExactly("a: 1\n");
        assertThat(withoutCode("[a](b)\n```\n[c](d)\n```\n`[e](f)`")).contains("[a](b)").doesNotContain("[c](d)").doesNotContain("[e](f)");
    }

    // ------------------------------------------------------------------------------------------ reading

    /** The pages a user or contributor reads (the bench-results files are dated records, not docs). */
    static List<Path> pages() {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("e2e/README.md"), ROOT.resolve("e2e/controlplane/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pages.removeIf(p -> !Files.exists(p));
        return pages;
    }

    /** Sources whose comments may cite docs: Java, the bootstrap script and its SQL, Go, the Makefile, the chart. */
    static List<Path> sources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String dir : List.of("operator/src", "e2e/src", "e2e/controlplane", "testkit/src", "helm")) {
            Path d = ROOT.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(d)) {
                walk.filter(Files::isRegularFile)
                        .filter(p -> !p.toString().contains("/bin/") && !p.toString().contains("/target/"))
                        .filter(p -> !p.getFileName().toString().equals("DocsTest.java"))
                        .filter(p -> p.toString().matches(".*\\.(java|sh|sql|go|yaml|tpl|txt)$"))
                        .forEach(files::add);
            }
        }
        files.add(ROOT.resolve("Makefile"));
        return files;
    }

    private static boolean generated(String path) {
        // build output and the control plane binary a command makes: shown as what a command produces
        return path.contains("/target/") || path.contains("/bin/") || path.startsWith("bench-results");
    }

    static Set<String> makeTargets() {
        Set<String> targets = new TreeSet<>();
        for (String line : read(ROOT.resolve("Makefile")).split("\n")) {
            Matcher m = Pattern.compile("^([a-z][a-z0-9-]*(?:\\s+[a-z][a-z0-9-]*)*)\\s*:(?!=)").matcher(line);
            if (m.find()) {
                targets.addAll(List.of(m.group(1).split("\\s+")));
            }
        }
        return targets;
    }

    static Set<String> headings(Path page) {
        Set<String> headings = new LinkedHashSet<>();
        boolean inFence = false;
        for (String line : read(page).split("\n")) {
            if (FENCE.matcher(line).matches()) {
                inFence = !inFence;
            } else if (!inFence) {
                Matcher m = HEADING.matcher(line);
                if (m.matches()) {
                    headings.add(m.group(1));
                }
            }
        }
        return headings;
    }

    static Set<String> anchors(Path page) {
        Set<String> anchors = new LinkedHashSet<>();
        for (String heading : headings(page)) {
            String anchor = anchorOf(heading);
            int n = 1;
            String unique = anchor;
            while (!anchors.add(unique)) {
                unique = anchor + "-" + n++;
            }
        }
        return anchors;
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
    static String anchorOf(String heading) {
        String text = heading.replaceAll("`", "").replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        return text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    /** The fenced blocks of one language, and every fenced block and inline code span. */
    static List<String> fenced(String text, String language) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        String currentLanguage = null;
        for (String line : text.split("\n", -1)) {
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                if (current == null) {
                    current = new StringBuilder();
                    currentLanguage = fence.group(1);
                } else {
                    if (language == null || language.equals(currentLanguage)) {
                        blocks.add(current.toString());
                    }
                    current = null;
                }
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    static List<String> code(String text) {
        List<String> code = new ArrayList<>(fenced(text, null));
        Matcher inline = INLINE_CODE.matcher(withoutFences(text));
        while (inline.find()) {
            code.add(inline.group(1));
        }
        return code;
    }

    static String withoutFences(String text) {
        StringBuilder out = new StringBuilder();
        boolean inFence = false;
        for (String line : text.split("\n", -1)) {
            if (FENCE.matcher(line).matches()) {
                inFence = !inFence;
            } else if (!inFence) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    static String withoutCode(String text) {
        return INLINE_CODE.matcher(withoutFences(text)).replaceAll("");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rel(Path p) {
        return ROOT.relativize(p.toAbsolutePath().normalize()).toString();
    }
}
