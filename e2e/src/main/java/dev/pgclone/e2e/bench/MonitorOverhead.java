package dev.pgclone.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * What the rehearsal's lock monitor costs the workload it measures: the same MigrationRehearsal (a
 * migration that holds no lock for 20 s, under a pgbench script of point reads at a fixed rate) run
 * by the real operator with its monitor sampling at the specified 10 Hz, and with sampling set to
 * once an hour (the monitor then samples only at the migration's statement boundaries: effectively
 * none). The two alternate, each round on a fresh clone; the latencies are those the operator's own
 * workload measured during the migration, read from each rehearsal's report.json.
 */
final class MonitorOverhead {

    static final String WITH = "100ms";
    static final String WITHOUT = "1h";
    private static final String NS = "default";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One rehearsal: the workload's latencies during the migration and how many samples the monitor took. */
    record Run(String interval, int round, long executed, double p50, double p95, double p99, double max, long samples) {}

    private MonitorOverhead() {}

    static List<Run> measure(Path jar, Path crds, int rounds) throws Exception {
        List<Run> runs = new ArrayList<>();
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options().btrfsBytes(8L << 30).operatorCrds(crds));
             SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().name("monitored").scale(10))) {
            for (int round = 1; round <= rounds; round++) {
                for (String interval : List.of(WITHOUT, WITH)) {
                    Path log = cluster.workDir().resolve("operator-" + interval + "-" + round + ".log");
                    try (OperatorProcess operator = cluster.startOperator(jar, log, Duration.ofSeconds(120),
                            Map.of("PGCLONE_REHEARSAL_SAMPLING_INTERVAL", interval))) {
                        Run run = rehearse(cluster.client(), prod, interval, round);
                        System.out.printf("  sampling every %s, round %d: p50 %.3f ms, p99 %.3f ms, %d executions, %d samples%n", interval, round,
                                run.p50(), run.p99(), run.executed(), run.samples());
                        runs.add(run);
                    }
                }
            }
        }
        return runs;
    }

    private static Run rehearse(KubernetesClient client, SampleProduction prod, String interval, int round) throws Exception {
        String name = "monitor-" + (WITH.equals(interval) ? "on" : "off") + "-" + round;
        String manifest = """
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  clone:
                    spec:
                      %s
                  migration:
                    sql:
                      inline: "SELECT pg_sleep(20);"
                  workload:
                    baseline: 5s
                    pgbench:
                      script: |
                        \\set aid random(1, 1000000)
                        SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
                      rate: 200
                      clients: 4
                """.formatted(name, NS, prod.cloneSpecYaml(6));
        client.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).create();
        GenericKubernetesResource done = client.genericKubernetesResources("pgclone.dev/v1alpha1", "MigrationRehearsal").inNamespace(NS)
                .withName(name).waitUntilCondition(r -> r != null && complete(r), 10, TimeUnit.MINUTES);
        ConfigMap report = client.configMaps().inNamespace(NS).withName(name + "-report").get();
        if (report == null) {
            throw new IllegalStateException("rehearsal " + name + " ended without its report: " + done.getAdditionalProperties().get("status"));
        }
        JsonNode json = JSON.readTree(report.getData().get("report.json"));
        JsonNode during = json.path("workload").path("queries").path(0).path("migration");
        if (during.isMissingNode() || during.path("executed").asLong() == 0) {
            throw new IllegalStateException("rehearsal " + name + ": the workload ran nothing during the migration: " + json.path("workload"));
        }
        client.genericKubernetesResources("pgclone.dev/v1alpha1", "MigrationRehearsal").inNamespace(NS).withName(name).delete();
        return new Run(interval, round, during.path("executed").asLong(), during.path("p50Ms").asDouble(), during.path("p95Ms").asDouble(),
                during.path("p99Ms").asDouble(), during.path("maxMs").asDouble(), json.path("sampling").path("samples").asLong());
    }

    @SuppressWarnings("unchecked")
    private static boolean complete(GenericKubernetesResource r) {
        Object status = r.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> m) || !(m.get("conditions") instanceof List<?> conditions)) {
            return false;
        }
        return conditions.stream().map(c -> (Map<String, Object>) c)
                .anyMatch(c -> "Complete".equals(c.get("type")) && "True".equals(c.get("status")));
    }

    static void report(List<Run> runs, Report report) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(Report.row("sampling", "round", "executed", "p50 ms", "p95 ms", "p99 ms", "max ms", "monitor samples"));
        for (Run r : runs) {
            rows.add(Report.row(WITH.equals(r.interval()) ? "every 100 ms" : "none (1 h)", Integer.toString(r.round()),
                    Long.toString(r.executed()), ms(r.p50()), ms(r.p95()), ms(r.p99()), ms(r.max()), Long.toString(r.samples())));
        }
        report.table(rows);
        List<List<String>> ratios = new ArrayList<>();
        ratios.add(Report.row("latency during the migration", "without sampling (median) ms", "with sampling (median) ms",
                "with / without"));
        for (var percentile : List.<Map.Entry<String, ToDoubleFunction<Run>>>of(Map.entry("p50", Run::p50), Map.entry("p95", Run::p95),
                Map.entry("p99", Run::p99))) {
            double on = median(runs, WITH, percentile.getValue());
            double off = median(runs, WITHOUT, percentile.getValue());
            ratios.add(Report.row(percentile.getKey(), ms(off), ms(on), Report.ratio(on / off)));
        }
        report.table(ratios);
    }

    private static double median(List<Run> runs, String interval, ToDoubleFunction<Run> value) {
        return Report.median(runs.stream().filter(r -> interval.equals(r.interval())).map(value::applyAsDouble).toList());
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
