package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MigrationRehearsalStatus {

    @JsonPropertyDescription("Pending, Cloning, Baseline, Migrating, Checking, Passed or Failed.")
    private String phase;
    @JsonPropertyDescription("Passed or Failed once the rehearsal ends.")
    private String verdict;
    @JsonPropertyDescription("Why it failed, one line each (empty when it passed).")
    private List<String> reasons;
    @JsonPropertyDescription("The DatabaseClone the rehearsal runs on.")
    private String clone;
    @JsonPropertyDescription("When the clone's snapshot of production was taken.")
    private String dataAsOf;
    @JsonPropertyDescription("When the migration started.")
    private String startTime;
    @JsonPropertyDescription("When the rehearsal ended.")
    private String completionTime;
    @JsonPropertyDescription("When a kept clone (keepClone.ttl) is deleted.")
    private String cloneDeletionTime;
    @JsonPropertyDescription("The ConfigMap holding report.md, report.json and junit.xml.")
    private String report;
    @JsonPropertyDescription("The evidence in a few numbers; the report has all of it.")
    private Summary summary;
    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    private Long observedGeneration;
    @JsonPropertyDescription("CloneReady, Migrated, Complete (ended, either way), Passed and Failed: kubectl wait --for=condition=Complete, then read verdict.")
    private List<Condition> conditions = new ArrayList<>();

    public Optional<Condition> condition(String type) {
        return Condition.find(conditions, type);
    }

    public String getPhase() { return phase; }
    public void setPhase(String phase) { this.phase = phase; }
    public String getVerdict() { return verdict; }
    public void setVerdict(String verdict) { this.verdict = verdict; }
    public List<String> getReasons() { return reasons; }
    public void setReasons(List<String> reasons) { this.reasons = reasons; }
    public String getClone() { return clone; }
    public void setClone(String clone) { this.clone = clone; }
    public String getDataAsOf() { return dataAsOf; }
    public void setDataAsOf(String dataAsOf) { this.dataAsOf = dataAsOf; }
    public String getStartTime() { return startTime; }
    public void setStartTime(String startTime) { this.startTime = startTime; }
    public String getCompletionTime() { return completionTime; }
    public void setCompletionTime(String completionTime) { this.completionTime = completionTime; }
    public String getCloneDeletionTime() { return cloneDeletionTime; }
    public void setCloneDeletionTime(String cloneDeletionTime) { this.cloneDeletionTime = cloneDeletionTime; }
    public String getReport() { return report; }
    public void setReport(String report) { this.report = report; }
    public Summary getSummary() { return summary; }
    public void setSummary(Summary summary) { this.summary = summary; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationRehearsalStatus s && Objects.equals(phase, s.phase) && Objects.equals(verdict, s.verdict)
                && Objects.equals(reasons, s.reasons) && Objects.equals(clone, s.clone) && Objects.equals(dataAsOf, s.dataAsOf)
                && Objects.equals(startTime, s.startTime) && Objects.equals(completionTime, s.completionTime)
                && Objects.equals(cloneDeletionTime, s.cloneDeletionTime) && Objects.equals(report, s.report)
                && Objects.equals(summary, s.summary) && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(phase, verdict, reasons, clone, dataAsOf, startTime, completionTime, cloneDeletionTime, report, summary,
                observedGeneration, conditions);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Summary {
        @JsonPropertyDescription("Statements (sql) or sessions (job) of the migration.")
        private Integer steps;
        @JsonPropertyDescription("The migration's duration in seconds.")
        private Double durationSeconds;
        @JsonPropertyDescription("The longest AccessExclusiveLock: relation, seconds held and step, e.g. public.orders 41.2s (statement 3).")
        private String longestAccessExclusiveLock;
        @JsonPropertyDescription("The longest lock that blocks writes, same form.")
        private String longestWriteBlockingLock;
        @JsonPropertyDescription("The longest a workload query waited behind the migration: query and seconds.")
        private String longestWorkloadWait;
        @JsonPropertyDescription("Relations the migration rewrote.")
        private Integer rewrites;
        @JsonPropertyDescription("Validations that failed.")
        private Integer failedChecks;
        @JsonPropertyDescription("The largest after/before execution time ratio of the explain queries.")
        private Double worstPlanSlowdown;

        public Integer getSteps() { return steps; }
        public void setSteps(Integer steps) { this.steps = steps; }
        public Double getDurationSeconds() { return durationSeconds; }
        public void setDurationSeconds(Double durationSeconds) { this.durationSeconds = durationSeconds; }
        public String getLongestAccessExclusiveLock() { return longestAccessExclusiveLock; }
        public void setLongestAccessExclusiveLock(String v) { this.longestAccessExclusiveLock = v; }
        public String getLongestWriteBlockingLock() { return longestWriteBlockingLock; }
        public void setLongestWriteBlockingLock(String v) { this.longestWriteBlockingLock = v; }
        public String getLongestWorkloadWait() { return longestWorkloadWait; }
        public void setLongestWorkloadWait(String v) { this.longestWorkloadWait = v; }
        public Integer getRewrites() { return rewrites; }
        public void setRewrites(Integer rewrites) { this.rewrites = rewrites; }
        public Integer getFailedChecks() { return failedChecks; }
        public void setFailedChecks(Integer failedChecks) { this.failedChecks = failedChecks; }
        public Double getWorstPlanSlowdown() { return worstPlanSlowdown; }
        public void setWorstPlanSlowdown(Double worstPlanSlowdown) { this.worstPlanSlowdown = worstPlanSlowdown; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Summary s && Objects.equals(steps, s.steps) && Objects.equals(durationSeconds, s.durationSeconds)
                    && Objects.equals(longestAccessExclusiveLock, s.longestAccessExclusiveLock)
                    && Objects.equals(longestWriteBlockingLock, s.longestWriteBlockingLock)
                    && Objects.equals(longestWorkloadWait, s.longestWorkloadWait) && Objects.equals(rewrites, s.rewrites)
                    && Objects.equals(failedChecks, s.failedChecks) && Objects.equals(worstPlanSlowdown, s.worstPlanSlowdown);
        }

        @Override
        public int hashCode() {
            return Objects.hash(steps, durationSeconds, longestAccessExclusiveLock, longestWriteBlockingLock, longestWorkloadWait, rewrites,
                    failedChecks, worstPlanSlowdown);
        }
    }
}
