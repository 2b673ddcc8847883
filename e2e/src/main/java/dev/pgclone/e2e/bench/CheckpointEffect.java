package dev.pgclone.e2e.bench;

import static dev.pgclone.e2e.bench.Report.row;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code source.checkpoint} is for (issue 3): a source with a lot of WAL since its last
 * checkpoint (long checkpoint_timeout, large max_wal_size, then a burst of writes) is cloned
 * without and then with the CHECKPOINT, each after the same kind of burst, and the clones' start
 * times are printed with the WAL their crash recovery replayed (read from postgres' own log).
 */
final class CheckpointEffect {

    record Run(boolean checkpoint, long walAtCreate, double burstSeconds, BenchClones.Measured measured, Optional<RecoveryLog> recovery) {}

    private static final Duration BURST_CAP = Duration.ofMinutes(5);

    private final LocalCluster cluster;

    CheckpointEffect(LocalCluster cluster) {
        this.cluster = cluster;
    }

    List<Run> measure(SampleProduction prod, long walTargetBytes) {
        prod.stopLoad();
        // no checkpoint may come between the burst and the snapshot other than the one under test
        prod.psql("ALTER SYSTEM SET checkpoint_timeout = '1d'");
        prod.psql("ALTER SYSTEM SET max_wal_size = '64GB'");
        prod.psql("SELECT pg_reload_conf()");
        List<Run> runs = new ArrayList<>();
        try {
            for (boolean checkpoint : List.of(false, true)) {
                prod.psql("CHECKPOINT");
                long start = System.nanoTime();
                prod.startLoad(BURST_CAP.plusMinutes(10));
                long deadline = start + BURST_CAP.toNanos();
                while (walSinceCheckpoint(prod) < walTargetBytes && System.nanoTime() < deadline) {
                    BenchClones.sleep(500);
                }
                double burst = (System.nanoTime() - start) / 1e9;
                // the burst's write load goes on while the clone is made, as it would in production
                long wal = walSinceCheckpoint(prod);
                System.out.printf("  checkpoint effect: %s of WAL since the last checkpoint after a %.0f s burst; cloning %s source.checkpoint%n",
                        Report.bytes(wal), burst, checkpoint ? "with" : "without");
                BenchClones.Measured clone = BenchClones.createMeasureDelete(cluster, prod, checkpoint ? "ckpt-with" : "ckpt-without", checkpoint,
                        Duration.ofMinutes(30));
                prod.stopLoad();
                Run run = new Run(checkpoint, wal, burst, clone, RecoveryLog.parse(clone.podLog()));
                runs.add(run);
                System.out.printf("  -> create -> Ready %.2f s, timings %s, recovery %s%n", clone.createToReadySeconds(), clone.timings(),
                        run.recovery().map(r -> Report.bytes(r.bytesReplayed()) + " replayed in " + r.elapsedSeconds() + " s").orElse("none"));
            }
        } finally {
            prod.stopLoad();
            prod.psql("ALTER SYSTEM RESET checkpoint_timeout");
            prod.psql("ALTER SYSTEM RESET max_wal_size");
            prod.psql("SELECT pg_reload_conf()");
        }
        return runs;
    }

    static long walSinceCheckpoint(SampleProduction prod) {
        return Long.parseLong(prod.psql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::bigint FROM pg_control_checkpoint()"));
    }

    static void report(List<Run> runs, Report report) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = row("measured");
        runs.forEach(r -> header.add(r.checkpoint() ? "with source.checkpoint" : "without"));
        rows.add(header);
        rows.add(cells("write burst before the clone (pgbench -c 2)", runs, r -> Report.seconds(r.burstSeconds())));
        rows.add(cells("WAL since the source's last checkpoint when the clone was created", runs, r -> Report.bytes(r.walAtCreate())));
        rows.add(cells("WAL replayed by the clone's crash recovery (its postgres log)", runs,
                r -> r.recovery().map(x -> Report.bytes(x.bytesReplayed())).orElse("none")));
        rows.add(cells("crash recovery (redo) time in the clone", runs,
                r -> r.recovery().map(x -> Report.seconds(x.elapsedSeconds())).orElse("–")));
        rows.add(cells("**create → Ready** (client-observed)", runs, r -> Report.seconds(r.measured().createToReadySeconds())));
        for (String key : List.of("checkpointSeconds", "snapshotSeconds", "startSeconds", "prepareSeconds", "totalSeconds")) {
            rows.add(cells("status.timings." + key, runs, r -> Report.seconds(r.measured().timing(key))));
        }
        report.table(rows);
    }

    private static List<String> cells(String label, List<Run> runs, java.util.function.Function<Run, String> cell) {
        List<String> r = row(label);
        runs.forEach(x -> r.add(cell.apply(x)));
        return r;
    }
}
