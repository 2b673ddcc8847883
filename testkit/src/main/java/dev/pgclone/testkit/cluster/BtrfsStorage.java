package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real copy-on-write volumes, as a CSI driver with snapshot support provides them: a sparse file,
 * formatted btrfs, attached to a loop device and mounted under the cluster's work directory. A
 * volume is a subvolume, a snapshot is a read-only snapshot of it (atomic, so a running database's
 * files are captured crash-consistently), a restore is a writable snapshot of the snapshot.
 * Needs root, mkfs.btrfs (btrfs-progs) and a free loop device.
 */
public final class BtrfsStorage implements StorageBackend {

    private static final Logger LOG = LoggerFactory.getLogger(BtrfsStorage.class);
    private static final Duration CMD = Duration.ofMinutes(2);

    private final Path image;
    private final Path mount;
    private String loopDevice;
    private boolean mounted;

    private BtrfsStorage(Path dir) {
        this.image = dir.resolve("btrfs.img");
        this.mount = dir.resolve("btrfs");
    }

    /** Why btrfs cannot be used here, or null when it can. */
    public static String unavailableReason() {
        if (!Exec.isRoot()) {
            return "not running as root (mounting a loop device needs root)";
        }
        if (Exec.which("mkfs.btrfs") == null || Exec.which("btrfs") == null) {
            return "mkfs.btrfs/btrfs not found (install btrfs-progs)";
        }
        if (Exec.which("losetup") == null) {
            return "losetup not found (install util-linux)";
        }
        return null;
    }

    /** @param sizeBytes apparent size of the sparse image; only written blocks take disk space */
    public static BtrfsStorage create(Path dir, long sizeBytes) {
        BtrfsStorage s = new BtrfsStorage(dir);
        try {
            Files.createDirectories(s.mount);
            Exec.ok(CMD, "truncate", "-s", Long.toString(sizeBytes), s.image.toString());
            Exec.ok(CMD, "mkfs.btrfs", "-q", "-f", s.image.toString());
            s.loopDevice = Exec.ok(CMD, "losetup", "--find", "--show", s.image.toString()).strip();
            Exec.ok(CMD, "mount", "-t", "btrfs", s.loopDevice, s.mount.toString());
            s.mounted = true;
            Files.createDirectories(s.mount.resolve("volumes"));
            Files.createDirectories(s.mount.resolve("snapshots"));
            // pods run as non-root uids: they must be able to walk down to their subvolume
            Files.setPosixFilePermissions(s.mount, PosixFilePermissions.fromString("rwxr-xr-x"));
            LOG.info("btrfs on {} ({} sparse file {}) mounted at {}", s.loopDevice, sizeBytes >> 20 > 0 ? (sizeBytes >> 20) + " MiB" : sizeBytes + " B",
                    s.image, s.mount);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    @Override
    public String describe() {
        return "btrfs copy-on-write snapshots (loop device " + loopDevice + ", mounted at " + mount + ")";
    }

    @Override
    public boolean copyOnWrite() {
        return true;
    }

    public Path mountPoint() {
        return mount;
    }

    public String loopDevice() {
        return loopDevice;
    }

    @Override
    public synchronized Path createVolume(String volumeId) {
        Path p = volumePath(volumeId);
        if (!Files.exists(p)) {
            Exec.ok(CMD, "btrfs", "subvolume", "create", p.toString());
        }
        return p;
    }

    @Override
    public synchronized Path importVolume(String volumeId, Path source) {
        Path p = createVolume(volumeId);
        // reflinks within this file system, a plain copy from another one; -a keeps owners and modes
        Exec.ok(Duration.ofMinutes(30), "cp", "-a", "--reflink=auto", source.toString() + "/.", p.toString());
        return p;
    }

    @Override
    public synchronized void snapshot(String volumeId, String snapshotId) {
        Path snap = snapshotPath(snapshotId);
        if (!Files.exists(snap)) {
            Exec.ok(CMD, "btrfs", "subvolume", "snapshot", "-r", volumePath(volumeId).toString(), snap.toString());
        }
    }

    @Override
    public synchronized Path restore(String snapshotId, String volumeId) {
        Path p = volumePath(volumeId);
        if (!Files.exists(p)) {
            Exec.ok(CMD, "btrfs", "subvolume", "snapshot", snapshotPath(snapshotId).toString(), p.toString());
        }
        return p;
    }

    @Override
    public synchronized void deleteVolume(String volumeId) {
        deleteSubvolume(volumePath(volumeId));
    }

    @Override
    public synchronized void deleteSnapshot(String snapshotId) {
        // snapshots and the volumes restored from them are independent subvolumes sharing extents,
        // so a snapshot can go while restored volumes live on
        deleteSubvolume(snapshotPath(snapshotId));
    }

    private void deleteSubvolume(Path p) {
        if (Files.exists(p)) {
            Exec.ok(CMD, "btrfs", "subvolume", "delete", p.toString());
        }
    }

    /** btrfs filesystem du counts extents referenced by this subvolume only; sync first so delalloc is counted. */
    @Override
    public Path root() {
        return mount;
    }

    @Override
    public long exclusiveBytes(String volumeId) {
        Exec.ok(CMD, "btrfs", "filesystem", "sync", mount.toString());
        String out = Exec.ok(CMD, "btrfs", "filesystem", "du", "-s", "--raw", volumePath(volumeId).toString());
        String[] lines = out.strip().split("\n");
        String[] cols = lines[lines.length - 1].trim().split("\\s+");
        return Long.parseLong(cols[1]);
    }

    /** Total bytes the snapshot/volume tree references, shared or not. */
    public long totalBytes(String volumeId) {
        String out = Exec.ok(CMD, "btrfs", "filesystem", "du", "-s", "--raw", volumePath(volumeId).toString());
        String[] lines = out.strip().split("\n");
        return Long.parseLong(lines[lines.length - 1].trim().split("\\s+")[0]);
    }

    @Override
    public synchronized void close() {
        if (mounted) {
            var r = Exec.run(CMD, java.util.List.of("umount", mount.toString()), null);
            if (r.exitCode() != 0) {
                // something still holds a file open: detach now, the kernel finishes when it lets go
                LOG.warn("umount {} failed ({}); detaching lazily", mount, r.stderr().strip());
                Exec.run(CMD, java.util.List.of("umount", "-l", mount.toString()), null);
            }
            mounted = false;
        }
        if (loopDevice != null) {
            Exec.run(CMD, java.util.List.of("losetup", "-d", loopDevice), null);
            loopDevice = null;
        }
        try {
            Files.deleteIfExists(image);
            Files.deleteIfExists(mount);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", image, e.toString());
        }
    }
}
