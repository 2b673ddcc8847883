package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-your-writes for the status this controller writes itself (see
 * RefreshScheduleReconciler#writeStatus): until the informer cache has caught up with a write, a
 * reconcile starts from the written status, not the older cached one. Without it a reconcile
 * triggered in between (a child or Service event) would redo what the write recorded: report a
 * refresh twice, count it twice, start a run already started.
 */
final class WrittenStatus {

    private record Written(long resourceVersion, RefreshScheduleStatus status) {}

    private final Map<String, Written> byUid = new ConcurrentHashMap<>();

    void remember(RefreshSchedule written) {
        version(written).ifPresent(v -> byUid.put(written.getMetadata().getUid(), new Written(v, written.getStatus())));
    }

    /** The status last written, while the cached schedule is older than that write. */
    Optional<RefreshScheduleStatus> newerThanCache(RefreshSchedule cached) {
        String uid = cached.getMetadata().getUid();
        Written written = byUid.get(uid);
        if (written == null) {
            return Optional.empty();
        }
        Optional<Long> cachedVersion = version(cached);
        if (cachedVersion.isPresent() && cachedVersion.get() < written.resourceVersion()) {
            return Optional.of(written.status());
        }
        // caught up (or versions that do not compare): the cache is the truth again
        byUid.remove(uid, written);
        return Optional.empty();
    }

    /** Kubernetes resource versions are opaque, but etcd's are increasing numbers (JOSDK relies on that too). */
    private static Optional<Long> version(RefreshSchedule schedule) {
        try {
            return Optional.of(Long.parseLong(schedule.getMetadata().getResourceVersion()));
        } catch (NumberFormatException | NullPointerException e) {
            return Optional.empty();
        }
    }
}
