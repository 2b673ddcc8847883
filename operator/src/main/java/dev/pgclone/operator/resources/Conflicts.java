package dev.pgclone.operator.resources;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * Read-modify-write of an object other controllers write too (a PVC the volume binder updates, a
 * Pod the kubelet does): the API server refuses a write based on a version it no longer has (409),
 * and the answer is to read it again and redo the change, a few times, like client-go's
 * RetryOnConflict (without its backoff: the next read already has the newer version). Without it the reconcile fails on a routine race and waits for the
 * framework's retry timer, which, racing with the same object's events, has been seen never to fire.
 */
public final class Conflicts {

    /** Attempts in all; a conflict that outlasts them is a real fight over the object and fails the reconcile. */
    static final int ATTEMPTS = 5;

    private Conflicts() {}

    /** Runs the read-modify-write (it must read the object itself, e.g. fabric8's edit) again after each conflict. */
    public static <T> T retry(Supplier<T> readModifyWrite) {
        for (int attempt = 1; ; attempt++) {
            try {
                return readModifyWrite.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
