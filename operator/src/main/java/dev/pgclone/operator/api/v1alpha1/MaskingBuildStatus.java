package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The newest masked-snapshot build of a CloneSource in mode Snapshot: running, or failed and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MaskingBuildStatus {

    public static final String BUILDING = "Building";
    public static final String FAILED = "Failed";
    public static final String PUBLISHED = "Published";

    @JsonPropertyDescription("The build's DatabaseClone in this namespace (it is deleted once its snapshot is published).")
    private String name;
    @JsonPropertyDescription("Building, Published or Failed.")
    private String state;
    @JsonPropertyDescription("When it started.")
    private String startedAt;
    @JsonPropertyDescription("What it is doing, or why it failed.")
    private String message;
    @JsonPropertyDescription("Columns of the masked copy whose sampled values still look like personal data, as the PII check found them (values are never shown).")
    private List<PiiFinding> piiFindings = new ArrayList<>();

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getState() { return state; }
    public void setState(String state) { this.state = state; }
    public String getStartedAt() { return startedAt; }
    public void setStartedAt(String startedAt) { this.startedAt = startedAt; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public List<PiiFinding> getPiiFindings() { return piiFindings; }
    public void setPiiFindings(List<PiiFinding> piiFindings) { this.piiFindings = piiFindings; }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskingBuildStatus b && Objects.equals(name, b.name) && Objects.equals(state, b.state)
                && Objects.equals(startedAt, b.startedAt) && Objects.equals(message, b.message) && Objects.equals(piiFindings, b.piiFindings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, state, startedAt, message, piiFindings);
    }

    /** One column the PII check reported. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class PiiFinding {
        @JsonPropertyDescription("The column the finding is about, as database.schema.table.column.")
        private String column;
        @JsonPropertyDescription("Email, Phone, Iban, CardNumber or ColumnName.")
        private String kind;
        @JsonPropertyDescription("Sampled values that matched.")
        private Integer matches;
        @JsonPropertyDescription("How many of the column's values the check sampled.")
        private Integer sampled;

        public PiiFinding() {}

        public PiiFinding(String column, String kind, Integer matches, Integer sampled) {
            this.column = column;
            this.kind = kind;
            this.matches = matches;
            this.sampled = sampled;
        }

        public String getColumn() { return column; }
        public void setColumn(String column) { this.column = column; }
        public String getKind() { return kind; }
        public void setKind(String kind) { this.kind = kind; }
        public Integer getMatches() { return matches; }
        public void setMatches(Integer matches) { this.matches = matches; }
        public Integer getSampled() { return sampled; }
        public void setSampled(Integer sampled) { this.sampled = sampled; }

        @Override
        public boolean equals(Object o) {
            return o instanceof PiiFinding f && Objects.equals(column, f.column) && Objects.equals(kind, f.kind)
                    && Objects.equals(matches, f.matches) && Objects.equals(sampled, f.sampled);
        }

        @Override
        public int hashCode() {
            return Objects.hash(column, kind, matches, sampled);
        }
    }
}
