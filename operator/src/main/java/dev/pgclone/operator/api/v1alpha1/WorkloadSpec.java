package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class WorkloadSpec {

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("How long the workload runs before the migration starts: the baseline its latencies are compared with (default 10s).")
    private String baseline;

    @JsonPropertyDescription("The application's queries, each at its rate and concurrency, run by the operator against the clone.")
    private List<WorkloadQuerySpec> queries;

    @JsonPropertyDescription("A pgbench custom script (\\set name random(a, b), :name variables, SQL lines) run as one more workload entry.")
    private PgbenchSpec pgbench;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("lock_timeout of the workload's sessions, as the application sets it (e.g. 2s): a query that waits longer fails "
            + "with SQLSTATE 55P03 and is counted as an error. Unset: none.")
    private String lockTimeout;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("statement_timeout of the workload's sessions (e.g. 5s). Unset: none.")
    private String statementTimeout;

    public String getBaseline() { return baseline; }
    public void setBaseline(String baseline) { this.baseline = baseline; }
    public List<WorkloadQuerySpec> getQueries() { return queries; }
    public void setQueries(List<WorkloadQuerySpec> queries) { this.queries = queries; }
    public PgbenchSpec getPgbench() { return pgbench; }
    public void setPgbench(PgbenchSpec pgbench) { this.pgbench = pgbench; }
    public String getLockTimeout() { return lockTimeout; }
    public void setLockTimeout(String lockTimeout) { this.lockTimeout = lockTimeout; }
    public String getStatementTimeout() { return statementTimeout; }
    public void setStatementTimeout(String statementTimeout) { this.statementTimeout = statementTimeout; }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class WorkloadQuerySpec {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        @io.fabric8.generator.annotation.Size(max = 36)
        @JsonPropertyDescription("What the report calls it (lowercase letters, digits, '-'; at most 36 characters).")
        private String name;
        @Required
        @JsonPropertyDescription("One SQL statement, e.g. SELECT * FROM orders WHERE customer_id = 42.")
        private String sql;
        @Min(0)
        @Max(1000)
        @JsonPropertyDescription("Executions per second over all its sessions (default 10; 0: as fast as the sessions can).")
        private Double rate;
        @Min(1)
        @Max(16)
        @JsonPropertyDescription("Sessions running it at once (default 1).")
        private Integer concurrency;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getSql() { return sql; }
        public void setSql(String sql) { this.sql = sql; }
        public Double getRate() { return rate; }
        public void setRate(Double rate) { this.rate = rate; }
        public Integer getConcurrency() { return concurrency; }
        public void setConcurrency(Integer concurrency) { this.concurrency = concurrency; }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class PgbenchSpec {
        @Required
        @JsonPropertyDescription("The script, in pgbench's custom-script format (the subset the docs list).")
        private String script;
        @Min(0)
        @Max(1000)
        @JsonPropertyDescription("Script runs per second over all clients (default 10; 0: as fast as they can).")
        private Double rate;
        @Min(1)
        @Max(16)
        @JsonPropertyDescription("Sessions running the script at once (default 1).")
        private Integer clients;

        public String getScript() { return script; }
        public void setScript(String script) { this.script = script; }
        public Double getRate() { return rate; }
        public void setRate(Double rate) { this.rate = rate; }
        public Integer getClients() { return clients; }
        public void setClients(Integer clients) { this.clients = clients; }
    }
}
