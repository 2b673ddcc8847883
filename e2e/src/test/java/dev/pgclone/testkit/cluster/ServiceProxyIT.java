package dev.pgclone.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kube-proxy stand-in against the mock API server and plain TCP servers standing in for pods
 * (no postgres, a few seconds): address allocation, named target ports, Ready endpoints only, a
 * selector switch for new connections while an old one keeps flowing, reject without endpoints,
 * and nothing left listening or running after a Service is deleted and the proxy closed.
 */
class ServiceProxyIT {

    static final String NS = "default";
    static final int SERVICE_PORT = 7000;

    Path dir;
    ApiServer api;
    KubernetesClient client;
    ServiceProxy proxy;
    final List<Backend> backends = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("service-proxy-it");
        api = ApiServer.start(dir.resolve("kubeconfig"));
        client = api.newClient();
        proxy = new ServiceProxy(client).start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        backends.forEach(Backend::close);
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
        Kubelet.deleteTree(dir);
    }

    @Test
    void routesNewConnectionsToTheReadyPodsTheSelectorPicksNow() throws Exception {
        // the pod-range addresses the kubelet would use last; nothing else runs there during this test
        Backend a = backend("127.0.0.253", "A");
        Backend b = backend("127.0.0.254", "B");
        client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("db").withNamespace(NS).endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(Map.of("app", "a"))
                .addNewPort().withName("web").withProtocol("TCP").withPort(SERVICE_PORT).withTargetPort(new IntOrString("web")).endPort()
                .endSpec().build()).create();

        Service routed = await().atMost(Duration.ofSeconds(10)).until(() -> client.services().inNamespace(NS).withName("db").get(),
                s -> s.getSpec().getClusterIP() != null && !s.getSpec().getClusterIP().isBlank());
        String ip = routed.getSpec().getClusterIP();
        assertThat(ip).as("cluster IP outside the pod range").startsWith("127.0.1.");
        assertThat(routed.getSpec().getClusterIPs()).containsExactly(ip);

        // no pod yet: the connection is refused or ended at once, never left hanging
        await().atMost(Duration.ofSeconds(10)).until(() -> listening(ip));
        assertThat(firstLine(ip)).as("answer without endpoints").isNull();

        pod("a-0", "a", a, false);
        assertThat(firstLine(ip)).as("answer while the only pod is not Ready").isNull();
        markReady("a-0");
        assertThat(firstLine(ip)).isEqualTo("A");

        try (Connection old = connect(ip)) {
            assertThat(old.line()).isEqualTo("A");
            pod("b-0", "b", b, true);
            client.services().inNamespace(NS).withName("db").edit(s -> {
                s.getSpec().setSelector(Map.of("app", "b"));
                return s;
            });
            assertThat(firstLine(ip)).as("a new connection after the selector switch").isEqualTo("B");
            assertThat(old.echo("still here")).as("the established connection keeps flowing to A").isEqualTo("A:still here");
            assertThat(routed.getSpec().getClusterIP()).isEqualTo(client.services().inNamespace(NS).withName("db").get().getSpec().getClusterIP());

            client.pods().inNamespace(NS).withName("b-0").delete();
            assertThat(firstLine(ip)).as("answer once the selected pod is gone").isNull();

            client.services().inNamespace(NS).withName("db").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> !listening(ip));
            assertThat(old.echo("after delete")).as("established connections outlive the Service, as with conntrack").isEqualTo("A:after delete");

            proxy.close();
            assertThat(old.closedByPeer()).as("the proxy's close ends its connections").isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("service-proxy")).map(Thread::getName).toList()).as("proxy threads").isEmpty());
    }

    @Test
    void resolvesNumericAndMissingTargetPorts() {
        Pod pod = new PodBuilder().withNewSpec().addNewContainer().withName("c").addNewPort().withName("web").withContainerPort(8080)
                .endPort().endContainer().endSpec().build();
        var numeric = new io.fabric8.kubernetes.api.model.ServicePortBuilder().withPort(80).withTargetPort(new IntOrString(9090)).build();
        var none = new io.fabric8.kubernetes.api.model.ServicePortBuilder().withPort(80).build();
        var named = new io.fabric8.kubernetes.api.model.ServicePortBuilder().withPort(80).withTargetPort(new IntOrString("web")).build();
        var unknown = new io.fabric8.kubernetes.api.model.ServicePortBuilder().withPort(80).withTargetPort(new IntOrString("grpc")).build();
        assertThat(ServiceProxy.targetPort(pod, numeric)).isEqualTo(9090);
        assertThat(ServiceProxy.targetPort(pod, none)).isEqualTo(80);
        assertThat(ServiceProxy.targetPort(pod, named)).isEqualTo(8080);
        assertThat(ServiceProxy.targetPort(pod, unknown)).as("a pod without the named port is no endpoint").isNull();
    }

    // ------------------------------------------------------------------------------------ helpers

    private void pod(String name, String app, Backend backend, boolean ready) {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .withLabels(Map.of("app", app)).endMetadata()
                .withNewSpec().addNewContainer().withName("server").withImage("none")
                .addNewPort().withName("web").withContainerPort(backend.port()).endPort().endContainer().endSpec().build()).create();
        client.pods().inNamespace(NS).withName(name).editStatus(p -> {
            p.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP(backend.ip)
                    .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build()).build());
            return p;
        });
    }

    private void markReady(String name) {
        client.pods().inNamespace(NS).withName(name).editStatus(p -> {
            p.getStatus().getConditions().get(0).setStatus("True");
            return p;
        });
    }

    private Backend backend(String ip, String name) throws IOException {
        Backend b = new Backend(ip, name);
        backends.add(b);
        return b;
    }

    private static boolean listening(String ip) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, SERVICE_PORT), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** What a new connection through the Service reads first, or null when it is refused or ended without a word. */
    private static String firstLine(String ip) throws IOException {
        try (Connection c = connect(ip)) {
            return c.line();
        } catch (java.net.SocketException e) {
            // refused (ConnectException), or reset while the connection was being set up: no endpoint answered
            return null;
        }
    }

    private static Connection connect(String ip) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(ip, SERVICE_PORT), 2000);
        // an endpoint answers at once; a rejected connection ends at once: 5 s only guards against a hang
        s.setSoTimeout(5000);
        return new Connection(s);
    }

    record Connection(Socket socket, BufferedReader in, PrintWriter out) implements AutoCloseable {
        Connection(Socket socket) throws IOException {
            this(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)),
                    new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8));
        }

        String line() throws IOException {
            try {
                return in.readLine();
            } catch (java.net.SocketException reset) {
                return null;
            }
        }

        String echo(String text) throws IOException {
            out.println(text);
            return in.readLine();
        }

        boolean closedByPeer() throws IOException {
            try {
                return in.readLine() == null;
            } catch (java.net.SocketException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A pod's server: greets with its name, then echoes each line prefixed with it. */
    static final class Backend {
        final String ip;
        final String name;
        final ServerSocket server;
        final List<Socket> accepted = new ArrayList<>();

        Backend(String ip, String name) throws IOException {
            this.ip = ip;
            this.name = name;
            this.server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
            Thread t = new Thread(this::serve, "backend-" + name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread t = new Thread(() -> echo(s), "backend-" + name + "-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void echo(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                out.println(name);
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(name + ":" + line);
                }
            } catch (IOException ignored) {
                // the proxy closed it
            }
        }

        void close() {
            try {
                server.close();
                synchronized (accepted) {
                    for (Socket s : accepted) {
                        s.close();
                    }
                }
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
