package dev.pgclone.e2e.bench;

import static dev.pgclone.e2e.bench.Report.row;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Masked clones at one database size: a CloneSource whose masking rewrites every row of the largest
 * table, in both masking modes, and the same CloneSource without masking as the baseline, all on
 * the same production and in the same run. In mode Snapshot the masking runs once, in a build whose
 * time is reported apart; the clone measured is a consumer created after the masked snapshot is
 * published. In mode PerClone every clone runs the masking itself, on its own copy.
 */
final class MaskedClones {

    static final String PROD_NS = "bench-masked-prod";
    static final String CLONE_NS = "bench-masked-clones";
    static final String MASKING_CONFIGMAP = "accounts-masking";
    /** Rewrites every row of pgbench_accounts (about 100,000 rows per scale unit). */
    static final String MASKING_SQL = "UPDATE pgbench_accounts SET filler = md5(aid::text)";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration GONE_TIMEOUT = Duration.ofMinutes(3);

    /**
     * The build of the masked snapshot: client-observed from the CloneSource's create to
     * MaskedSnapshotReady=True (it takes the production snapshot too), and the operator's own
     * status.maskedSnapshots buildSeconds and maskingSeconds.
     */
    record Build(double createToPublishedSeconds, double buildSeconds, double maskingSeconds, String snapshot) {}

    record Size(int scale, long databaseBytes, long accountsBytes, Build build, List<BenchClones.Measured> unmasked,
                List<BenchClones.Measured> snapshotMode, List<BenchClones.Measured> perClone) {}

    private final LocalCluster cluster;

    MaskedClones(LocalCluster cluster) {
        this.cluster = cluster;
        KubernetesClient client = cluster.client();
        for (String ns : List.of(PROD_NS, CLONE_NS)) {
            if (client.namespaces().withName(ns).get() == null) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            }
        }
        // the masking of every size's CloneSources
        apply(client, """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  namespace: %s
                data:
                  10-accounts.sql: "%s"
                """.formatted(MASKING_CONFIGMAP, PROD_NS, MASKING_SQL));
    }

    /** The three kinds of clone alternate, so drift in the machine's speed affects each alike. */
    Size measure(SampleProduction prod, int scale, int repeats) {
        long databaseBytes = Long.parseLong(prod.psql("SELECT pg_database_size('postgres')"));
        long accountsBytes = Long.parseLong(prod.psql("SELECT pg_total_relation_size('pgbench_accounts')"));
        KubernetesClient client = cluster.client();
        String plain = "plain-s" + scale;
        String perClone = "perclone-s" + scale;
        String snapshot = "snap-s" + scale;
        try {
            long t0 = System.nanoTime();
            apply(client, cloneSource(snapshot, prod, true, "Snapshot"));
            GenericKubernetesResource published = awaitMaskedSnapshot(client, snapshot);
            double createToPublished = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> masked = newestMasked(published);
            Build build = new Build(createToPublished, number(masked.get("buildSeconds")), number(masked.get("maskingSeconds")),
                    Objects.toString(masked.get("name")));
            System.out.printf("  scale %d, masked snapshot %s: CloneSource create -> MaskedSnapshotReady %.1f s (status buildSeconds %.1f, "
                    + "maskingSeconds %.1f)%n", scale, build.snapshot(), build.createToPublishedSeconds(), build.buildSeconds(), build.maskingSeconds());
            apply(client, cloneSource(plain, prod, false, null));
            apply(client, cloneSource(perClone, prod, true, "PerClone"));

            List<BenchClones.Measured> unmasked = new ArrayList<>();
            List<BenchClones.Measured> snapshotMode = new ArrayList<>();
            List<BenchClones.Measured> perCloneMode = new ArrayList<>();
            for (int i = 1; i <= repeats; i++) {
                unmasked.add(clone(prod, plain, "unmasked-s" + scale + "-" + i, scale, i, repeats, "unmasked (no postClone)"));
                BenchClones.Measured consumer = clone(prod, snapshot, "snap-s" + scale + "-" + i, scale, i, repeats, "mode Snapshot consumer");
                snapshotMode.add(consumer);
                perCloneMode.add(clone(prod, perClone, "perclone-s" + scale + "-" + i, scale, i, repeats, "mode PerClone"));
            }
            return new Size(scale, databaseBytes, accountsBytes, build, unmasked, snapshotMode, perCloneMode);
        } finally {
            for (String source : List.of(plain, perClone, snapshot)) {
                client.genericKubernetesResources(BenchClones.API_VERSION, "CloneSource").inNamespace(PROD_NS).withName(source).delete();
            }
            // the masked snapshot goes with its CloneSource; the next size starts without it
            await("the CloneSources of scale " + scale + " and their snapshots gone", () -> client.genericKubernetesResources(BenchClones.API_VERSION,
                    "CloneSource").inNamespace(PROD_NS).list().getItems().isEmpty() && client.resources(
                    io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class).inNamespace(PROD_NS).list().getItems().isEmpty());
        }
    }

    private BenchClones.Measured clone(SampleProduction prod, String source, String name, int scale, int i, int repeats, String what) {
        BenchClones.Measured c = BenchClones.createMeasureDelete(cluster, CLONE_NS, name, prod.cloneOfSourceYaml(name, CLONE_NS, source, ""), READY_TIMEOUT);
        System.out.printf("  scale %d, %s %d/%d: create -> Ready %.2f s, timings %s, %s held alone%n", scale, what, i, repeats,
                c.createToReadySeconds(), c.timings(), Report.bytes(c.exclusiveBytes()));
        return c;
    }

    private static String cloneSource(String name, SampleProduction prod, boolean masking, String mode) {
        return prod.cloneSourceYaml(name, java.util.List.of(CLONE_NS), !masking ? "" : """
                  postClone:
                    configMapName: %s
                  masking:
                    mode: %s
                """.formatted(MASKING_CONFIGMAP, mode));
    }

    private static void apply(KubernetesClient client, String yaml) {
        client.resource(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class)).create();
    }

    private static GenericKubernetesResource awaitMaskedSnapshot(KubernetesClient client, String source) {
        var resource = client.genericKubernetesResources(BenchClones.API_VERSION, "CloneSource").inNamespace(PROD_NS).withName(source);
        try {
            return resource.waitUntilCondition(s -> s != null && "True".equals(BenchClones.conditionStatus(s, "MaskedSnapshotReady"))
                    && !newestMasked(s).isEmpty(), BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            GenericKubernetesResource now = resource.get();
            throw new IllegalStateException("CloneSource " + source + " published no masked snapshot within " + BUILD_TIMEOUT.toMinutes()
                    + " min; status " + (now == null ? null : BenchClones.status(now)), e);
        }
    }

    /** The newest ready entry of status.maskedSnapshots, or an empty map. */
    private static Map<String, Object> newestMasked(GenericKubernetesResource source) {
        return BenchClones.status(source).get("maskedSnapshots") instanceof List<?> l ? l.stream().map(BenchClones::map)
                .filter(m -> Boolean.TRUE.equals(m.get("readyToUse"))).findFirst().orElse(Map.of()) : Map.of();
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Waits for a clean-up; says so when it does not happen (the next size's objects have names of their own). */
    private static void await(String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + GONE_TIMEOUT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                System.out.println("  not so within " + GONE_TIMEOUT.toSeconds() + " s: " + what);
                return;
            }
            BenchClones.sleep(500);
        }
    }

    // ------------------------------------------------------------------------------------ report

    static List<Double> seconds(List<BenchClones.Measured> clones) {
        return clones.stream().map(BenchClones.Measured::createToReadySeconds).toList();
    }

    static void report(List<Size> sizes, Report report) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = row("measured (median of the runs; each run in brackets)");
        sizes.forEach(s -> header.add("pgbench scale " + s.scale()));
        rows.add(header);
        rows.add(cells("database size (pg_database_size) / pgbench_accounts with its index", sizes,
                s -> Report.bytes(s.databaseBytes()) + " / " + Report.bytes(s.accountsBytes())));
        rows.add(cells("**unmasked clone** (the CloneSource without postClone): create → Ready", sizes, s -> Report.secondsOf(seconds(s.unmasked()))));
        rows.add(cells("**mode Snapshot: consumer clone** create → Ready (after the masked snapshot is published)", sizes,
                s -> Report.secondsOf(seconds(s.snapshotMode()))));
        rows.add(cells("  its status.timings snapshot / start / prepare (medians)", sizes, s -> timings(s.snapshotMode())));
        rows.add(cells("mode Snapshot: the build, CloneSource create → MaskedSnapshotReady (once per masked snapshot)", sizes,
                s -> Report.seconds(s.build().createToPublishedSeconds())));
        rows.add(cells("  status.maskedSnapshots buildSeconds / maskingSeconds (masking, rewrite, PII check)", sizes, s -> String.format(Locale.ROOT,
                "%s / %s", Report.seconds(s.build().buildSeconds()), Report.seconds(s.build().maskingSeconds()))));
        rows.add(cells("**mode PerClone: clone** create → Ready (each clone masks its own copy)", sizes,
                s -> Report.secondsOf(seconds(s.perClone()))));
        rows.add(cells("  its status.timings snapshot / start / prepare (medians)", sizes, s -> timings(s.perClone())));
        rows.add(cells("bytes a clone holds alone: unmasked / mode Snapshot / mode PerClone (medians)", sizes, s -> String.format(Locale.ROOT,
                "%s / %s / %s", exclusive(s.unmasked()), exclusive(s.snapshotMode()), exclusive(s.perClone()))));
        report.table(rows);

        List<List<String>> ratios = new ArrayList<>();
        ratios.add(row("ratio (same run)", "measured", "target", "result"));
        if (sizes.size() >= 2) {
            Size small = sizes.get(0);
            Size large = sizes.get(sizes.size() - 1);
            double flat = Report.median(seconds(large.snapshotMode())) / Report.median(seconds(small.snapshotMode()));
            ratios.add(row("mode Snapshot consumer, scale " + large.scale() + " / scale " + small.scale(), Report.ratio(flat), "≤ 1.2x",
                    Report.verdict(flat <= 1.2)));
        }
        for (Size s : sizes) {
            double r = Report.median(seconds(s.snapshotMode())) / Report.median(seconds(s.unmasked()));
            ratios.add(row("mode Snapshot consumer / unmasked clone, scale " + s.scale(), Report.ratio(r), "≤ 1.5x", Report.verdict(r <= 1.5)));
        }
        if (sizes.size() >= 2) {
            Size small = sizes.get(0);
            Size large = sizes.get(sizes.size() - 1);
            double grows = Report.median(seconds(large.perClone())) / Report.median(seconds(small.perClone()));
            ratios.add(row("mode PerClone clone, scale " + large.scale() + " / scale " + small.scale(), Report.ratio(grows),
                    "(grows with size; no target)", "–"));
        }
        for (Size s : sizes) {
            double r = Report.median(seconds(s.perClone())) / Report.median(seconds(s.snapshotMode()));
            ratios.add(row("mode PerClone clone / mode Snapshot consumer, scale " + s.scale(), Report.ratio(r), "(no target)", "–"));
        }
        report.table(ratios);
    }

    private static String timings(List<BenchClones.Measured> clones) {
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f s", Report.median(clones.stream().map(c -> c.timing("snapshotSeconds")).toList()),
                Report.median(clones.stream().map(c -> c.timing("startSeconds")).toList()),
                Report.median(clones.stream().map(c -> c.timing("prepareSeconds")).toList()));
    }

    private static String exclusive(List<BenchClones.Measured> clones) {
        return Report.bytes(Report.median(clones.stream().map(c -> (double) c.exclusiveBytes()).toList()));
    }

    private static List<String> cells(String label, List<Size> sizes, Function<Size, String> cell) {
        List<String> r = row(label);
        sizes.forEach(s -> r.add(cell.apply(s)));
        return r;
    }
}
