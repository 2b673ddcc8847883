package dev.pgclone.operator.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code make bench} passes on what the README documents: both default sizes and every part, and
 * any list a user gives, whole. A default written inside {@code $(or ...)} was cut at its first
 * comma, so the default run measured one size only. Checked with {@code make -n}: nothing runs.
 */
class MakefileBenchTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theDefaultsAndAGivenListReachTheBenchmarkWhole() throws Exception {
        String defaults = dryRun();
        assertThat(defaults).contains("-Dbench.scales=20,150 ").contains("-Dbench.parts=clone,checkpoint,scale,monitor,masked ")
                .contains("-Dbench.clones=500 ").contains("-Dbench.repeats=3 ");

        String given = dryRun("BENCH_SCALES=5,10,30", "BENCH_PARTS=clone,masked");
        assertThat(given).contains("-Dbench.scales=5,10,30 ").contains("-Dbench.parts=clone,masked ");
    }

    private static String dryRun(String... variables) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("make", "-n", "-C", ROOT.toString(), "bench"));
        cmd.addAll(List.of(variables));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        // the recipe's continuation lines joined, as make hands them to the shell
        return out.replace("\\\n", " ").replaceAll("\\s+", " ") + " ";
    }
}
