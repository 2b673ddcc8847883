package dev.pgclone.testkit.cluster;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Storage that holds no data: volumes and snapshots are names in memory, so the snapshotter and
 * provisioner still do all their API work (contents, PVs, binding) in constant time, and nothing
 * is written or mounted. It keeps what a CSI driver checks: a snapshot is of a volume that exists,
 * a restore is of a snapshot that exists. For measuring the operator alone, and for the operator's
 * tests on the fabric8 mock ({@link ClusterStandIns}), where no pod reads a volume.
 */
final class InstantStorage implements StorageBackend {

    /** Where the volumes would be; nothing is ever there. */
    private static final Path NOWHERE = Path.of("/instant-storage");

    private final Set<String> volumes = ConcurrentHashMap.newKeySet();
    private final Set<String> snapshots = ConcurrentHashMap.newKeySet();

    @Override
    public String describe() {
        return "stand-in storage: volumes and snapshots are names in memory, no data (for the operator's API work alone)";
    }

    @Override
    public boolean copyOnWrite() {
        return true;
    }

    @Override
    public Path createVolume(String volumeId) {
        volumes.add(volumeId);
        return volumePath(volumeId);
    }

    @Override
    public Path provisionVolume(String volumeId) {
        return createVolume(volumeId);
    }

    @Override
    public Path importVolume(String volumeId, Path source) {
        return createVolume(volumeId);
    }

    @Override
    public void snapshot(String volumeId, String snapshotId) {
        if (!volumes.contains(volumeId)) {
            throw new IllegalStateException("volume " + volumeId + " does not exist");
        }
        snapshots.add(snapshotId);
    }

    @Override
    public Path restore(String snapshotId, String volumeId) {
        if (!snapshots.contains(snapshotId)) {
            throw new IllegalStateException("snapshot " + snapshotId + " does not exist");
        }
        return createVolume(volumeId);
    }

    @Override
    public void deleteVolume(String volumeId) {
        volumes.remove(volumeId);
    }

    @Override
    public void deleteSnapshot(String snapshotId) {
        snapshots.remove(snapshotId);
    }

    @Override
    public boolean hasVolume(String volumeId) {
        return volumes.contains(volumeId);
    }

    @Override
    public boolean hasSnapshot(String snapshotId) {
        return snapshots.contains(snapshotId);
    }

    @Override
    public Path root() {
        return NOWHERE;
    }

    @Override
    public long exclusiveBytes(String volumeId) {
        return 0;
    }

    @Override
    public void close() {
        volumes.clear();
        snapshots.clear();
    }
}
