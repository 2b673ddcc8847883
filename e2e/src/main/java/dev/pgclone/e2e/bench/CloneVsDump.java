package dev.pgclone.e2e.bench;

import static dev.pgclone.e2e.bench.Report.row;

import dev.pgclone.testkit.cluster.BtrfsStorage;
import dev.pgclone.testkit.cluster.Exec;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.postgres.LocalPostgres;
import dev.pgclone.testkit.postgres.LocalPostgresInstall;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.StorageBackend;
import dev.pgclone.testkit.cluster.Volumes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Clone versus dump at one database size, all under the sample production's pgbench write load and
 * on the same cluster storage: the operator's clone (create → Ready), the raw floor the same steps
 * take as direct commands, pg_dump | pg_restore into a fresh instance, and the storage a prepared
 * clone holds on its own.
 */
final class CloneVsDump {

    /** The raw floor, step by step: what the operator cannot go below on this machine. */
    record Floor(double checkpoint, double snapshot, double restore, double start, Optional<RecoveryLog> recovery) {
        double total() {
            return checkpoint + snapshot + restore + start;
        }
    }

    record Size(int scale, long databaseBytes, long sourceBytes, List<BenchClones.Measured> clones, List<Floor> floors, double dumpSeconds) {
        List<Double> cloneSeconds() {
            return clones.stream().map(BenchClones.Measured::createToReadySeconds).toList();
        }

        List<Double> floorSeconds() {
            return floors.stream().map(Floor::total).toList();
        }

        double exclusiveMedian() {
            return Report.median(clones.stream().map(c -> (double) c.exclusiveBytes()).toList());
        }
    }

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(10);

    private final LocalCluster cluster;
    private final Path scratch;

    CloneVsDump(LocalCluster cluster) {
        this.cluster = cluster;
        this.scratch = cluster.workDir().resolve("bench");
    }

    /** Floors and clones alternate, so drift in the machine's speed affects both alike. */
    Size measure(SampleProduction prod, int scale, int repeats) {
        long databaseBytes = Long.parseLong(prod.psql("SELECT pg_database_size('postgres')"));
        String prodVolume = Volumes.volumeHandle(cluster.client(), prod.namespace(), prod.pvcName());
        long sourceBytes = cluster.storage() instanceof BtrfsStorage btrfs ? btrfs.totalBytes(prodVolume)
                : cluster.storage().exclusiveBytes(prodVolume);
        List<Floor> floors = new ArrayList<>();
        List<BenchClones.Measured> clones = new ArrayList<>();
        for (int i = 1; i <= repeats; i++) {
            Floor f = floor(prod, prodVolume, "floor-s" + scale + "-" + i);
            floors.add(f);
            System.out.printf("  scale %d, floor %d/%d: %.2f s (CHECKPOINT %.2f, snapshot %.2f, restore %.2f, postgres accepting %.2f)%n",
                    scale, i, repeats, f.total(), f.checkpoint(), f.snapshot(), f.restore(), f.start());
            BenchClones.Measured c = BenchClones.createMeasureDelete(cluster, prod, "bench-s" + scale + "-" + i, true, READY_TIMEOUT);
            clones.add(c);
            System.out.printf("  scale %d, clone %d/%d: create -> Ready %.2f s, timings %s, %s held alone%n", scale, i, repeats,
                    c.createToReadySeconds(), c.timings(), Report.bytes(c.exclusiveBytes()));
        }
        double dump = dumpRestore(prod, scale);
        System.out.printf("  scale %d, pg_dump -Fc | pg_restore: %.1f s%n", scale, dump);
        return new Size(scale, databaseBytes, sourceBytes, clones, floors, dump);
    }

    /**
     * CHECKPOINT on the source, a storage snapshot of its volume, a writable restore of that
     * snapshot, and a plain postgres started on the copy until it accepts connections: the least
     * any tool must do to serve a consistent copy. Only what keeps production safe is added to the
     * start (the source's postmaster.pid removed, archive_mode off).
     */
    Floor floor(SampleProduction prod, String prodVolume, String id) {
        StorageBackend storage = cluster.storage();
        String volume = id + "-vol";
        LocalPostgres server = null;
        try {
            long t0 = System.nanoTime();
            prod.psql("CHECKPOINT");
            long t1 = System.nanoTime();
            storage.snapshot(prodVolume, id);
            long t2 = System.nanoTime();
            Path copy = storage.restore(id, volume).resolve(SampleProduction.DATA_DIRECTORY);
            long t3 = System.nanoTime();
            Files.deleteIfExists(copy.resolve("postmaster.pid"));
            server = LocalPostgres.on(copy, scratch.resolve(id), serverOptions(prod).set("archive_mode", "off")).spawn();
            server.awaitAccepting(Duration.ofMinutes(30));
            long t4 = System.nanoTime();
            String log = server.log();
            return new Floor((t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9, RecoveryLog.parse(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (server != null) {
                server.close();
            }
            storage.deleteVolume(volume);
            storage.deleteSnapshot(id);
        }
    }

    /** A server as production's pods run it: its major and uid, at a loopback address of its own on port 5432. */
    private static LocalPostgres.Options serverOptions(SampleProduction prod) {
        return new LocalPostgres.Options().major(prod.major()).uid(prod.uid()).address(LocalPostgres.freeAddress(5432)).port(5432);
    }

    /** pg_dump -Fc of the source piped into pg_restore of a fresh instance on the same storage; the instance's initdb is not counted. */
    double dumpRestore(SampleProduction prod, int scale) {
        StorageBackend storage = cluster.storage();
        String volume = "dump-target-s" + scale;
        Path dir = scratch.resolve(volume);
        LocalPostgres target = null;
        try {
            Path data = storage.createVolume(volume).resolve(SampleProduction.DATA_DIRECTORY);
            LocalPostgres.Options options = serverOptions(prod).hostAuth("trust");
            LocalPostgres.initdb(data, options);
            target = LocalPostgres.on(data, dir, options).start();
            ProcessBuilder dump = new ProcessBuilder(LocalPostgresInstall.bin(prod.major(), "pg_dump").toString(), "-Fc", "-h", prod.host(),
                    "-U", "postgres", "-d", "postgres");
            dump.environment().put("PGPASSWORD", prod.password());
            dump.redirectError(dir.resolve("pg_dump.err").toFile());
            ProcessBuilder restore = new ProcessBuilder(LocalPostgresInstall.bin(prod.major(), "pg_restore").toString(), "--no-owner",
                    "--no-privileges", "-h", target.socketDir().toString(), "-U", "postgres", "-d", "postgres");
            restore.redirectError(dir.resolve("pg_restore.err").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            long t0 = System.nanoTime();
            List<Process> pipeline = ProcessBuilder.startPipeline(List.of(dump, restore));
            for (Process p : pipeline) {
                if (!p.waitFor(2, TimeUnit.HOURS)) {
                    pipeline.forEach(Process::destroyForcibly);
                    throw new IllegalStateException("pg_dump | pg_restore did not finish within 2 hours");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (pipeline.get(0).exitValue() != 0 || pipeline.get(1).exitValue() != 0) {
                throw new IllegalStateException("pg_dump | pg_restore failed (exit " + pipeline.get(0).exitValue() + " | " + pipeline.get(1).exitValue()
                        + "): " + Files.readString(dir.resolve("pg_dump.err")) + Files.readString(dir.resolve("pg_restore.err")));
            }
            String rows = target.psql("SELECT count(*) FROM pgbench_accounts");
            if (!rows.equals(Long.toString(scale * 100_000L))) {
                throw new IllegalStateException("the restored database has " + rows + " pgbench_accounts rows, expected " + scale * 100_000L);
            }
            return seconds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (target != null) {
                target.close();
            }
            storage.deleteVolume(volume);
            Exec.run(Duration.ofMinutes(1), List.of("rm", "-rf", dir.toString()), null);
        }
    }

    // ------------------------------------------------------------------------------------ report

    static void report(List<Size> sizes, Report report) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = row("measured (median of the runs; each run in brackets)");
        sizes.forEach(s -> header.add("pgbench scale " + s.scale()));
        rows.add(header);
        rows.add(cells("database size (pg_database_size)", sizes, s -> Report.bytes(s.databaseBytes())));
        rows.add(cells("source volume (data directory with WAL)", sizes, s -> Report.bytes(s.sourceBytes())));
        rows.add(cells("**(a) clone: create → Ready** (client-observed)", sizes, s -> Report.secondsOf(s.cloneSeconds())));
        for (String key : List.of("checkpointSeconds", "snapshotSeconds", "startSeconds", "prepareSeconds", "totalSeconds")) {
            rows.add(cells("  status.timings." + key, sizes, s -> Report.secondsOf(s.clones().stream().map(c -> c.timing(key)).toList())));
        }
        rows.add(cells("  of startSeconds: bootstrap phase 1 start + recovery / isolation + phase-1 stop / phase 2 start (medians, from the pod's postgres log)",
                sizes, s -> phases(s.clones())));
        rows.add(cells("  of startSeconds: the rest (pod and volume start, checks before phase 1, readiness probe period 2 s, operator)", sizes,
                s -> Report.seconds(Report.median(s.clones().stream().map(c -> BootstrapPhases.parse(c.podLog())
                        .map(p -> c.timing("startSeconds") - p.total()).orElse(Double.NaN)).toList()))));
        rows.add(cells("**(b) raw floor**: CHECKPOINT + snapshot + restore + postgres accepting", sizes,
                s -> Report.secondsOf(s.floorSeconds())));
        rows.add(cells("  CHECKPOINT / snapshot / restore / start (medians)", sizes, s -> String.format(java.util.Locale.ROOT,
                "%.2f / %.2f / %.2f / %.2f s", Report.median(s.floors().stream().map(Floor::checkpoint).toList()),
                Report.median(s.floors().stream().map(Floor::snapshot).toList()), Report.median(s.floors().stream().map(Floor::restore).toList()),
                Report.median(s.floors().stream().map(Floor::start).toList()))));
        rows.add(cells("  WAL replayed at the floor's start (median)", sizes, s -> Report.bytes(Report.median(s.floors().stream()
                .map(f -> f.recovery().map(r -> (double) r.bytesReplayed()).orElse(0.0)).toList()))));
        rows.add(cells("**(c) pg_dump -Fc \\| pg_restore** into a fresh instance", sizes, s -> Report.seconds(s.dumpSeconds())));
        rows.add(cells("**(d) bytes a prepared clone holds alone** (btrfs exclusive)", sizes, s -> Report.bytes(s.exclusiveMedian())
                + " (" + Report.percent(s.exclusiveMedian() / s.sourceBytes()) + " of the source volume)"));
        report.table(rows);

        List<List<String>> ratios = new ArrayList<>();
        ratios.add(row("ratio (same run)", "measured", "target", "result"));
        for (Size s : sizes) {
            double r = Report.median(s.cloneSeconds()) / Report.median(s.floorSeconds());
            ratios.add(row("clone / raw floor, scale " + s.scale(), Report.ratio(r), "≤ 1.5x", Report.verdict(r <= 1.5)));
        }
        if (sizes.size() >= 2) {
            Size small = sizes.get(0);
            Size large = sizes.get(sizes.size() - 1);
            double flat = Report.median(large.cloneSeconds()) / Report.median(small.cloneSeconds());
            ratios.add(row("clone time, scale " + large.scale() + " / scale " + small.scale(), Report.ratio(flat), "≤ 1.2x",
                    Report.verdict(flat <= 1.2)));
        }
        for (Size s : sizes) {
            double d = s.dumpSeconds() / Report.median(s.cloneSeconds());
            boolean larger = s == sizes.get(sizes.size() - 1);
            ratios.add(row("dump / clone, scale " + s.scale(), Report.ratio(d), larger ? "≥ 10x (larger size)" : "(no target)",
                    larger ? Report.verdict(d >= 10) : "–"));
        }
        for (Size s : sizes) {
            double share = s.exclusiveMedian() / s.sourceBytes();
            ratios.add(row("bytes held alone per prepared clone / source, scale " + s.scale(), Report.percent(share), "< 5%",
                    Report.verdict(share < 0.05)));
        }
        report.table(ratios);
    }

    static String phases(List<BenchClones.Measured> clones) {
        List<BootstrapPhases> p = clones.stream().map(c -> BootstrapPhases.parse(c.podLog())).flatMap(java.util.Optional::stream).toList();
        if (p.isEmpty()) {
            return "–";
        }
        return String.format(java.util.Locale.ROOT, "%.2f / %.2f / %.2f s", Report.median(p.stream().map(BootstrapPhases::phase1Start).toList()),
                Report.median(p.stream().map(BootstrapPhases::isolateAndStop).toList()), Report.median(p.stream().map(BootstrapPhases::phase2Start).toList()));
    }

    private static List<String> cells(String label, List<Size> sizes, java.util.function.Function<Size, String> cell) {
        List<String> r = row(label);
        sizes.forEach(s -> r.add(cell.apply(s)));
        return r;
    }
}
