package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Storage for measuring the operator alone: every volume, snapshot and restore is an empty
 * directory, made in constant time, so the snapshotter and provisioner still do all their API work
 * (contents, PVs, binding) but no data is copied and no file system is mounted.
 */
final class InstantStorage implements StorageBackend {

    private final Path root;

    InstantStorage(Path dir) {
        this.root = dir.resolve("instant-storage");
        try {
            Files.createDirectories(root.resolve("volumes"));
            Files.createDirectories(root.resolve("snapshots"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describe() {
        return "stand-in storage: empty directories, no data (for measuring the operator's API work alone)";
    }

    @Override
    public boolean copyOnWrite() {
        return true;
    }

    @Override
    public Path createVolume(String volumeId) {
        return mkdir(volumePath(volumeId));
    }

    @Override
    public Path importVolume(String volumeId, Path source) {
        return createVolume(volumeId);
    }

    @Override
    public void snapshot(String volumeId, String snapshotId) {
        mkdir(snapshotPath(snapshotId));
    }

    @Override
    public Path restore(String snapshotId, String volumeId) {
        return createVolume(volumeId);
    }

    @Override
    public void deleteVolume(String volumeId) {
        Kubelet.deleteTree(volumePath(volumeId));
    }

    @Override
    public void deleteSnapshot(String snapshotId) {
        Kubelet.deleteTree(snapshotPath(snapshotId));
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public long exclusiveBytes(String volumeId) {
        return 0;
    }

    @Override
    public void close() {
        Kubelet.deleteTree(root);
    }

    private static Path mkdir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
