package dev.pgclone.operator.bootstrap;

import dev.pgclone.testkit.postgres.LocalPostgres;

import dev.pgclone.testkit.postgres.LocalPostgres.Os;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies the data directory of a RUNNING instance the way a volume snapshot sees it.
 *
 * <p>Every process of the instance is frozen with SIGSTOP (postmaster first, so it cannot fork a
 * child we would miss), the directory is copied with {@code cp -a}, and the processes are thawed.
 * A stopped process is never inside a write(), so the copy is one instant of the files as the
 * kernel holds them: exactly what survives a kill -9 of every postgres process at that instant.
 * That is a little more than a block-level snapshot would hold (page-cache writes not yet on disk
 * are included), but WAL-before-data ordering holds all the same, so it is crash-consistent and
 * needs the same crash recovery. Unlike "stop -m immediate, then copy", it keeps what a snapshot
 * of a live server carries: postmaster.pid, in-flight transactions, an instance that keeps running.
 */
final class CrashConsistentCopy {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private CrashConsistentCopy() {}

    static void take(LocalPostgres source, Path target) {
        take(source, source.dataDir(), target);
    }

    /** A directory of the running instance other than its data directory, e.g. the volume its pg_wal links to. */
    static void take(LocalPostgres source, Path directory, Path target) {
        String postmaster = postmasterPid(source.dataDir());
        List<String> frozen = new ArrayList<>();
        try {
            signal("STOP", List.of(postmaster));
            frozen.add(postmaster);
            List<String> children = children(postmaster);
            signal("STOP", children);
            frozen.addAll(children);
            Os.exec(COMMAND_TIMEOUT, List.of("cp", "-a", directory.toString(), target.toString()), null)
                    .requireSuccess();
        } finally {
            if (!frozen.isEmpty()) {
                signal("CONT", frozen);
            }
        }
    }

    private static String postmasterPid(Path dataDir) {
        try {
            return Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("source is not running: no postmaster.pid in " + dataDir, e);
        }
    }

    private static List<String> children(String pid) {
        LocalPostgres.Result r = Os.exec(COMMAND_TIMEOUT, List.of("pgrep", "-P", pid), null);
        // pgrep exits 1 when there is no child, which a started postmaster always has
        if (r.exitCode() != 0) {
            throw new IllegalStateException("no child processes of postmaster " + pid + ": " + r);
        }
        return r.stdout().lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static void signal(String signal, List<String> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        command.addAll(pids);
        // a child may have exited between pgrep and kill: that is fine, so the result is not checked
        Os.exec(COMMAND_TIMEOUT, command, null);
    }
}
