package dev.pgclone.operator.postgres.rehearsal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts of the monitor: the lock conflict table, who waits behind whom, LSN arithmetic, the quality verdict. */
class LockModesTest {

    @Test
    void theConflictTableIsPostgresqls() {
        for (String a : LockModes.MODES) {
            for (String b : LockModes.MODES) {
                assertThat(LockModes.conflict(a, b)).as("%s vs %s is symmetric", a, b).isEqualTo(LockModes.conflict(b, a));
            }
            assertThat(LockModes.conflict("AccessExclusiveLock", a)).as("AccessExclusiveLock conflicts with %s", a).isTrue();
        }
        // reads wait only for ACCESS EXCLUSIVE; writes for SHARE and stronger
        assertThat(LockModes.MODES.stream().filter(m -> LockModes.conflict(m, "AccessShareLock"))).containsExactly("AccessExclusiveLock");
        assertThat(LockModes.MODES.stream().filter(m -> LockModes.conflict(m, "RowExclusiveLock")))
                .containsExactly("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock");
        // CREATE INDEX (SHARE) blocks writers but not another CREATE INDEX; CONCURRENTLY (SHARE UPDATE EXCLUSIVE) blocks neither writer, but itself
        assertThat(LockModes.conflict("ShareLock", "ShareLock")).isFalse();
        assertThat(LockModes.conflict("ShareUpdateExclusiveLock", "RowExclusiveLock")).isFalse();
        assertThat(LockModes.conflict("ShareUpdateExclusiveLock", "ShareUpdateExclusiveLock")).isTrue();
        assertThat(LockModes.conflict("ShareRowExclusiveLock", "ShareRowExclusiveLock")).isTrue();
        assertThat(LockModes.conflict("RowShareLock", "ExclusiveLock")).isTrue();
        assertThat(LockModes.conflict("RowShareLock", "ShareLock")).isFalse();
        assertThat(LockModes.conflict("ExclusiveLock", "AdvisoryLock")).isFalse();
        assertThat(LockModes.strength("AccessExclusiveLock")).isGreaterThan(LockModes.strength("ShareLock"));
        assertThat(LockModes.strength("SIReadLock")).isEqualTo(-1);
    }

    @Test
    void aWaiterBehindAnotherWaiterWaitsForTheMigrationAtTheHeadOfTheQueue() {
        // 10 is the migration; 20 waits on it; 30 waits on 20 (a tuple lock); 40 on someone else (50); 60 on 30 and 10
        Map<Integer, int[]> blockers = Map.of(20, new int[] {10}, 30, new int[] {20}, 40, new int[] {50}, 60, new int[] {30, 10},
                70, new int[] {80}, 80, new int[] {70});
        Set<Integer> migration = Set.of(10);
        assertThat(LockMonitor.migrationRoots(20, blockers, migration)).containsExactly(10);
        assertThat(LockMonitor.migrationRoots(30, blockers, migration)).containsExactly(10);
        assertThat(LockMonitor.migrationRoots(40, blockers, migration)).isEmpty();
        assertThat(LockMonitor.migrationRoots(60, blockers, migration)).containsExactly(10);
        // a cycle (a deadlock about to be broken) ends
        assertThat(LockMonitor.migrationRoots(70, blockers, migration)).isEmpty();
        assertThat(LockMonitor.migrationRoots(20, blockers, Set.of(10, 30))).containsExactly(10);
        assertThat(LockMonitor.migrationRoots(60, blockers, Set.of(10, 20))).containsExactlyInAnyOrder(10, 20);
    }

    @Test
    void readsLsns() {
        assertThat(LockMonitor.lsn("0/0")).isZero();
        assertThat(LockMonitor.lsn("0/16B3748")).isEqualTo(0x16B3748L);
        assertThat(LockMonitor.lsn("16/B374D848") - LockMonitor.lsn("16/B374D000")).isEqualTo(0x848);
        assertThat(LockMonitor.lsn("1/0") - LockMonitor.lsn("0/FFFFFFFF")).isEqualTo(1);
    }

    @Test
    void aGapOfMoreThanTwoIntervalsIsAHole() {
        Duration interval = Duration.ofMillis(100);
        assertThat(quality(interval, Duration.ofMillis(200)).hasHole()).isFalse();
        assertThat(quality(interval, Duration.ofMillis(201)).hasHole()).isTrue();
    }

    private static SamplingQuality quality(Duration interval, Duration gap) {
        return new SamplingQuality(interval, 10, 0, gap, Instant.EPOCH, Duration.ofMillis(1), Duration.ofMillis(2), null);
    }
}
