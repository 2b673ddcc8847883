package dev.pgclone.e2e.bench;

import static dev.pgclone.e2e.bench.Report.row;

import dev.pgclone.testkit.cluster.Exec;
import dev.pgclone.testkit.postgres.LocalPostgres;
import dev.pgclone.testkit.postgres.LocalPostgresInstall;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.RequestCounts;
import dev.pgclone.testkit.cluster.StandInCluster;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real operator jar with hundreds of DatabaseClones against the local API server, everything
 * else stood in for ({@link StandInCluster}): snapshots and volumes are instant, every clone Pod is
 * reported Ready at one address where a single real PostgreSQL (trust authentication on loopback)
 * answers each clone's preparation over JDBC, so every clone goes the whole way to Ready without
 * hundreds of postgres processes on a 2-core machine. Measured: time until all are Preparing
 * (PostgresStarted) and Ready, the operator's API requests counted at the server by User-Agent,
 * its heap (Micrometer's jvm_memory_used_bytes) and its RSS (/proc).
 */
final class OperatorScale {

    static final String DRIVER_AGENT = "pgclone-bench";
    private static final Duration TIMEOUT = Duration.ofMinutes(20);

    record Result(int clones, double createdSeconds, double allStartedSeconds, double allReadySeconds, double medianReadySeconds,
                  Map<String, RequestCounts.ClientCounts> requests, long heapPeak, long heapAfterGc, long rssPeak, long rssEnd,
                  String operatorAgent) {}

    private OperatorScale() {}

    static Result measure(Path operatorJar, Path crds, int clones) throws Exception {
        String address = LocalPostgres.freeAddress(5432);
        try (StandInCluster cluster = StandInCluster.start(crds, address)) {
            String major = LocalPostgresInstall.requireMajor();
            long uid = Exec.isRoot() ? 999 : currentUid();
            Path data = cluster.workDir().resolve("shared-postgres").resolve("pgdata");
            LocalPostgres.Options options = new LocalPostgres.Options().major(major).uid(uid).address(address).port(5432).hostAuth("trust")
                    .set("max_connections", "100").set("fsync", "off");
            LocalPostgres.initdb(data, options);
            try (LocalPostgres postgres = LocalPostgres.on(data, cluster.workDir().resolve("shared-postgres-scratch"), options).spawn();
                 OperatorProcess operator = OperatorProcess.start(operatorJar, cluster.operatorKubeconfig(), cluster.workDir().resolve("operator.log"),
                         Duration.ofSeconds(120));
                 KubernetesClient driver = cluster.apiServer().newClient(DRIVER_AGENT)) {
                postgres.awaitAccepting(Duration.ofSeconds(60));
                return run(cluster, operator, driver, clones);
            }
        }
    }

    private static Result run(StandInCluster cluster, OperatorProcess operator, KubernetesClient driver, int clones) throws Exception {
        Volumes.createBound(driver, "default", "scale-source", "10Gi");
        var dbc = driver.genericKubernetesResources(BenchClones.API_VERSION, BenchClones.KIND).inNamespace("default");
        Map<String, Long> started = new ConcurrentHashMap<>();
        Map<String, Long> ready = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        SharedIndexInformer<GenericKubernetesResource> informer = dbc.inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource c) {
                seen(c);
            }

            @Override
            public void onUpdate(GenericKubernetesResource o, GenericKubernetesResource c) {
                seen(c);
            }

            @Override
            public void onDelete(GenericKubernetesResource c, boolean unknown) {
                // nothing is deleted during the measurement
            }

            private void seen(GenericKubernetesResource c) {
                long now = System.nanoTime() - t0;
                if ("True".equals(BenchClones.conditionStatus(c, "PostgresStarted"))) {
                    started.putIfAbsent(c.getMetadata().getName(), now);
                }
                if (BenchClones.readyTrue(c)) {
                    ready.putIfAbsent(c.getMetadata().getName(), now);
                }
            }
        });
        Sampler sampler = new Sampler(operator);
        Thread sampling = new Thread(sampler, "operator-sampler");
        sampling.setDaemon(true);
        try {
            cluster.apiServer().requestCounts().reset();
            long start = System.nanoTime();
            ExecutorService creators = Executors.newFixedThreadPool(4);
            sampling.start();
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < clones; i++) {
                String name = String.format(Locale.ROOT, "scale-%04d", i);
                created.add(creators.submit(() -> dbc.resource(clone(driver, name)).create()));
            }
            for (Future<?> f : created) {
                f.get();
            }
            creators.shutdown();
            double createdSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("  operator scale: %d DatabaseClones created in %.1f s; waiting for all to be Ready ...%n", clones, createdSeconds);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            int reported = 0;
            while (ready.size() < clones && System.nanoTime() < deadline) {
                BenchClones.sleep(500);
                if (ready.size() / 100 > reported) {
                    reported = ready.size() / 100;
                    System.out.printf("  ... %d Ready after %.1f s (%d PostgresStarted)%n", ready.size(), (System.nanoTime() - start) / 1e9, started.size());
                }
            }
            if (ready.size() < clones) {
                throw new IllegalStateException("only " + ready.size() + " of " + clones + " clones were Ready within " + TIMEOUT.toMinutes()
                        + " min; operator log " + operator.log());
            }
            Map<String, RequestCounts.ClientCounts> requests = cluster.apiServer().requestCounts().snapshot();
            double offset = (start - t0) / 1e9;
            double allStarted = started.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e9 - offset;
            double allReady = ready.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1e9 - offset;
            double medianReady = Report.median(ready.values().stream().map(v -> v / 1e9 - offset).toList());
            sampler.stop();
            sampling.join(5_000);
            // the live heap: what the operator keeps for 500 clones, without garbage not yet collected
            Exec.run(Duration.ofSeconds(60), List.of("jcmd", Long.toString(operator.pid()), "GC.run"), null);
            long heapAfterGc = Sampler.heapUsed(operator);
            long[] rss = Sampler.rss(operator.pid());
            return new Result(clones, createdSeconds, allStarted, allReady, medianReady, requests, sampler.heapPeak.get(), heapAfterGc,
                    Math.max(rss[1], sampler.rssPeak.get()), rss[0], operatorAgent(requests));
        } finally {
            sampler.stop();
            informer.close();
        }
    }

    private static GenericKubernetesResource clone(KubernetesClient client, String name) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: %s
                kind: %s
                metadata:
                  name: %s
                  namespace: default
                spec:
                  source:
                    pvcName: scale-source
                    dataDirectory: pgdata
                  postgres:
                    image: postgres:%s
                    runAsUser: 999
                """.formatted(BenchClones.API_VERSION, BenchClones.KIND, name, LocalPostgresInstall.requireMajor()), GenericKubernetesResource.class);
    }

    /** The one User-Agent that is neither the stand-ins' nor the benchmark driver's: the operator's fabric8 client. */
    private static String operatorAgent(Map<String, RequestCounts.ClientCounts> requests) {
        List<String> others = requests.keySet().stream().filter(a -> !a.equals(StandInCluster.USER_AGENT) && !a.equals(DRIVER_AGENT)).toList();
        if (others.size() != 1) {
            throw new IllegalStateException("expected the operator's requests under one User-Agent besides the stand-ins' and the driver's, found "
                    + requests.keySet());
        }
        return others.get(0);
    }

    /** The operator's heap (from its /q/metrics) and RSS (from /proc), every second while the clones are worked on. */
    private static final class Sampler implements Runnable {
        private final OperatorProcess operator;
        final AtomicLong heapPeak = new AtomicLong();
        final AtomicLong rssPeak = new AtomicLong();
        private volatile boolean stopped;

        Sampler(OperatorProcess operator) {
            this.operator = operator;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            while (!stopped) {
                try {
                    heapPeak.accumulateAndGet(heapUsed(operator), Math::max);
                    rssPeak.accumulateAndGet(rss(operator.pid())[0], Math::max);
                } catch (RuntimeException e) {
                    // one missed sample; the next second tries again
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** The sum of jvm_memory_used_bytes{area="heap"} over the heap's pools. */
        static long heapUsed(OperatorProcess operator) {
            try {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(operator.httpUrl() + "/q/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                double sum = 0;
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
                return (long) sum;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the operator's metrics: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** {VmRSS, VmHWM} in bytes. */
        static long[] rss(long pid) {
            try {
                long rss = 0;
                long hwm = 0;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kib(line);
                    } else if (line.startsWith("VmHWM:")) {
                        hwm = kib(line);
                    }
                }
                return new long[] {rss, hwm};
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static long kib(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
    }

    private static long currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            return 0;
        }
    }

    static void report(Result r, Report report) {
        RequestCounts.ClientCounts op = r.requests().get(r.operatorAgent());
        RequestCounts.ClientCounts standIns = r.requests().getOrDefault(StandInCluster.USER_AGENT, new RequestCounts.ClientCounts(Map.of(), 0));
        List<List<String>> rows = new ArrayList<>();
        rows.add(row("measured", "value"));
        rows.add(row("DatabaseClones", Integer.toString(r.clones())));
        rows.add(row("all created by the benchmark (4 threads)", Report.seconds(r.createdSeconds())));
        rows.add(row("all reached Preparing (PostgresStarted=True), from the first create", Report.seconds(r.allStartedSeconds())));
        rows.add(row("**all Ready**, from the first create", Report.seconds(r.allReadySeconds())));
        rows.add(row("median clone Ready, from the first create", Report.seconds(r.medianReadySeconds())));
        rows.add(row("throughput", String.format(Locale.ROOT, "%.1f clones/s", r.clones() / r.allReadySeconds())));
        rows.add(row("**operator API requests per clone** (counted at the server)", String.format(Locale.ROOT, "%.1f", (double) op.total() / r.clones())));
        rows.add(row("  by method, per clone", perClone(op, r.clones())));
        rows.add(row("  API server time answering the operator", Report.seconds(op.serverNanos() / 1e9)));
        rows.add(row("stand-ins' requests per clone (snapshotter, provisioner, kubelet, GC; for comparison)",
                String.format(Locale.ROOT, "%.1f", (double) standIns.total() / r.clones())));
        rows.add(row("operator heap used, peak of 1 s samples", Report.bytes(r.heapPeak())));
        rows.add(row("operator heap used after a full GC, all clones Ready", Report.bytes(r.heapAfterGc())));
        rows.add(row("operator RSS, peak (VmHWM) / at the end", Report.bytes(r.rssPeak()) + " / " + Report.bytes(r.rssEnd())));
        report.table(rows);
    }

    private static String perClone(RequestCounts.ClientCounts counts, int clones) {
        List<String> parts = new ArrayList<>();
        counts.byMethod().forEach((method, n) -> parts.add(method + " " + String.format(Locale.ROOT, "%.1f", (double) n / clones)));
        return String.join(", ", parts);
    }
}
