package dev.pgclone.operator.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.stream.Stream;

/**
 * An informer store that keeps only objects carrying the operator's valid {@link Ownership#MARK}.
 * The informers select on the mark label's presence, which anyone can set; without this store a
 * namespace user could plant any number of labelled objects and fill the operator's memory. A
 * planted object still passes through the watch, but is never kept (and, with the matching event
 * filter, never wakes a reconcile).
 */
public final class MarkedOnly<R extends HasMetadata> implements ItemStore<R> {

    private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final Ownership ownership;

    public MarkedOnly(Ownership ownership) {
        this.ownership = ownership;
    }

    @Override
    public String getKey(R object) {
        return store.getKey(object);
    }

    @Override
    public R put(String key, R object) {
        if (!ownership.marked(object)) {
            // an object that lost its mark (or never had a valid one) must not linger from an earlier version
            return store.remove(key);
        }
        return store.put(key, object);
    }

    @Override
    public R remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<R> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public R get(String key) {
        return store.get(key);
    }
}
