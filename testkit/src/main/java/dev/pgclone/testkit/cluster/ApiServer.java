package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * The local cluster's API server: fabric8's mock in CRUD mode (list/watch with label selectors,
 * status subresources, optimistic locking, finalizers) on 127.0.0.1 and a free port, plain HTTP
 * without authentication, behind {@link ClusterDispatcher} (discovery, tables) and a
 * {@link StreamingFront} (client-go's streaming watches) so that kubectl works against it too.
 * <p>
 * Two kubeconfigs: {@link #kubeconfig()} for people and kubectl (the front), and
 * {@link #directKubeconfig()} for fabric8 clients such as the operator, which watch over WebSocket
 * and are served by the mock directly.
 */
public final class ApiServer implements AutoCloseable {

    public static final String CONTEXT = "pgclone-sandbox";
    /** The mock logs every request at INFO; held here so the level setting is not garbage collected. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final ClusterDispatcher dispatcher;
    private final Path kubeconfig;
    private final Path directKubeconfig;
    private StreamingFront front;
    private KubernetesClient frontBackendClient;

    private ApiServer(Path kubeconfig) {
        this.kubeconfig = kubeconfig;
        this.directKubeconfig = kubeconfig.resolveSibling("operator-" + kubeconfig.getFileName());
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        this.dispatcher = new ClusterDispatcher(crud, this::serverAddress);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    }

    /** Starts on 127.0.0.1 and a port the kernel picks, and writes a kubeconfig for it. */
    public static ApiServer start(Path kubeconfig) {
        ApiServer api = new ApiServer(kubeconfig);
        try {
            api.server.init(InetAddress.getByName("127.0.0.1"), 0);
            api.frontBackendClient = api.newClient();
            api.front = new StreamingFront(api.directUrl(), api.frontBackendClient, api.discovery());
            api.writeKubeconfig(api.kubeconfig, api.url());
            api.writeKubeconfig(api.directKubeconfig, api.directUrl());
            return api;
        } catch (IOException | RuntimeException e) {
            api.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private String serverAddress() {
        return "127.0.0.1:" + (front == null ? server.getPort() : front.port());
    }

    /** The port kubectl uses. */
    public int port() {
        return front.port();
    }

    /** The URL kubectl uses. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The mock itself, for fabric8 clients (WebSocket watches). */
    public String directUrl() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** For people and kubectl. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    /** For fabric8-based programs such as the operator. */
    public Path directKubeconfig() {
        return directKubeconfig;
    }

    Discovery discovery() {
        return dispatcher.discovery();
    }

    /** Every request this server answered, by client; benchmarks count the operator's API traffic here. */
    public RequestCounts requestCounts() {
        return dispatcher.counts();
    }

    /** A client of this server; the caller closes it. */
    public KubernetesClient newClient() {
        return newClient(null);
    }

    /** A client that names itself in its User-Agent, so {@link #requestCounts()} tells its requests apart. */
    public KubernetesClient newClient(String userAgent) {
        ConfigBuilder config = new ConfigBuilder(Config.empty()).withMasterUrl(directUrl()).withNamespace("default")
                .withHttp2Disable(true).withRequestTimeout(30_000).withConnectionTimeout(10_000);
        if (userAgent != null) {
            config.withUserAgent(userAgent);
        }
        return new KubernetesClientBuilder().withConfig(config.build()).build();
    }

    private void writeKubeconfig(Path kubeconfig, String url) throws IOException {
        String yaml = """
                # written by the pgclone local cluster; valid while it runs
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster:
                    server: %2$s
                contexts:
                - name: %1$s
                  context:
                    cluster: %1$s
                    user: %1$s
                    namespace: default
                current-context: %1$s
                users:
                - name: %1$s
                  user: {}
                """.formatted(CONTEXT, url);
        Files.createDirectories(kubeconfig.getParent());
        Files.writeString(kubeconfig, yaml);
    }

    @Override
    public void close() {
        if (front != null) {
            front.close();
        }
        if (frontBackendClient != null) {
            frontBackendClient.close();
        }
        server.destroy();
    }
}
