package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local cluster whose JVM was killed (SIGKILL, a crashed test fork) had no chance to clean up:
 * its postgres processes, mount and loop device would stay. The next cluster started on the
 * machine removes what such dead clusters left, recognising them by the owner pid they recorded.
 */
final class StaleClusters {

    static final String PREFIX = "pgclone-cluster-";
    static final String OWNER_FILE = "owner.pid";
    private static final Logger LOG = LoggerFactory.getLogger(StaleClusters.class);
    private static final Duration CMD = Duration.ofSeconds(60);

    private StaleClusters() {}

    static void cleanUp(Path parent) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                Path owner = dir.resolve(OWNER_FILE);
                if (!Files.exists(owner)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(Files.readString(owner).trim());
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (Processes.alive(pid)) {
                    continue;
                }
                LOG.warn("removing what a dead local cluster (pid {}) left in {}", pid, dir);
                Processes.killUnder(dir);
                Path mount = dir.resolve("btrfs");
                if (mounted(mount)) {
                    Exec.run(CMD, List.of("umount", "-l", mount.toString()), null);
                }
                Path image = dir.resolve("btrfs.img");
                if (Files.exists(image) && Exec.which("losetup") != null) {
                    String loops = Exec.run(CMD, List.of("losetup", "-j", image.toString()), null).stdout();
                    for (String line : loops.split("\n")) {
                        int colon = line.indexOf(':');
                        if (colon > 0) {
                            Exec.run(CMD, List.of("losetup", "-d", line.substring(0, colon)), null);
                        }
                    }
                }
                Exec.run(CMD, List.of("rm", "-rf", "--one-file-system", dir.toString()), null);
            }
        } catch (IOException e) {
            LOG.warn("could not look for stale clusters in {}: {}", parent, e.toString());
        }
    }

    static boolean mounted(Path mountPoint) {
        try {
            String target = mountPoint.toAbsolutePath().normalize().toString();
            return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(target));
        } catch (IOException e) {
            return false;
        }
    }
}
