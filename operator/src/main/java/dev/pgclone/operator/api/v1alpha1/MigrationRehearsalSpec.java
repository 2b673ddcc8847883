package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class MigrationRehearsalSpec {

    @Required
    @JsonPropertyDescription("The DatabaseClone the rehearsal runs on, made fresh for it (the same template as a RefreshSchedule's: any source, "
            + "a CloneSource included). credentials.secretName and ttl are set by the rehearsal.")
    private RefreshScheduleTemplate clone;

    @JsonPropertyDescription("Keep the clone after the rehearsal for inspection: it is deleted this long after the rehearsal ends "
            + "(e.g. 2h). Unset: deleted as soon as the report is written.")
    private KeepCloneSpec keepClone;

    @JsonPropertyDescription("The database the migration, the workload and the checks run in (default: the clone's credentials.database, else postgres).")
    private String database;

    @Required
    @JsonPropertyDescription("The migration: SQL statements (sql) or the team's own tool in a container (job).")
    private MigrationSpec migration;

    @JsonPropertyDescription("The application's queries, run against the clone before the migration (the baseline) and while it runs.")
    private WorkloadSpec workload;

    @JsonPropertyDescription("What must hold after the migration (validations) and queries whose plans are compared before and after (explain).")
    private ChecksSpec checks;

    @JsonPropertyDescription("What the migration may do and still pass. Unset limits are reported, not enforced; a failed validation or a "
            + "migration error always fails.")
    private LimitsSpec limits;

    public RefreshScheduleTemplate getClone() { return clone; }
    public void setClone(RefreshScheduleTemplate clone) { this.clone = clone; }
    public KeepCloneSpec getKeepClone() { return keepClone; }
    public void setKeepClone(KeepCloneSpec keepClone) { this.keepClone = keepClone; }
    public String getDatabase() { return database; }
    public void setDatabase(String database) { this.database = database; }
    public MigrationSpec getMigration() { return migration; }
    public void setMigration(MigrationSpec migration) { this.migration = migration; }
    public WorkloadSpec getWorkload() { return workload; }
    public void setWorkload(WorkloadSpec workload) { this.workload = workload; }
    public ChecksSpec getChecks() { return checks; }
    public void setChecks(ChecksSpec checks) { this.checks = checks; }
    public LimitsSpec getLimits() { return limits; }
    public void setLimits(LimitsSpec limits) { this.limits = limits; }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class KeepCloneSpec {
        @Required
        @Pattern("^([0-9]+(d|h|m|s))+$")
        @JsonPropertyDescription("How long the clone stays after the rehearsal ends, e.g. 2h, 30m, 1d.")
        private String ttl;

        public String getTtl() { return ttl; }
        public void setTtl(String ttl) { this.ttl = ttl; }
    }
}
