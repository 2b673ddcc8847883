package dev.pgclone.operator.testing;

import dev.pgclone.operator.postgres.BackupResult;
import dev.pgclone.operator.postgres.CheckpointResult;
import dev.pgclone.operator.postgres.SourceCheckpointer;
import dev.pgclone.operator.postgres.SourceConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Stand-in for the JDBC checkpointer in API-server tests: records which source the operator
 * would CHECKPOINT and answers as told. The real one runs against real PostgreSQL in its own test.
 */
public final class RecordingCheckpointer implements SourceCheckpointer {

    private final List<SourceConnection> calls = new CopyOnWriteArrayList<>();
    private volatile Function<SourceConnection, CheckpointResult> answer = c -> new CheckpointResult(true, 0.25, "CHECKPOINT done");

    @Override
    public CheckpointResult checkpoint(SourceConnection source, Duration timeout) {
        calls.add(source);
        return answer.apply(source);
    }

    /**
     * Runs the window as the real one does between pg_backup_start and pg_backup_stop, and returns
     * a label shaped like PostgreSQL's.
     */
    @Override
    public BackupResult backup(SourceConnection source, Duration timeout, String serverAddress, BackupWindow window) {
        calls.add(source);
        serverAddresses.add(serverAddress == null ? "" : serverAddress);
        return backupAnswer.apply(window);
    }

    private final List<String> serverAddresses = new CopyOnWriteArrayList<>();

    /** The server address each backup was asked to check ("" for none), in order. */
    public List<String> serverAddresses() {
        return serverAddresses;
    }

    /** How backups answer from now on: given the window the operator asked for, the result. */
    public void backupAnswer(Function<BackupWindow, BackupResult> answer) {
        this.backupAnswer = answer;
    }

    private volatile Function<BackupWindow, BackupResult> backupAnswer = RecordingCheckpointer::runWindow;

    /** What the real backup does between pg_backup_start and pg_backup_stop: the window, then a label. */
    public static BackupResult runWindow(BackupWindow window) {
        try {
            String done = window.run();
            return new BackupResult(true, 0.5, "online backup done; " + done, LABEL, false);
        } catch (Exception e) {
            return BackupResult.failed(0.1, "the snapshot of the data volume failed: " + e.getMessage());
        }
    }

    /** What the stand-in's backups return as their label. */
    public static final String LABEL = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
            + "CHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
            + "START TIME: 2026-12-07 21:00:00 UTC\nLABEL: pgclone\nSTART TIMELINE: 1\n";

    public List<SourceConnection> calls() {
        return calls;
    }

    public void answer(Function<SourceConnection, CheckpointResult> answer) {
        this.answer = answer;
    }
}
