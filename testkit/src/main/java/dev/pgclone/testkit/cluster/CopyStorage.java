package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/**
 * The fallback where btrfs is not available: volumes are plain directories and snapshots and
 * restores are full copies ({@code cp -a --reflink=auto}, which shares blocks only on file systems
 * with reflinks such as XFS or btrfs). Two consequences users must know, and the sandbox says:
 * a clone costs time and space proportional to the database, and copying the files of a running
 * database is NOT atomic, so a snapshot taken under write load may not be crash-consistent.
 */
public final class CopyStorage implements StorageBackend {

    private static final Duration COPY = Duration.ofMinutes(30);

    private final Path root;

    private CopyStorage(Path root) {
        this.root = root;
    }

    public static CopyStorage create(Path dir) {
        Path root = dir.resolve("copies");
        try {
            Files.createDirectories(root.resolve("volumes"));
            Files.createDirectories(root.resolve("snapshots"));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(root.resolve("volumes"), PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CopyStorage(root);
    }

    @Override
    public String describe() {
        return "plain directory COPIES (cp -a --reflink=auto): no btrfs here, so every snapshot and clone copies the whole "
                + "volume, and a snapshot of a volume under write load is not atomic (may not be crash-consistent)";
    }

    @Override
    public boolean copyOnWrite() {
        return false;
    }

    @Override
    public synchronized Path createVolume(String volumeId) {
        Path p = volumePath(volumeId);
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    @Override
    public synchronized Path importVolume(String volumeId, Path source) {
        Path p = createVolume(volumeId);
        Exec.ok(COPY, "cp", "-a", "--reflink=auto", source.toString() + "/.", p.toString());
        return p;
    }

    @Override
    public synchronized void snapshot(String volumeId, String snapshotId) {
        Path snap = snapshotPath(snapshotId);
        if (!Files.exists(snap)) {
            Exec.ok(COPY, "cp", "-a", "--reflink=auto", volumePath(volumeId).toString(), snap.toString());
        }
    }

    @Override
    public synchronized Path restore(String snapshotId, String volumeId) {
        Path p = volumePath(volumeId);
        if (!Files.exists(p)) {
            Exec.ok(COPY, "cp", "-a", "--reflink=auto", snapshotPath(snapshotId).toString(), p.toString());
        }
        return p;
    }

    @Override
    public synchronized void deleteVolume(String volumeId) {
        Exec.ok(COPY, "rm", "-rf", "--one-file-system", volumePath(volumeId).toString());
    }

    @Override
    public synchronized void deleteSnapshot(String snapshotId) {
        Exec.ok(COPY, "rm", "-rf", "--one-file-system", snapshotPath(snapshotId).toString());
    }

    /** A copy shares nothing (as far as this backend can tell): everything it holds is its own. */
    @Override
    public Path root() {
        return root;
    }

    @Override
    public long exclusiveBytes(String volumeId) {
        String out = Exec.ok(COPY, "du", "-sb", volumePath(volumeId).toString());
        return Long.parseLong(out.trim().split("\\s+")[0]);
    }

    @Override
    public synchronized void close() {
        Exec.run(COPY, java.util.List.of("rm", "-rf", "--one-file-system", root.toString()), null);
    }
}
