package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class ChecksSpec {

    @JsonPropertyDescription("Queries run after the migration, each with what it must return.")
    private List<ValidationSpec> validations;

    @JsonPropertyDescription("Queries run with EXPLAIN (ANALYZE, BUFFERS) before and after the migration, in a transaction that is rolled back: "
            + "the report compares plan shape and execution time (limits.maxPlanSlowdown).")
    private List<ExplainSpec> explain;

    public List<ValidationSpec> getValidations() { return validations; }
    public void setValidations(List<ValidationSpec> validations) { this.validations = validations; }
    public List<ExplainSpec> getExplain() { return explain; }
    public void setExplain(List<ExplainSpec> explain) { this.explain = explain; }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @ValidationRule(value = "(has(self.rows) ? 1 : 0) + (has(self.value) ? 1 : 0) == 1", message = "a validation expects either rows or value")
    public static class ValidationSpec {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        @JsonPropertyDescription("What the report calls it (lowercase letters, digits, '-').")
        private String name;
        @Required
        @JsonPropertyDescription("The query, e.g. SELECT id FROM orders WHERE status = 'complete' AND processed_at IS NULL.")
        private String sql;
        @io.fabric8.generator.annotation.Min(0)
        @JsonPropertyDescription("The number of rows it must return (0: no row breaks the rule).")
        private Long rows;
        @JsonPropertyDescription("What the first column of the first row must be (compared as numbers when both are numbers).")
        private String value;
        @Pattern("^(=|!=|<|<=|>|>=)$")
        @JsonPropertyDescription("How the result compares with value: =, !=, <, <=, >, >= (default =).")
        private String comparison;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getSql() { return sql; }
        public void setSql(String sql) { this.sql = sql; }
        public Long getRows() { return rows; }
        public void setRows(Long rows) { this.rows = rows; }
        public String getValue() { return value; }
        public void setValue(String value) { this.value = value; }
        public String getComparison() { return comparison; }
        public void setComparison(String comparison) { this.comparison = comparison; }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class ExplainSpec {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        @JsonPropertyDescription("What the report calls it (lowercase letters, digits, '-').")
        private String name;
        @Required
        @JsonPropertyDescription("One query, e.g. one the application runs most; a data-changing one changes nothing (rolled back).")
        private String sql;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getSql() { return sql; }
        public void setSql(String sql) { this.sql = sql; }
    }
}
