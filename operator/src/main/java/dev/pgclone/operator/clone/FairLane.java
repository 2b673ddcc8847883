package dev.pgclone.operator.clone;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed number of workers shared by namespaces, none of which may hold more than its share of
 * them. Tasks beyond a namespace's share, or beyond the free workers, wait here in order and start
 * as soon as a worker frees; the namespaces with waiting tasks take turns, so one namespace with a
 * long backlog of slow scripts delays another by at most one task per worker, never by its backlog.
 *
 * <p>The thread pool behind is only ever handed as many tasks as it has workers, so its own queue
 * stays empty: every decision about order is made here, under one lock, and is deterministic.
 */
final class FairLane {

    /**
     * A task handed in. Tasks are told apart by identity: two submissions are two tasks.
     * @param afterWaiting run when a worker takes the task, if it did not start at once
     */
    record Task(String namespace, Runnable afterWaiting, Runnable work) {
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private final int workers;
    private final int perNamespace;
    private final int maxWaiting;
    private final ThreadPoolExecutor pool;
    /** Waiting tasks per namespace, namespaces in the order their first waiting task came. */
    private final Map<String, ArrayDeque<Task>> waiting = new LinkedHashMap<>();
    /** Namespaces with work here, the one a worker was given to longest ago first; whose turn it is. */
    private final LinkedHashSet<String> served = new LinkedHashSet<>();
    private final Map<String, Integer> running = new HashMap<>();
    private final Set<Task> waited = new HashSet<>();
    private int active;
    private int waitingCount;

    FairLane(String name, int workers, int perNamespace, int maxWaiting) {
        if (workers < 1 || perNamespace < 1) {
            throw new IllegalArgumentException(name + ": workers and the share per namespace must be at least 1");
        }
        this.workers = workers;
        this.perNamespace = Math.min(perNamespace, workers);
        this.maxWaiting = maxWaiting;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.pool.allowCoreThreadTimeOut(true);
    }

    /**
     * @return false only when {@code maxWaiting} tasks already wait: a bound on memory, not on any
     *     one namespace (its share already bounds that)
     */
    synchronized boolean submit(Task task) {
        if (pool.isShutdown()) {
            return false;
        }
        if (waitingCount >= maxWaiting && !canStart(task.namespace())) {
            return false;
        }
        waiting.computeIfAbsent(task.namespace(), ns -> new ArrayDeque<>()).addLast(task);
        waitingCount++;
        dispatch();
        if (isWaiting(task)) {
            waited.add(task);
        }
        return true;
    }

    /** Whether the task was started; false while it waits for a worker or for its namespace's share. */
    synchronized boolean isWaiting(Task task) {
        ArrayDeque<Task> queue = waiting.get(task.namespace());
        return queue != null && queue.contains(task);
    }

    synchronized int running(String namespace) {
        return running.getOrDefault(namespace, 0);
    }

    int perNamespace() {
        return perNamespace;
    }

    int workers() {
        return workers;
    }

    void shutdown() {
        pool.shutdownNow();
    }

    private boolean canStart(String namespace) {
        return active < workers && running.getOrDefault(namespace, 0) < perNamespace;
    }

    /**
     * Starts waiting tasks while workers are free, one at a time to the namespace whose turn it is:
     * one that has not been given a worker yet, else the one given one longest ago.
     */
    private void dispatch() {
        if (pool.isShutdown()) {
            return;
        }
        while (active < workers) {
            String next = waiting.keySet().stream().filter(this::canStart).filter(ns -> !served.contains(ns)).findFirst()
                    .orElseGet(() -> served.stream().filter(waiting::containsKey).filter(this::canStart).findFirst().orElse(null));
            if (next == null) {
                return;
            }
            ArrayDeque<Task> queue = waiting.get(next);
            Task task = queue.pollFirst();
            if (queue.isEmpty()) {
                waiting.remove(next);
            }
            waitingCount--;
            running.merge(next, 1, Integer::sum);
            active++;
            served.remove(next);
            served.add(next);
            pool.execute(() -> run(task));
        }
    }

    private void run(Task task) {
        try {
            boolean afterWaiting;
            synchronized (this) {
                afterWaiting = waited.remove(task);
            }
            if (afterWaiting) {
                task.afterWaiting().run();
            }
            task.work().run();
        } finally {
            synchronized (this) {
                active--;
                running.merge(task.namespace(), -1, (a, b) -> a + b == 0 ? null : a + b);
                if (!running.containsKey(task.namespace()) && !waiting.containsKey(task.namespace())) {
                    // an idle namespace is forgotten: it comes first when it has work again
                    served.remove(task.namespace());
                }
                dispatch();
            }
        }
    }
}
