package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class LimitsSpec {

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("Longest AccessExclusiveLock (which blocks even reads) the migration may hold on one relation, e.g. 1s.")
    private String maxAccessExclusiveLock;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("Longest lock that blocks writes (ShareLock and stronger: a plain CREATE INDEX, most ALTER TABLEs) on one relation, e.g. 5s.")
    private String maxWriteBlockingLock;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("Longest time any workload query may wait for a lock held by the migration, e.g. 500ms.")
    private String maxWorkloadLockWait;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("Longest the whole migration may take, e.g. 10m.")
    private String maxDuration;

    @JsonPropertyDescription("No relation larger than this may be rewritten (a Kubernetes quantity, e.g. 100Mi): a rewrite holds an "
            + "AccessExclusiveLock for as long as it copies the table.")
    private io.fabric8.kubernetes.api.model.Quantity maxRewriteSize;

    @JsonPropertyDescription("Largest after/before ratio of an explain query's execution time, e.g. 2 (twice as slow).")
    @Min(1)
    private Double maxPlanSlowdown;

    @Min(0)
    @JsonPropertyDescription("Most errors the workload's queries may have during the migration, all together (lock_timeout, statement_timeout, deadlocks...).")
    private Long maxWorkloadErrors;

    public String getMaxAccessExclusiveLock() { return maxAccessExclusiveLock; }
    public void setMaxAccessExclusiveLock(String v) { this.maxAccessExclusiveLock = v; }
    public String getMaxWriteBlockingLock() { return maxWriteBlockingLock; }
    public void setMaxWriteBlockingLock(String v) { this.maxWriteBlockingLock = v; }
    public String getMaxWorkloadLockWait() { return maxWorkloadLockWait; }
    public void setMaxWorkloadLockWait(String v) { this.maxWorkloadLockWait = v; }
    public String getMaxDuration() { return maxDuration; }
    public void setMaxDuration(String v) { this.maxDuration = v; }
    public io.fabric8.kubernetes.api.model.Quantity getMaxRewriteSize() { return maxRewriteSize; }
    public void setMaxRewriteSize(io.fabric8.kubernetes.api.model.Quantity v) { this.maxRewriteSize = v; }
    public Double getMaxPlanSlowdown() { return maxPlanSlowdown; }
    public void setMaxPlanSlowdown(Double v) { this.maxPlanSlowdown = v; }
    public Long getMaxWorkloadErrors() { return maxWorkloadErrors; }
    public void setMaxWorkloadErrors(Long v) { this.maxWorkloadErrors = v; }
}
