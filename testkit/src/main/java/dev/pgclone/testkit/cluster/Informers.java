package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;

/** Event handlers for the local controllers: one failing event is logged and retried on the next resync, never fatal. */
final class Informers {

    /** How often every informer replays its cache, so "waiting for X" is re-checked without cross-watches. */
    static final long RESYNC_MILLIS = 2_000;

    private Informers() {}

    static <T extends HasMetadata> ResourceEventHandler<T> handler(Logger log, String what, Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                guarded(log, what, obj, upsert);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                guarded(log, what, newObj, upsert);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                if (delete != null) {
                    guarded(log, what, obj, delete);
                }
            }
        };
    }

    private static <T extends HasMetadata> void guarded(Logger log, String what, T obj, Consumer<T> action) {
        try {
            action.accept(obj);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                log.debug("{} {}/{}: {} (retried on resync)", what, obj.getMetadata().getNamespace(), obj.getMetadata().getName(), e.getMessage());
            } else {
                log.warn("{} {}/{}: {}", what, obj.getMetadata().getNamespace(), obj.getMetadata().getName(), e.getMessage());
            }
        } catch (RuntimeException e) {
            log.warn("{} {}/{} failed: {}", what, obj.getMetadata().getNamespace(), obj.getMetadata().getName(), e.toString(), e);
        }
    }

    static boolean ignorable(KubernetesClientException e) {
        return e.getCode() == 404 || e.getCode() == 409;
    }
}
