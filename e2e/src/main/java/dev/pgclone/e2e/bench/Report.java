package dev.pgclone.e2e.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The benchmark's output: Markdown, printed section by section as measured and written to one file at the end. */
final class Report {

    private final StringBuilder text = new StringBuilder();

    /** A heading and free text (what was measured, how). */
    void section(String heading, String body) {
        add("\n## " + heading + "\n\n" + body.strip() + "\n");
    }

    void paragraph(String body) {
        add("\n" + body.strip() + "\n");
    }

    /** A Markdown table; the first row is the header. */
    void table(List<List<String>> rows) {
        StringBuilder t = new StringBuilder("\n");
        for (int i = 0; i < rows.size(); i++) {
            t.append("| ").append(String.join(" | ", rows.get(i))).append(" |\n");
            if (i == 0) {
                t.append("|").append("---|".repeat(rows.get(0).size())).append("\n");
            }
        }
        add(t.toString());
    }

    static List<String> row(String... cells) {
        return new ArrayList<>(Arrays.asList(cells));
    }

    private synchronized void add(String s) {
        text.append(s);
        System.out.print(s);
        System.out.flush();
    }

    synchronized String text() {
        return text.toString();
    }

    void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    // ------------------------------------------------------------------------------------ numbers

    static double median(List<Double> values) {
        List<Double> v = values.stream().filter(d -> !d.isNaN()).sorted().toList();
        if (v.isEmpty()) {
            return Double.NaN;
        }
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static String seconds(double s) {
        return Double.isNaN(s) ? "–" : String.format(Locale.ROOT, s < 10 ? "%.2f s" : "%.1f s", s);
    }

    /** "median (a / b / c)" */
    static String secondsOf(List<Double> values) {
        if (values.isEmpty()) {
            return "–";
        }
        String each = String.join(" / ", values.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
        return seconds(median(values)) + (values.size() > 1 ? " (" + each + ")" : "");
    }

    static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "–";
        }
        if (b >= 1 << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (1 << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }

    static String ratio(double r) {
        return Double.isNaN(r) ? "–" : String.format(Locale.ROOT, "%.2fx", r);
    }

    static String percent(double share) {
        return Double.isNaN(share) ? "–" : String.format(Locale.ROOT, "%.2f%%", 100 * share);
    }

    /** PASS or MISS against a target; never an assertion, these are benchmarks. */
    static String verdict(boolean met) {
        return met ? "PASS" : "MISS";
    }
}
