package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One masked snapshot of a CloneSource in mode Snapshot, as its status reports it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MaskedSnapshotStatus {

    @JsonPropertyDescription("VolumeSnapshot name in this namespace.")
    private String name;
    @JsonPropertyDescription("When the production snapshot it was built from was taken: the data is as of then.")
    private String dataAsOf;
    @JsonPropertyDescription("When it was published.")
    private String builtAt;
    @JsonPropertyDescription("Seconds from the start of the build to its publication.")
    private Double buildSeconds;
    @JsonPropertyDescription("Seconds the masking took: spec.postClone, the rewrite of the tables it touched and the PII check.")
    private Double maskingSeconds;
    @JsonPropertyDescription("The snapshot's restore size.")
    private String size;
    @JsonPropertyDescription("Whether it can be restored from.")
    private Boolean readyToUse;
    @JsonPropertyDescription("Clones using it; it is kept while any does. New clones use the newest.")
    private Integer users;
    @JsonPropertyDescription("PII check findings when it was built (published anyway: failOnFindings is false).")
    private Integer piiFindings;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getDataAsOf() { return dataAsOf; }
    public void setDataAsOf(String dataAsOf) { this.dataAsOf = dataAsOf; }
    public String getBuiltAt() { return builtAt; }
    public void setBuiltAt(String builtAt) { this.builtAt = builtAt; }
    public Double getBuildSeconds() { return buildSeconds; }
    public void setBuildSeconds(Double buildSeconds) { this.buildSeconds = buildSeconds; }
    public Double getMaskingSeconds() { return maskingSeconds; }
    public void setMaskingSeconds(Double maskingSeconds) { this.maskingSeconds = maskingSeconds; }
    public String getSize() { return size; }
    public void setSize(String size) { this.size = size; }
    public Boolean getReadyToUse() { return readyToUse; }
    public void setReadyToUse(Boolean readyToUse) { this.readyToUse = readyToUse; }
    public Integer getUsers() { return users; }
    public void setUsers(Integer users) { this.users = users; }
    public Integer getPiiFindings() { return piiFindings; }
    public void setPiiFindings(Integer piiFindings) { this.piiFindings = piiFindings; }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskedSnapshotStatus m && Objects.equals(name, m.name) && Objects.equals(dataAsOf, m.dataAsOf)
                && Objects.equals(builtAt, m.builtAt) && Objects.equals(buildSeconds, m.buildSeconds)
                && Objects.equals(maskingSeconds, m.maskingSeconds) && Objects.equals(size, m.size)
                && Objects.equals(readyToUse, m.readyToUse) && Objects.equals(users, m.users) && Objects.equals(piiFindings, m.piiFindings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dataAsOf, builtAt, buildSeconds, maskingSeconds, size, readyToUse, users, piiFindings);
    }
}
