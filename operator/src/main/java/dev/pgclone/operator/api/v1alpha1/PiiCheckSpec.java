package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.List;
import java.util.Objects;

/** The PII check of a masked copy: docs/clonesource.md, "The PII check". */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PiiCheckSpec {

    @JsonPropertyDescription("Run the check (default true).")
    private Boolean enabled;

    @JsonPropertyDescription("Publish nothing when the check finds something; the previous masked snapshot keeps serving. Default false: findings are reported (status, Warning event) and the snapshot is published.")
    private Boolean failOnFindings;

    @JsonPropertyDescription("E-mail domains masking may leave (and their subdomains), e.g. example.com.")
    private List<String> allowedEmailDomains;

    @JsonPropertyDescription("Java regular expressions: a column whose name matches one and whose sampled values are not all equal is a finding, e.g. (?i)ssn|passport.")
    private List<String> columnNamePatterns;

    @Min(1)
    @Max(100000)
    @JsonPropertyDescription("Values sampled per text-like column. Default 1000.")
    private Integer sampleRows;

    public Boolean getEnabled() { return enabled; }
    public void setEnabled(Boolean enabled) { this.enabled = enabled; }
    public Boolean getFailOnFindings() { return failOnFindings; }
    public void setFailOnFindings(Boolean failOnFindings) { this.failOnFindings = failOnFindings; }
    public List<String> getAllowedEmailDomains() { return allowedEmailDomains; }
    public void setAllowedEmailDomains(List<String> allowedEmailDomains) { this.allowedEmailDomains = allowedEmailDomains; }
    public List<String> getColumnNamePatterns() { return columnNamePatterns; }
    public void setColumnNamePatterns(List<String> columnNamePatterns) { this.columnNamePatterns = columnNamePatterns; }
    public Integer getSampleRows() { return sampleRows; }
    public void setSampleRows(Integer sampleRows) { this.sampleRows = sampleRows; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PiiCheckSpec p && Objects.equals(enabled, p.enabled) && Objects.equals(failOnFindings, p.failOnFindings)
                && Objects.equals(allowedEmailDomains, p.allowedEmailDomains) && Objects.equals(columnNamePatterns, p.columnNamePatterns)
                && Objects.equals(sampleRows, p.sampleRows);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, failOnFindings, allowedEmailDomains, columnNamePatterns, sampleRows);
    }
}
