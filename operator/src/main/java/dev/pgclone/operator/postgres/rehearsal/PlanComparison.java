package dev.pgclone.operator.postgres.rehearsal;

/** A named query's plan before and after the migration. */
public record PlanComparison(String name, String sql, PlanCapture before, PlanCapture after) {

    public boolean shapeChanged() {
        return before.error() == null && after.error() == null && !before.shape().equals(after.shape());
    }

    /** after / before execution time; NaN when either failed or before took no measurable time. */
    public double slowdown() {
        if (before.error() != null || after.error() != null || before.executionMs() <= 0) {
            return Double.NaN;
        }
        return after.executionMs() / before.executionMs();
    }
}
