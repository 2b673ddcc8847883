package dev.pgclone.e2e.bench;

import dev.pgclone.testkit.cluster.Exec;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.postgres.LocalPostgresInstall;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code make bench}: measures the operator on this machine and prints a Markdown report, also
 * written to {@code bench-results/<timestamp>.md}. Every number comes from this one run, and every
 * ratio compares numbers of this run; targets are printed next to them (PASS/MISS), never asserted.
 * <p>
 * Settings (system property, else environment variable): {@code bench.scales} / BENCH_SCALES
 * (pgbench scales, default 20,150), {@code bench.repeats} / BENCH_REPEATS (clones and floors per
 * scale, default 3), {@code bench.parts} / BENCH_PARTS (clone,checkpoint,scale,monitor,masked), {@code bench.clones}
 * / BENCH_CLONES (operator scale, default 500), {@code bench.walMb} / BENCH_WAL_MB (WAL before the
 * checkpoint comparison, default 1024), {@code bench.monitorRounds} / BENCH_MONITOR_ROUNDS (rounds of the lock
 * monitor's cost, default 3), {@code bench.storage} / BENCH_STORAGE (auto or copy),
 * {@code bench.out} / BENCH_OUT (directory of the report).
 */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> scales = Arrays.stream(setting("bench.scales", "BENCH_SCALES", "20,150").split(",")).map(String::strip)
                .map(Integer::parseInt).sorted().toList();
        int repeats = Integer.parseInt(setting("bench.repeats", "BENCH_REPEATS", "3"));
        Set<String> parts = Arrays.stream(setting("bench.parts", "BENCH_PARTS", "clone,checkpoint,scale,monitor,masked").split(",")).map(String::strip)
                .collect(Collectors.toSet());
        int clones = Integer.parseInt(setting("bench.clones", "BENCH_CLONES", "500"));
        int monitorRounds = Integer.parseInt(setting("bench.monitorRounds", "BENCH_MONITOR_ROUNDS", "3"));
        long walBytes = Long.parseLong(setting("bench.walMb", "BENCH_WAL_MB", "1024")) << 20;
        boolean copy = "copy".equalsIgnoreCase(setting("bench.storage", "BENCH_STORAGE", "auto"));
        Path out = Path.of(setting("bench.out", "BENCH_OUT", "bench-results"));
        Path crds = Path.of(System.getProperty("pgclone.crd.dir", "crds"));
        Path jar = OperatorProcess.defaultJar();
        if (!Files.isRegularFile(jar)) {
            System.err.println("The operator jar " + jar.toAbsolutePath() + " does not exist: run ./mvnw -B package -DskipTests first.");
            System.exit(2);
        }
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Path file = out.resolve(now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)) + ".md");
        Report report = new Report();
        report.paragraph("# pgclone-operator benchmark, " + now.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + "\n\n"
                + machine() + "; PostgreSQL " + LocalPostgresInstall.requireMajor() + "; pgbench scales " + scales + "; " + repeats
                + " clone(s) and floor(s) per scale; parts " + parts + ".");
        long t0 = System.nanoTime();
        int exit = 0;
        try {
            if (parts.contains("clone") || parts.contains("checkpoint")) {
                clonesAndCheckpoint(report, scales, repeats, parts, walBytes, copy, crds, jar);
            }
            if (parts.contains("masked")) {
                maskedClones(report, scales, repeats, copy, crds, jar);
            }
            if (parts.contains("monitor")) {
                report.section("Rehearsal: the lock monitor's cost to the workload", """
                        The same MigrationRehearsal run by the real operator jar on a pgbench database (scale 10): a migration that
                        holds no lock for 20 s (SELECT pg_sleep(20)), under a pgbench script of point reads on pgbench_accounts at
                        200/s over 4 sessions, with the lock monitor sampling pg_locks, pg_stat_activity and pg_blocking_pids every
                        100 ms (the default), and with sampling set to once an hour (pgclone.rehearsal.sampling-interval; the monitor
                        then samples only at statement boundaries). The two alternate, %d rounds, each on a fresh clone; the latencies
                        are the operator's own workload measurements during the migration, from each report.json.""".formatted(monitorRounds));
                MonitorOverhead.report(MonitorOverhead.measure(jar, crds, monitorRounds), report);
            }
            if (parts.contains("scale")) {
                report.section("Operator scale: " + clones + " DatabaseClones", """
                        The real operator jar against the local API server with instant stand-ins: snapshots and volumes are empty
                        directories made at once (the snapshotter and provisioner still do all their API work), and every clone Pod is
                        reported Ready at one address where a single real PostgreSQL (trust authentication on loopback) answers each
                        clone's preparation over JDBC, so each clone goes the whole way to Ready. What is measured is the operator and
                        the API server, not storage or postgres start-up. Requests are counted at the API server by User-Agent; heap
                        from the operator's /q/metrics (jvm_memory_used_bytes, area=heap), RSS from /proc/<pid>/status.""");
                OperatorScale.report(OperatorScale.measure(jar, crds, clones), report);
            }
        } catch (Exception | AssertionError e) {
            exit = 1;
            report.section("Benchmark failed", "```\n" + e + "\n```\nThe tables above were measured before the failure.");
            e.printStackTrace();
        }
        report.paragraph(String.format(Locale.ROOT, "Whole run: %.1f min.", (System.nanoTime() - t0) / 60e9));
        report.write(file);
        System.out.println("\nReport written to " + file.toAbsolutePath());
        System.exit(exit);
    }

    private static void clonesAndCheckpoint(Report report, List<Integer> scales, int repeats, Set<String> parts, long walBytes, boolean copy,
                                            Path crds, Path jar) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options()
                .storage(copy ? LocalCluster.StorageChoice.COPY : LocalCluster.StorageChoice.AUTO)
                .btrfsBytes(96L << 30).operatorCrds(crds));
             OperatorProcess operator = cluster.startOperator(jar, cluster.workDir().resolve("operator.log"), Duration.ofSeconds(120), Map.of())) {
            report.paragraph("Storage: " + cluster.storage().describe() + ".");
            CloneVsDump cloneVsDump = new CloneVsDump(cluster);
            List<CloneVsDump.Size> sizes = new ArrayList<>();
            List<CheckpointEffect.Run> checkpointRuns = null;
            for (int i = 0; i < scales.size(); i++) {
                int scale = scales.get(i);
                boolean largest = i == scales.size() - 1;
                if (!parts.contains("clone") && !largest) {
                    continue;
                }
                System.out.printf("Creating the sample production database at pgbench scale %d ...%n", scale);
                long created = System.nanoTime();
                String name = "pgbench-s" + scale;
                try (SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().name(name).scale(scale))) {
                    System.out.printf("  ready in %.0f s; starting its write load (pgbench -c 2)%n", (System.nanoTime() - created) / 1e9);
                    prod.startLoad(Duration.ofHours(3));
                    BenchClones.sleep(10_000);
                    if (parts.contains("clone")) {
                        sizes.add(cloneVsDump.measure(prod, scale, repeats));
                    }
                    if (largest && parts.contains("checkpoint")) {
                        checkpointRuns = new CheckpointEffect(cluster).measure(prod, walBytes);
                    }
                    prod.stopLoad();
                    removeProduction(cluster, prod, name);
                }
            }
            if (!sizes.isEmpty()) {
                report.section("Clone vs dump", """
                        Each size is a pgbench database (--foreign-keys) under a pgbench write load (2 clients) for the whole
                        measurement. (a) the operator's DatabaseClone with source.checkpoint, from the create call to the Ready
                        condition as a watching client sees it, with the operator's own status.timings; (b) the raw floor measured in
                        the same run by direct commands on the same storage: CHECKPOINT on the source, a storage snapshot and a writable
                        restore of it, and a plain postgres started on the copy until it accepts connections; (c) pg_dump -Fc piped into
                        pg_restore of a fresh instance on the same storage (its initdb not counted); (d) the bytes a prepared clone holds
                        alone (btrfs filesystem du, exclusive). Floors and clones alternate.""");
                CloneVsDump.report(sizes, report);
            }
            if (checkpointRuns != null) {
                report.section("Checkpoint effect (source.checkpoint)", """
                        On the largest source, with checkpoint_timeout=1d and max_wal_size=64GB so that nothing but the CHECKPOINT under
                        test ends the WAL since the last checkpoint: CHECKPOINT, a write burst until about %d MiB of WAL has been
                        written (or 5 min), then a clone without source.checkpoint; again CHECKPOINT and the same burst, then a clone
                        with it. The write load continues while each clone is made. WAL replayed is read from the clone's own
                        postgres log (redo starts / redo done).""".formatted(walBytes >> 20));
                CheckpointEffect.report(checkpointRuns, report);
            }
        }
    }

    private static void maskedClones(Report report, List<Integer> scales, int repeats, boolean copy, Path crds, Path jar) throws Exception {
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Options()
                .storage(copy ? LocalCluster.StorageChoice.COPY : LocalCluster.StorageChoice.AUTO)
                .btrfsBytes(96L << 30).operatorCrds(crds));
             OperatorProcess operator = cluster.startOperator(jar, cluster.workDir().resolve("operator.log"), Duration.ofSeconds(120), Map.of())) {
            MaskedClones masked = new MaskedClones(cluster);
            List<MaskedClones.Size> sizes = new ArrayList<>();
            for (int scale : scales) {
                System.out.printf("Creating the sample production database at pgbench scale %d for the masked clones ...%n", scale);
                String name = "pgbench-s" + scale;
                try (SampleProduction prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(MaskedClones.PROD_NS)
                        .name(name).scale(scale))) {
                    sizes.add(masked.measure(prod, scale, repeats));
                    removeProduction(cluster, prod, name);
                }
            }
            report.section("Masked clones (CloneSource spec.masking)", """
                    Each size is a pgbench database (--foreign-keys), without write load, and three CloneSources of it: one whose
                    masking script rewrites every row of the largest table, in mode Snapshot; the same in mode PerClone; and
                    one without spec.postClone, the unmasked baseline. Every clone is in another namespace and is timed from
                    the create call to the Ready condition as a watching client sees it, then deleted; the three kinds
                    alternate. In mode Snapshot the masking runs once, in the build of the masked snapshot (timed apart, from
                    the CloneSource's create to MaskedSnapshotReady=True), and the clones timed are consumers created after it
                    was published; in mode PerClone each clone runs the script on its own copy before it is Ready. Bytes held
                    alone: the exclusive bytes of the clone's volume.
                    The masking script: `%s`.
                    Storage: %s.""".formatted(MaskedClones.MASKING_SQL, cluster.storage().describe()));
            MaskedClones.report(sizes, report);
        }
    }

    /** The next size starts from a quiet machine: the previous production's pod, volume and WAL archive go. */
    private static void removeProduction(LocalCluster cluster, SampleProduction prod, String name) {
        var client = cluster.client();
        client.pods().inNamespace(prod.namespace()).withName(prod.podName()).delete();
        client.persistentVolumeClaims().inNamespace(prod.namespace()).withName(prod.pvcName()).delete();
        client.secrets().inNamespace(prod.namespace()).withName(prod.secretName()).delete();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (client.pods().inNamespace(prod.namespace()).withName(prod.podName()).get() != null && System.nanoTime() < deadline) {
            BenchClones.sleep(200);
        }
        // SampleProduction archives into <work dir>/wal-archive/<namespace>-<name>
        Exec.run(Duration.ofMinutes(5), List.of("rm", "-rf", cluster.workDir().resolve("wal-archive").resolve(prod.namespace() + "-" + name)
                .toString()), null);
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(cpu);
        } catch (java.io.IOException e) {
            // the core count below is what matters
        }
        long memory = 0;
        try {
            memory = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) << 10).orElse(0L);
        } catch (java.io.IOException e) {
            // left out of the line
        }
        return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + Report.bytes(memory) + " RAM, Java "
                + System.getProperty("java.version");
    }

    private static String setting(String property, String env, String fallback) {
        String p = System.getProperty(property);
        if (p != null && !p.isBlank()) {
            return p;
        }
        String e = System.getenv(env);
        return e != null && !e.isBlank() ? e : fallback;
    }
}
