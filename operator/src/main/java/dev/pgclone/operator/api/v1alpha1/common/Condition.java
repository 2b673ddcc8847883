package dev.pgclone.operator.api.v1alpha1.common;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A Kubernetes-style condition; built only by {@code dev.pgclone.operator.status.Conditions}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class Condition {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    @JsonPropertyDescription("DatabaseClone: SnapshotReady, VolumeReady, PostgresStarted, Prepared or Ready. RefreshSchedule: Ready or Refreshed.")
    private String type;
    @JsonPropertyDescription("True, False or Unknown.")
    private String status;
    @JsonPropertyDescription("CamelCase reason, e.g. SourceNotFound.")
    private String reason;
    @JsonPropertyDescription("What happened and, on failure, what to change.")
    private String message;
    @JsonPropertyDescription("The metadata.generation the condition was set for.")
    private Long observedGeneration;
    @JsonPropertyDescription("When status last changed (RFC 3339).")
    private String lastTransitionTime;

    /** The condition of this type in a status's list (null or empty: none). */
    public static java.util.Optional<Condition> find(java.util.List<Condition> conditions, String type) {
        return conditions == null ? java.util.Optional.empty() : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public Condition() {}

    public Condition(String type, String status, String reason, String message, Long observedGeneration, String lastTransitionTime) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
        this.observedGeneration = observedGeneration;
        this.lastTransitionTime = lastTransitionTime;
    }

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getStatus() { return status; }
    public void setStatus(String status) { this.status = status; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public String getLastTransitionTime() { return lastTransitionTime; }
    public void setLastTransitionTime(String lastTransitionTime) { this.lastTransitionTime = lastTransitionTime; }

    @JsonIgnore
    public boolean isTrue() {
        return TRUE.equals(status);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Condition c && Objects.equals(type, c.type) && Objects.equals(status, c.status)
                && Objects.equals(reason, c.reason) && Objects.equals(message, c.message)
                && Objects.equals(observedGeneration, c.observedGeneration)
                && Objects.equals(lastTransitionTime, c.lastTransitionTime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, status, reason, message, observedGeneration, lastTransitionTime);
    }

    @Override
    public String toString() {
        return type + "=" + status + " (" + reason + ": " + message + ")";
    }
}
