package dev.pgclone.operator.testing;

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

    public List<SourceConnection> calls() {
        return calls;
    }

    public void answer(Function<SourceConnection, CheckpointResult> answer) {
        this.answer = answer;
    }
}
