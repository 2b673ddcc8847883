package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cluster's kube-proxy: Services route. Each Service (ClusterIP, NodePort and
 * LoadBalancer alike; not headless or ExternalName ones) gets a cluster IP from 127.0.1.2-254,
 * written to {@code spec.clusterIP} as the API server's allocator would (the mock allocates
 * nothing). Pods live on 127.0.0.N ({@link LoopbackAddresses}) and the sample servers on 127.0.0.101-250,
 * so the two ranges cannot meet; Linux routes all of 127/8 to loopback without configuration.
 * <p>
 * Per Service port a TCP listener on clusterIP:port hands each new connection to one Ready
 * endpoint, chosen at random as iptables mode does: a Pod in the Service's namespace whose labels
 * match {@code spec.selector}, whose Ready condition is True and which is not terminating, at
 * podIP:targetPort (a named targetPort resolved through the Pod's container ports). The Service and
 * its Pods are read from the API server for every connection, so a selector switch applies to the
 * next connection while established ones keep flowing to where they went, as with conntrack. No
 * Ready endpoint: the connection is reset at once (kube-proxy REJECTs). A deleted Service stops
 * listening; its established connections end when either side does. {@link #close()} closes every
 * listener and connection and stops every thread.
 */
public final class ServiceProxy implements AutoCloseable {

    static final String PREFIX = "127.0.1.";
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxy.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** Two threads per connection (one per direction): at most 128 connections through all Services at once. */
    private static final int MAX_THREADS = 256;

    private final KubernetesClient client;
    private final Map<String, Routed> services = new HashMap<>();
    private final Set<Integer> taken = new HashSet<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final ThreadPoolExecutor workers;
    private SharedIndexInformer<Service> informer;
    private volatile boolean closed;

    /** One Service's address and listeners; uid tells a Service recreated under the same name from the old one. */
    private static final class Routed {
        final String uid;
        final String ip;
        final Map<Integer, Listener> listeners = new HashMap<>();

        Routed(String uid, String ip) {
            this.uid = uid;
            this.ip = ip;
        }
    }

    ServiceProxy(KubernetesClient client) {
        this.client = client;
        // threads are made on demand and die after 30 s idle; daemon, so a forgotten close never keeps a JVM up
        this.workers = new ThreadPoolExecutor(0, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "service-proxy-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    ServiceProxy start() {
        informer = client.services().inAnyNamespace()
                .inform(Informers.handler(LOG, "Service", this::reconcile, this::deleted), Informers.RESYNC_MILLIS);
        return this;
    }

    // ------------------------------------------------------------------------------------ services

    private synchronized void reconcile(Service service) {
        if (closed) {
            return;
        }
        String key = key(service);
        String uid = service.getMetadata().getUid();
        Routed routed = services.get(key);
        if (routed != null && !routed.uid.equals(uid)) {
            stop(key);
            routed = null;
        }
        if (service.getMetadata().getDeletionTimestamp() != null || !proxied(service)) {
            if (routed != null) {
                stop(key);
            }
            return;
        }
        Set<Integer> ports = tcpPorts(service);
        String written = service.getSpec().getClusterIP();
        if (routed == null) {
            if (written == null || written.isBlank()) {
                routed = allocate(uid, ports);
                if (routed == null) {
                    LOG.warn("Service {}: no free address in {}2-254 for ports {}; it does not route", key, PREFIX, ports);
                    return;
                }
            } else {
                routed = adopt(key, uid, written, ports);
                if (routed == null) {
                    return;
                }
            }
            services.put(key, routed);
            LOG.info("Service {}: routing {}:{}", key, routed.ip, ports);
        }
        if (!routed.ip.equals(written)) {
            String ip = routed.ip;
            // as the API server's allocator would have: the address is part of the object kubectl shows
            client.services().inNamespace(service.getMetadata().getNamespace()).withName(service.getMetadata().getName()).edit(s -> {
                s.getSpec().setClusterIP(ip);
                s.getSpec().setClusterIPs(List.of(ip));
                return s;
            });
        }
        openAndClose(key, routed, ports);
    }

    private synchronized void deleted(Service service) {
        Routed routed = services.get(key(service));
        if (routed != null && routed.uid.equals(service.getMetadata().getUid())) {
            stop(key(service));
        }
    }

    /** A free 127.0.1.N where every port binds (another local cluster's proxy may hold some addresses). */
    private Routed allocate(String uid, Set<Integer> ports) {
        for (int n = 2; n < 255; n++) {
            if (taken.contains(n)) {
                continue;
            }
            Routed candidate = new Routed(uid, PREFIX + n);
            if (bindAll(candidate, ports)) {
                taken.add(n);
                return candidate;
            }
        }
        return null;
    }

    /** A Service that already has an address: ours after a resync, or one a user set; only our range can be served. */
    private Routed adopt(String key, String uid, String ip, Set<Integer> ports) {
        Integer n = hostPart(ip);
        if (n == null || taken.contains(n)) {
            LOG.warn("Service {}: spec.clusterIP {} is not a free address of {}2-254; it does not route", key, ip, PREFIX);
            return null;
        }
        Routed candidate = new Routed(uid, ip);
        if (!bindAll(candidate, ports)) {
            LOG.warn("Service {}: cannot listen on {} for ports {}; it does not route", key, ip, ports);
            return null;
        }
        taken.add(n);
        return candidate;
    }

    private boolean bindAll(Routed routed, Set<Integer> ports) {
        for (int port : ports) {
            try {
                routed.listeners.put(port, new Listener(routed.ip, port));
            } catch (IOException e) {
                routed.listeners.values().forEach(Listener::close);
                routed.listeners.clear();
                return false;
            }
        }
        return true;
    }

    /** Ports added to or removed from the Service since it was last seen. */
    private void openAndClose(String key, Routed routed, Set<Integer> ports) {
        routed.listeners.entrySet().removeIf(e -> {
            if (!ports.contains(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        for (int port : ports) {
            if (!routed.listeners.containsKey(port)) {
                try {
                    routed.listeners.put(port, new Listener(routed.ip, port));
                } catch (IOException e) {
                    LOG.warn("Service {}: cannot listen on {}:{}: {}", key, routed.ip, port, e.toString());
                }
            }
        }
        for (Listener l : routed.listeners.values()) {
            l.serviceKey = key;
            l.startIfNew();
        }
    }

    private void stop(String key) {
        Routed routed = services.remove(key);
        if (routed != null) {
            routed.listeners.values().forEach(Listener::close);
            taken.remove(hostPart(routed.ip));
            LOG.info("Service {}: no longer routing {}", key, routed.ip);
        }
    }

    private static boolean proxied(Service service) {
        // the API server's own Service (the real control plane makes it) has no Pods behind it here
        boolean apiServer = "default".equals(service.getMetadata().getNamespace()) && "kubernetes".equals(service.getMetadata().getName());
        return !apiServer && service.getSpec() != null && !"ExternalName".equals(service.getSpec().getType())
                && !"None".equals(service.getSpec().getClusterIP());
    }

    private static Set<Integer> tcpPorts(Service service) {
        Set<Integer> ports = new TreeSet<>();
        if (service.getSpec().getPorts() != null) {
            for (ServicePort p : service.getSpec().getPorts()) {
                if (p.getPort() != null && (p.getProtocol() == null || "TCP".equals(p.getProtocol()))) {
                    ports.add(p.getPort());
                }
            }
        }
        return ports;
    }

    private static Integer hostPart(String ip) {
        if (ip == null || !ip.startsWith(PREFIX)) {
            return null;
        }
        try {
            int n = Integer.parseInt(ip.substring(PREFIX.length()));
            return n >= 2 && n <= 254 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String key(Service s) {
        return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
    }

    // ------------------------------------------------------------------------------------ routing

    /** Where a new connection to {@code key}'s {@code port} goes now, or null when there is no Ready endpoint. */
    InetSocketAddress endpoint(String key, int port) {
        String[] nsName = key.split("/", 2);
        Service service = client.services().inNamespace(nsName[0]).withName(nsName[1]).get();
        if (service == null || service.getSpec().getSelector() == null || service.getSpec().getSelector().isEmpty()) {
            // a Service without a selector has hand-made Endpoints in Kubernetes; not modelled here
            return null;
        }
        ServicePort servicePort = service.getSpec().getPorts() == null ? null : service.getSpec().getPorts().stream()
                .filter(p -> Objects.equals(p.getPort(), port)).findFirst().orElse(null);
        if (servicePort == null) {
            return null;
        }
        List<InetSocketAddress> ready = new ArrayList<>();
        for (Pod pod : client.pods().inNamespace(nsName[0]).withLabels(service.getSpec().getSelector()).list().getItems()) {
            if (pod.getMetadata().getDeletionTimestamp() != null || !SampleProduction.isReady(pod) || pod.getStatus().getPodIP() == null) {
                continue;
            }
            Integer target = targetPort(pod, servicePort);
            if (target != null) {
                ready.add(new InetSocketAddress(pod.getStatus().getPodIP(), target));
            }
        }
        return ready.isEmpty() ? null : ready.get(ThreadLocalRandom.current().nextInt(ready.size()));
    }

    /** targetPort as a number, a name of one of the Pod's container ports, or (absent) the Service port itself. */
    static Integer targetPort(Pod pod, ServicePort servicePort) {
        IntOrString target = servicePort.getTargetPort();
        if (target == null || (target.getIntVal() == null && (target.getStrVal() == null || target.getStrVal().isEmpty()))) {
            return servicePort.getPort();
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort p : c.getPorts()) {
                boolean tcp = p.getProtocol() == null || "TCP".equals(p.getProtocol());
                if (tcp && target.getStrVal().equals(p.getName())) {
                    return p.getContainerPort();
                }
            }
        }
        // a Pod without that named port is no endpoint of this Service port, as in the endpoints controller
        return null;
    }

    /** Runs on a worker: picks the endpoint, connects, then copies both ways (this thread one way, a second worker the other). */
    private void route(String key, int port, Socket client) {
        InetSocketAddress target;
        try {
            target = endpoint(key, port);
        } catch (RuntimeException e) {
            LOG.warn("Service {}: cannot read its endpoints: {}", key, e.toString());
            target = null;
        }
        if (target == null) {
            LOG.debug("Service {}:{}: no Ready endpoint, connection rejected", key, port);
            reset(client);
            return;
        }
        Socket upstream = new Socket();
        open.add(upstream);
        if (closed) {
            // close() may have swept the open sockets before this one was added
            closeQuietly(upstream);
            reset(client);
            return;
        }
        try {
            upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            LOG.debug("Service {}:{}: endpoint {} refused: {}", key, port, target, e.toString());
            closeQuietly(upstream);
            reset(client);
            return;
        }
        Pair pair = new Pair(client, upstream);
        try {
            workers.execute(() -> pair.copy(upstream, client));
        } catch (RejectedExecutionException e) {
            LOG.warn("Service {}:{}: too many connections through the proxy ({} threads); connection closed", key, port, MAX_THREADS);
            pair.closeBoth();
            return;
        }
        pair.copy(client, upstream);
    }

    /** Both sockets of one proxied connection: an end of stream is passed on as a half-close; both close once both directions ended or either failed. */
    private final class Pair {
        private final Socket a;
        private final Socket b;
        private final AtomicInteger finished = new AtomicInteger();

        Pair(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        void copy(Socket from, Socket to) {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
                if (finished.incrementAndGet() == 2) {
                    closeBoth();
                }
            } catch (IOException e) {
                // one side went away or was closed: nothing more can flow either way
                closeBoth();
            }
        }

        void closeBoth() {
            closeQuietly(a);
            closeQuietly(b);
        }
    }

    private void reset(Socket s) {
        try {
            // linger 0: an RST, so the client fails at once as on a rejected connection instead of reading an orderly end
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closing still ends it
        }
        closeQuietly(s);
    }

    private void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        } finally {
            open.remove(s);
        }
    }

    /** clusterIP:port: accepts on its own daemon thread and hands each connection to a worker. */
    private final class Listener {
        private final ServerSocket server;
        private final int port;
        private volatile String serviceKey;
        private Thread acceptor;

        Listener(String ip, int port) throws IOException {
            this.port = port;
            ServerSocket s = new ServerSocket();
            try {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(ip), port), 128);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            this.server = s;
        }

        void startIfNew() {
            if (acceptor == null) {
                acceptor = new Thread(this::acceptLoop, "service-proxy-accept-" + serviceKey + ":" + port);
                acceptor.setDaemon(true);
                acceptor.start();
            }
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                Socket accepted;
                try {
                    accepted = server.accept();
                } catch (IOException e) {
                    return; // closed: the Service is gone or the cluster stops
                }
                open.add(accepted);
                String key = serviceKey;
                try {
                    workers.execute(() -> route(key, port, accepted));
                } catch (RejectedExecutionException e) {
                    reset(accepted);
                }
            }
        }

        void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // nothing to release
            }
            if (acceptor != null && acceptor != Thread.currentThread()) {
                try {
                    acceptor.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Stops watching, closes every listener and every proxied connection, and ends the worker threads. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (String key : new ArrayList<>(services.keySet())) {
                stop(key);
            }
        }
        if (informer != null) {
            informer.close();
        }
        for (Socket s : new ArrayList<>(open)) {
            closeQuietly(s);
        }
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("service proxy: workers still running after 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
