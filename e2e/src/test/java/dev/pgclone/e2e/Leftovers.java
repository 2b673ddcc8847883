package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.testkit.cluster.Exec;
import dev.pgclone.testkit.cluster.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What a closed local cluster must not leave on the machine. */
final class Leftovers {

    private Leftovers() {}

    static void assertNoneUnder(Path workDir) throws IOException {
        String prefix = workDir.toString();
        List<String> mounts = Files.readAllLines(Path.of("/proc/mounts")).stream().filter(l -> l.split(" ")[1].startsWith(prefix)).toList();
        assertThat(mounts).as("mounts under %s", workDir).isEmpty();
        if (Exec.which("losetup") != null && Exec.isRoot()) {
            String loops = Exec.run(Duration.ofSeconds(10), List.of("losetup", "-a"), null).stdout();
            assertThat(loops).as("loop devices backed by files in %s", workDir).doesNotContain(prefix);
        }
        assertThat(Processes.withWorkingDirectoryUnder(workDir)).as("processes working under %s", workDir).isEmpty();
        assertThat(workDir).as("work directory").doesNotExist();
    }
}
