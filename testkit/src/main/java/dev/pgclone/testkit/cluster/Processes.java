package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Finding and ending the processes of a pod, including ones that left its process group (pg_ctl start does). */
public final class Processes {

    private Processes() {}

    /** Sends a signal by name (INT, TERM, KILL) to a pid; false when it is already gone. */
    public static boolean signal(long pid, String signal) {
        return Exec.run(Duration.ofSeconds(10), List.of("kill", "-s", signal, Long.toString(pid)), null).exitCode() == 0;
    }

    /** Sends a signal to a whole process group (the pod's session leader's group). */
    public static void signalGroup(long pgid, String signal) {
        Exec.run(Duration.ofSeconds(10), List.of("kill", "-s", signal, "--", "-" + pgid), null);
    }

    /**
     * Pids of processes whose working directory is at or below {@code root}. PostgreSQL's postmaster
     * and backends chdir into their data directory, so this finds every postgres serving a volume,
     * however it was started.
     */
    public static List<Long> withWorkingDirectoryUnder(Path root) {
        List<Long> pids = new ArrayList<>();
        String prefix = root.toAbsolutePath().normalize().toString();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
            for (Path p : proc) {
                try {
                    String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    if (cwd.equals(prefix) || cwd.startsWith(prefix + "/")) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
                    // the process ended meanwhile, or is not ours to inspect
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return pids;
    }

    /** SIGKILLs every process working under {@code root}; returns how many there were. */
    public static int killUnder(Path root) {
        List<Long> pids = withWorkingDirectoryUnder(root);
        for (long pid : pids) {
            signal(pid, "KILL");
        }
        return pids.size();
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
