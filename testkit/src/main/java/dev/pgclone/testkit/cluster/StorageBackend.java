package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where the local cluster keeps volume data. Identifiers are chosen by the caller (PV and snapshot
 * names), so every operation is idempotent by name and survives a controller retrying.
 */
public interface StorageBackend extends AutoCloseable {

    /** One line for the log and the sandbox banner, saying plainly what kind of copies this makes. */
    String describe();

    /** True when snapshots and restores share blocks (constant time and space), false when they copy. */
    boolean copyOnWrite();

    /** A new, empty, writable volume. */
    Path createVolume(String volumeId);

    /** A new volume for a claim without a data source: empty, and writable by any pod's uid, as the hostPath provisioner makes them. */
    default Path provisionVolume(String volumeId) {
        Path p = createVolume(volumeId);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A new volume holding the contents of an existing directory (reflinked when the file system can). */
    Path importVolume(String volumeId, Path source);

    /** A read-only point-in-time image of a volume. */
    void snapshot(String volumeId, String snapshotId);

    /** A new writable volume with the contents of a snapshot. */
    Path restore(String snapshotId, String volumeId);

    void deleteVolume(String volumeId);

    void deleteSnapshot(String snapshotId);

    /** The directory holding {@code volumes/<id>} and {@code snapshots/<id>}, the layout every backend shares. */
    Path root();

    default Path volumePath(String volumeId) {
        return root().resolve("volumes").resolve(volumeId);
    }

    default Path snapshotPath(String snapshotId) {
        return root().resolve("snapshots").resolve(snapshotId);
    }

    default boolean hasSnapshot(String snapshotId) {
        return Files.isDirectory(snapshotPath(snapshotId));
    }

    default boolean hasVolume(String volumeId) {
        return Files.isDirectory(volumePath(volumeId));
    }

    /** Bytes held by this volume alone (not shared with a snapshot or another volume). */
    long exclusiveBytes(String volumeId);

    /** Unmounts and removes everything; safe to call twice and after a failed start. */
    @Override
    void close();
}
