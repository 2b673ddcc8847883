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
public class RefreshScheduleStatus {

    @JsonPropertyDescription("The clone the stable Service <schedule> selects.")
    private String activeClone;
    @JsonPropertyDescription("The clone of the latest run: being prepared, failed, or serving.")
    private String latestClone;
    @JsonPropertyDescription("The latest clone that failed, kept for inspection until a newer clone serves.")
    private String failedClone;
    @JsonPropertyDescription("The time of the latest run that created a clone (its scheduled time, or the minute of a refresh-now request).")
    private String lastScheduleTime;
    @JsonPropertyDescription("When the next scheduled run is due; empty while suspended or invalid. A time in the past means a due run is waiting (see the Refreshed condition).")
    private String nextScheduleTime;
    @JsonPropertyDescription("When the Service last switched to a newer clone.")
    private String lastSuccessfulTime;
    @JsonPropertyDescription("The last pgclone.dev/refresh-now annotation value that was acted on.")
    private String lastRefreshRequest;
    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    private Long observedGeneration;
    @JsonPropertyDescription("Ready: a clone serves behind the stable Service. Refreshed: the outcome of the latest run.")
    private List<Condition> conditions = new ArrayList<>();

    public Optional<Condition> condition(String type) {
        return Condition.find(conditions, type);
    }

    public String getActiveClone() { return activeClone; }
    public void setActiveClone(String activeClone) { this.activeClone = activeClone; }
    public String getLatestClone() { return latestClone; }
    public void setLatestClone(String latestClone) { this.latestClone = latestClone; }
    public String getFailedClone() { return failedClone; }
    public void setFailedClone(String failedClone) { this.failedClone = failedClone; }
    public String getLastScheduleTime() { return lastScheduleTime; }
    public void setLastScheduleTime(String lastScheduleTime) { this.lastScheduleTime = lastScheduleTime; }
    public String getNextScheduleTime() { return nextScheduleTime; }
    public void setNextScheduleTime(String nextScheduleTime) { this.nextScheduleTime = nextScheduleTime; }
    public String getLastSuccessfulTime() { return lastSuccessfulTime; }
    public void setLastSuccessfulTime(String lastSuccessfulTime) { this.lastSuccessfulTime = lastSuccessfulTime; }
    public String getLastRefreshRequest() { return lastRefreshRequest; }
    public void setLastRefreshRequest(String lastRefreshRequest) { this.lastRefreshRequest = lastRefreshRequest; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefreshScheduleStatus s && Objects.equals(activeClone, s.activeClone)
                && Objects.equals(latestClone, s.latestClone) && Objects.equals(failedClone, s.failedClone)
                && Objects.equals(lastScheduleTime, s.lastScheduleTime)
                && Objects.equals(nextScheduleTime, s.nextScheduleTime) && Objects.equals(lastSuccessfulTime, s.lastSuccessfulTime)
                && Objects.equals(lastRefreshRequest, s.lastRefreshRequest) && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(activeClone, latestClone, failedClone, lastScheduleTime, nextScheduleTime, lastSuccessfulTime, lastRefreshRequest,
                observedGeneration, conditions);
    }
}
