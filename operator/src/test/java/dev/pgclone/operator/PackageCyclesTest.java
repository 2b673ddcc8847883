package dev.pgclone.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The operator's top-level packages (api, clone, source, resources, ...) depend on each other in
 * one direction only: a cycle means two packages can only be understood, changed and tested
 * together. Read from the sources (imports and fully qualified names in code, not in comments),
 * so no build tool or library is needed.
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "pgclone", "operator");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.pgclone\\.operator\\.([a-z][a-z0-9_]*)\\.");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern PACKAGE_LINE = Pattern.compile("^\\s*package\\s+[^;]+;", Pattern.MULTILINE);

    @Test
    void topLevelPackagesFormNoCycle() {
        Map<String, Map<String, String>> graph = dependencies(SOURCES);
        assertThat(graph).as("packages read from %s", SOURCES.toAbsolutePath()).containsKeys("api", "clone", "source", "resources");
        assertThat(describe(cycles(graph), graph)).as("cycles between the operator's top-level packages").isEmpty();
    }

    @Test
    void findsACycleThroughThreePackages() {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        graph.put("a", Map.of("b", "a/A.java"));
        graph.put("b", Map.of("c", "b/B.java"));
        graph.put("c", Map.of("a", "c/C.java", "d", "c/C.java"));
        graph.put("d", Map.of());
        assertThat(cycles(graph)).containsExactly(Set.of("a", "b", "c"));
        assertThat(describe(cycles(graph), graph)).containsExactly("a -> b (a/A.java), b -> c (b/B.java), c -> a (c/C.java)");
    }

    @Test
    void aOneWayGraphHasNoCycle() {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        graph.put("a", Map.of("b", "a/A.java", "c", "a/A.java"));
        graph.put("b", Map.of("c", "b/B.java"));
        graph.put("c", Map.of());
        assertThat(cycles(graph)).isEmpty();
    }

    @Test
    void readsImportsAndQualifiedNamesButNotComments(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Files.writeString(a.resolve("A.java"), """
                package dev.pgclone.operator.a;

                import dev.pgclone.operator.b.B;

                /** Not a dependency: {@link dev.pgclone.operator.c.C}. */
                class A {
                    // nor this: dev.pgclone.operator.d.D
                    Object x = new dev.pgclone.operator.e.E();
                    Object y = dev.pgclone.operator.a.A.class;
                }
                """);
        Map<String, Map<String, String>> graph = dependencies(dir);
        assertThat(graph.get("a")).containsOnlyKeys("b", "e");
    }

    /** Package to the packages it uses, each with one file that does (for the message). */
    static Map<String, Map<String, String>> dependencies(Path root) {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = root.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue;
                }
                String pkg = relative.getName(0).toString();
                Map<String, String> uses = graph.computeIfAbsent(pkg, p -> new TreeMap<>());
                String code = PACKAGE_LINE.matcher(COMMENTS.matcher(Files.readString(file)).replaceAll(" ")).replaceAll(" ");
                Matcher m = REFERENCE.matcher(code);
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        uses.putIfAbsent(m.group(1), relative.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** The strongly connected components with more than one package (Tarjan's algorithm). */
    static List<Set<String>> cycles(Map<String, Map<String, String>> graph) {
        var search = new Object() {
            int counter;
            final Map<String, Integer> index = new HashMap<>();
            final Map<String, Integer> low = new HashMap<>();
            final Deque<String> stack = new ArrayDeque<>();
            final Set<String> onStack = new TreeSet<>();
            final List<Set<String>> found = new ArrayList<>();

            void visit(String v) {
                index.put(v, counter);
                low.put(v, counter);
                counter++;
                stack.push(v);
                onStack.add(v);
                for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
                    if (!index.containsKey(w)) {
                        visit(w);
                        low.put(v, Math.min(low.get(v), low.get(w)));
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> component = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    if (component.size() > 1) {
                        found.add(component);
                    }
                }
            }
        };
        for (String v : new TreeSet<>(graph.keySet())) {
            if (!search.index.containsKey(v)) {
                search.visit(v);
            }
        }
        return search.found;
    }

    /** Each cycle as the dependencies inside it, with a file that makes each one. */
    static List<String> describe(List<Set<String>> cycles, Map<String, Map<String, String>> graph) {
        List<String> described = new ArrayList<>();
        for (Set<String> cycle : cycles) {
            List<String> edges = new ArrayList<>();
            for (String from : cycle) {
                graph.getOrDefault(from, Map.of()).forEach((to, file) -> {
                    if (cycle.contains(to)) {
                        edges.add(from + " -> " + to + " (" + file + ")");
                    }
                });
            }
            edges.sort(null);
            described.add(String.join(", ", edges));
        }
        return described;
    }
}
