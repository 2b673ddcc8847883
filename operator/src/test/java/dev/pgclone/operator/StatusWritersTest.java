package dev.pgclone.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each custom resource has one status writer
 * (docs/architecture.md, "Status: one writer per resource"): no class but its status factory calls
 * a setter of its status, or of the timings kept in it. The rest of the code reports what it found
 * and decided, and reads the status. Read from the sources (calls in code, not in comments), like
 * {@link PackageCyclesTest}.
 */
class StatusWritersTest {

    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "pgclone", "operator");
    private static final Path API = Path.of("api", "v1alpha1");

    /** The status classes, with their nested classes that live inside a status and are changed in place. */
    private static final List<StatusClass> STATUSES = List.of(
            new StatusClass("DatabaseCloneStatus", Set.of("Timings")),
            new StatusClass("RefreshScheduleStatus", Set.of()),
            new StatusClass("CloneSourceStatus", Set.of()),
            new StatusClass("MigrationRehearsalStatus", Set.of()));

    /** The only classes that may write a status. */
    private static final Set<Path> WRITERS = Set.of(
            Path.of("clone", "CloneStatusFactory.java"),
            Path.of("refresh", "ScheduleStatusFactory.java"),
            Path.of("source", "CloneSourceStatusFactory.java"),
            Path.of("rehearsal", "RehearsalStatusFactory.java"));

    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern STRINGS = Pattern.compile("\"(?:\\\\.|[^\"\\\\\\n])*\"");
    private static final Pattern SETTER = Pattern.compile("\\bpublic\\s+void\\s+(set[A-Z]\\w*)\\s*\\(");
    private static final Pattern NESTED = Pattern.compile("\\bclass\\s+(\\w+)");

    record StatusClass(String name, Set<String> changedInPlace) {}

    @Test
    void onlyTheStatusFactoriesSetStatusFields() {
        Set<String> setters = setters(SOURCES.resolve(API));
        assertThat(setters).as("setters read from the status classes").contains("setPhase", "setSnapshot", "setCheckpointSeconds",
                "setActiveClone", "setNextScheduleTime", "setSnapshots").doesNotContain("setName", "setHost");
        assertThat(callsOutsideWriters(SOURCES, setters)).as("status setters called outside the status factories").isEmpty();
    }

    @Test
    void findsASetterCalledOutsideAFactoryButNotInCommentsStringsOrAFactory(@TempDir Path dir) throws IOException {
        Path clone = Files.createDirectories(dir.resolve("clone"));
        Files.writeString(clone.resolve("SomeStep.java"), """
                package dev.pgclone.operator.clone;

                /** Not a call: {@code status.setPhase("Ready")}. */
                class SomeStep {
                    void run(CloneContext ctx) {
                        // nor this: ctx.status().setSecrets(names)
                        String s = "status.setPhase(x)";
                        ctx.status()
                            .setEndpoint(null);
                        pod.getMetadata().setName("x");
                    }
                }
                """);
        Files.writeString(clone.resolve("CloneStatusFactory.java"), """
                package dev.pgclone.operator.clone;
                class CloneStatusFactory {
                    void write(DatabaseCloneStatus status) { status.setPhase("Ready"); }
                }
                """);
        assertThat(callsOutsideWriters(dir, Set.of("setPhase", "setSecrets", "setEndpoint")))
                .containsExactly(Path.of("clone", "SomeStep.java") + ":9 setEndpoint");
    }

    @Test
    void readsTheSettersOfAStatusAndOfWhatItChangesInPlaceButNotOfItsValues(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("DatabaseCloneStatus.java"), """
                package dev.pgclone.operator.api.v1alpha1;
                public class DatabaseCloneStatus {
                    public void setPhase(String phase) { this.phase = phase; }
                    public static class Endpoint {
                        public void setHost(String host) { this.host = host; }
                    }
                    public static class Timings {
                        public void setTotalSeconds(Double v) { if (v != null) { this.totalSeconds = v; } }
                    }
                    public void setSteps(List<Step> steps) { this.steps = steps; }
                }
                """);
        assertThat(setters(dir)).containsExactlyInAnyOrder("setPhase", "setTotalSeconds", "setSteps");
    }

    /** The setters of the status classes in this folder, and of their nested classes changed in place. */
    static Set<String> setters(Path folder) {
        Set<String> setters = new TreeSet<>();
        for (StatusClass status : STATUSES) {
            Path file = folder.resolve(status.name() + ".java");
            if (!Files.exists(file)) {
                continue;
            }
            String code = code(file);
            Matcher setter = SETTER.matcher(code);
            while (setter.find()) {
                String owner = enclosingClass(code, setter.start());
                if (owner.equals(status.name()) || status.changedInPlace().contains(owner)) {
                    setters.add(setter.group(1));
                }
            }
        }
        return setters;
    }

    /** "path:line setter" for each call of one of these setters outside the status factories and the status classes. */
    static List<String> callsOutsideWriters(Path root, Set<String> setters) {
        Pattern call = Pattern.compile("\\.\\s*(" + String.join("|", setters) + ")\\s*\\(");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path relative = root.relativize(file);
                if (WRITERS.contains(relative) || relative.startsWith(API)) {
                    continue;
                }
                String code = code(file);
                Matcher m = call.matcher(code);
                while (m.find()) {
                    found.add(relative + ":" + line(code, m.start()) + " " + m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** The source without comments and string literals, each replaced by as many line breaks as it spanned. */
    private static String code(Path file) {
        try {
            String source = Files.readString(file);
            return blank(STRINGS, blank(COMMENTS, source));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String blank(Pattern pattern, String source) {
        Matcher m = pattern.matcher(source);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(" " + "\n".repeat((int) m.group().chars().filter(c -> c == '\n').count())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static int line(String code, int offset) {
        return (int) code.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    /** The innermost class whose body contains this offset. */
    private static String enclosingClass(String code, int offset) {
        String owner = null;
        int ownerStart = -1;
        Matcher m = NESTED.matcher(code);
        while (m.find() && m.start() < offset) {
            int open = code.indexOf('{', m.end());
            if (open < 0 || open > offset) {
                continue;
            }
            int depth = 0;
            int close = -1;
            for (int i = open; i < code.length(); i++) {
                char c = code.charAt(i);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    close = i;
                    break;
                }
            }
            if (close > offset && open > ownerStart) {
                owner = m.group(1);
                ownerStart = open;
            }
        }
        return owner == null ? "" : owner;
    }
}
