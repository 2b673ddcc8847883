package dev.pgclone.testkit.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The address kubectl (and anything using client-go) talks to. client-go watches with a plain
 * long-lived HTTP GET whose body streams one JSON event per line; the fabric8 mock only serves
 * watches over WebSocket. This front streams such watches itself, fed by a WebSocket watch on the
 * mock, and passes every other request through unchanged. A WebSocket upgrade gets 503, which makes
 * fabric8 clients fall back to the same streaming HTTP watch, so any client works here.
 */
final class StreamingFront implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("connection", "content-length", "host", "upgrade", "transfer-encoding",
            "expect", "keep-alive", "te", "trailer", "proxy-connection", "http2-settings");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "api-front");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String backend;
    private final KubernetesClient backendClient;
    private final Discovery discovery;
    private final KubernetesSerialization json = new KubernetesSerialization();
    private volatile boolean closed;

    StreamingFront(String backend, KubernetesClient backendClient, Discovery discovery) throws IOException {
        this.backend = backend;
        this.backendClient = backendClient;
        this.discovery = discovery;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            Map<String, String> params = params(query);
            String upgrade = exchange.getRequestHeaders().getFirst("Upgrade");
            if (upgrade != null && "websocket".equalsIgnoreCase(upgrade)) {
                // fabric8 treats 503 on the handshake as "no WebSocket here" and watches over HTTP
                send(exchange, 503, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503,"
                        + "\"message\":\"watch over HTTP\"}");
                return;
            }
            if ("GET".equals(exchange.getRequestMethod()) && "true".equals(params.get("watch"))) {
                watch(exchange, params);
                return;
            }
            proxy(exchange);
        } catch (RuntimeException e) {
            send(exchange, 500, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":500,\"message\":"
                    + json.asJson(String.valueOf(e)) + "}");
        }
    }

    private void proxy(HttpExchange exchange) throws IOException {
        URI target = URI.create(backend + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase())) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase()) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        byte[] out = response.body();
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
    }

    /**
     * Streams the watch. Objects changed since the resourceVersion the client listed at are sent
     * first as MODIFIED events, so nothing that happened between its list and this watch is lost.
     */
    private void watch(HttpExchange exchange, Map<String, String> params) throws IOException {
        Optional<String[]> resource = Tables.resourceOf(exchange.getRequestURI().getPath());
        Optional<ApiResourceInfo> type = resource.flatMap(r -> discovery.find(r[0], r[1], r[2]));
        if (type.isEmpty()) {
            send(exchange, 404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":404,\"reason\":\"NotFound\"}");
            return;
        }
        String namespace = namespaceOf(exchange.getRequestURI().getPath());
        var ops = backendClient.genericKubernetesResources(type.get().groupVersion(), type.get().kind());
        FilterWatchListDeletable<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> scoped =
                namespace == null ? ops.inAnyNamespace() : ops.inNamespace(namespace);
        ListOptions options = new ListOptionsBuilder().withLabelSelector(params.get("labelSelector"))
                .withFieldSelector(params.get("fieldSelector")).build();
        long timeoutSeconds = params.containsKey("timeoutSeconds") ? Math.min(Long.parseLong(params.get("timeoutSeconds")), 1800) : 1800;
        BlockingQueue<String> events = new ArrayBlockingQueue<>(10_000);
        Watch watch = scoped.watch(options, new Watcher<>() {
            @Override
            public void eventReceived(Action action, GenericKubernetesResource resource) {
                events.offer(event(action.name(), resource));
            }

            @Override
            public void onClose(WatcherException cause) {
                events.offer("");
            }
        });
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("Transfer-Encoding", "chunked");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            long since = parseLong(params.get("resourceVersion"));
            if (since > 0) {
                for (GenericKubernetesResource item : scoped.list(new ListOptionsBuilder().withLabelSelector(params.get("labelSelector"))
                        .withFieldSelector(params.get("fieldSelector")).build()).getItems()) {
                    if (parseLong(item.getMetadata().getResourceVersion()) > since) {
                        write(out, event("MODIFIED", item));
                    }
                }
            }
            out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!closed && System.nanoTime() < deadline) {
                String e = events.poll(1, TimeUnit.SECONDS);
                if (e == null) {
                    continue;
                }
                if (e.isEmpty()) {
                    break;
                }
                write(out, e);
            }
            out.close();
        } catch (IOException e) {
            // the client went away; its watch ends here
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watch.close();
        }
    }

    private String event(String type, GenericKubernetesResource object) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("object", object);
        return json.asJson(e);
    }

    private static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String namespaceOf(String path) {
        List<String> p = List.of(path.substring(1).split("/"));
        int i = p.indexOf("namespaces");
        int start = "api".equals(p.get(0)) ? 2 : 3;
        return i == start && p.size() > i + 2 ? p.get(i + 1) : null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query == null) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void send(HttpExchange exchange, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, b.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(b);
        }
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
    }
}
