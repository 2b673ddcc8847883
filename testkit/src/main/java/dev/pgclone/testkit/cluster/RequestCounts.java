package dev.pgclone.testkit.cluster;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests the local API server answered, by client (User-Agent) and method, and the time it spent
 * answering them. Benchmarks give their own clients a User-Agent of their own, so what the operator
 * asked for is counted apart from what the stand-in controllers and the benchmark driver did.
 */
public final class RequestCounts {

    /** A client's requests by method, e.g. {GET=1200, PATCH=500}, and the server's time on them. */
    public record ClientCounts(Map<String, Long> byMethod, long serverNanos) {
        public long total() {
            return byMethod.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Map<String, Map<String, LongAdder>> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();

    void record(String userAgent, String method, long serverNanos) {
        String client = userAgent == null || userAgent.isBlank() ? "(none)" : userAgent;
        counts.computeIfAbsent(client, k -> new ConcurrentHashMap<>()).computeIfAbsent(method, k -> new LongAdder()).increment();
        nanos.computeIfAbsent(client, k -> new LongAdder()).add(serverNanos);
    }

    /** A copy of the counts so far, by User-Agent. */
    public Map<String, ClientCounts> snapshot() {
        Map<String, ClientCounts> out = new TreeMap<>();
        counts.forEach((client, methods) -> {
            Map<String, Long> m = new TreeMap<>();
            methods.forEach((method, n) -> m.put(method, n.sum()));
            LongAdder t = nanos.get(client);
            out.put(client, new ClientCounts(m, t == null ? 0 : t.sum()));
        });
        return out;
    }

    public void reset() {
        counts.clear();
        nanos.clear();
    }
}
