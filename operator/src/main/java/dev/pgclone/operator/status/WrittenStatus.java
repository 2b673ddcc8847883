package dev.pgclone.operator.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-your-writes for a status a controller writes itself with the client: until the informer
 * cache has caught up with a write, a reconcile starts from the written status, not the older
 * cached one. Without it a reconcile triggered in between (a child's event, a wake-up) would redo
 * what the write recorded: report a refresh twice, start a run already started, or build a
 * verdict on a status from before the run.
 *
 * @param <S> the resource's status type
 */
public final class WrittenStatus<S> {

    private record Written<S>(long resourceVersion, S status) {}

    private final Map<String, Written<S>> byUid = new ConcurrentHashMap<>();

    /** Remembers the status as the write returned it. */
    public void remember(HasMetadata written, S status) {
        version(written).ifPresent(v -> byUid.put(written.getMetadata().getUid(), new Written<>(v, status)));
    }

    /** The status last written, while the cached resource is older than that write. */
    public Optional<S> newerThanCache(HasMetadata cached) {
        String uid = cached.getMetadata().getUid();
        Written<S> written = byUid.get(uid);
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
    private static Optional<Long> version(HasMetadata resource) {
        try {
            return Optional.of(Long.parseLong(resource.getMetadata().getResourceVersion()));
        } catch (NumberFormatException | NullPointerException e) {
            return Optional.empty();
        }
    }
}
