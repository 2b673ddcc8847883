package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "(has(self.sql) ? 1 : 0) + (has(self.job) ? 1 : 0) == 1", message = "set exactly one of migration.sql and migration.job")
public class MigrationSpec {

    @JsonPropertyDescription("Statements run one at a time on one session, as written: a BEGIN ... COMMIT in the text is a transaction block, "
            + "every other statement commits on its own (so CREATE INDEX CONCURRENTLY works). Evidence is recorded per statement.")
    private SqlMigrationSpec sql;

    @JsonPropertyDescription("A container running the team's own migration tool (Flyway, Liquibase, Rails, Django, Alembic, sqitch, psql) "
            + "as a Job, with the clone's connection in PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, DATABASE_URL and JDBC_DATABASE_URL "
            + "and the clone's superuser Secret mounted at /etc/pgclone/clone. Evidence is recorded per database session.")
    private JobMigrationSpec job;

    @Pattern("^([0-9]+(d|h|m|s))+$")
    @JsonPropertyDescription("Longest time the migration may run before it is cancelled and the rehearsal fails (default 30m).")
    private String timeout;

    @Pattern("^([0-9]+(ms|s|m|h|d))+$")
    @JsonPropertyDescription("SQL path: lock_timeout of the migration's session, e.g. 5s, as the production run would set it. Unset: none.")
    private String lockTimeout;

    public SqlMigrationSpec getSql() { return sql; }
    public void setSql(SqlMigrationSpec sql) { this.sql = sql; }
    public JobMigrationSpec getJob() { return job; }
    public void setJob(JobMigrationSpec job) { this.job = job; }
    public String getTimeout() { return timeout; }
    public void setTimeout(String timeout) { this.timeout = timeout; }
    public String getLockTimeout() { return lockTimeout; }
    public void setLockTimeout(String lockTimeout) { this.lockTimeout = lockTimeout; }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @ValidationRule(value = "has(self.inline) || has(self.configMapName)", message = "migration.sql needs inline, configMapName or both")
    public static class SqlMigrationSpec {
        @JsonPropertyDescription("The migration's SQL, run first.")
        private String inline;
        @JsonPropertyDescription("A ConfigMap in the rehearsal's namespace whose keys are SQL scripts, run in key order after inline (e.g. V1__a.sql, V2__b.sql).")
        private String configMapName;

        public String getInline() { return inline; }
        public void setInline(String inline) { this.inline = inline; }
        public String getConfigMapName() { return configMapName; }
        public void setConfigMapName(String configMapName) { this.configMapName = configMapName; }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class JobMigrationSpec {
        @io.fabric8.generator.annotation.Required
        @JsonPropertyDescription("The tool's image, e.g. flyway/flyway:10 or liquibase/liquibase:4.29.")
        private String image;
        @JsonPropertyDescription("The container's command (entrypoint); unset: the image's.")
        private List<String> command;
        @JsonPropertyDescription("The container's arguments, e.g. [migrate].")
        private List<String> args;
        @JsonPropertyDescription("More environment variables (plain values; the connection's are set by the rehearsal and cannot be overridden).")
        private List<EnvVarSpec> env;
        @JsonPropertyDescription("A ConfigMap in the rehearsal's namespace mounted read-only at /migrations (e.g. the migration files).")
        private String configMapName;
        @JsonPropertyDescription("The container's working directory.")
        private String workingDir;

        public String getImage() { return image; }
        public void setImage(String image) { this.image = image; }
        public List<String> getCommand() { return command; }
        public void setCommand(List<String> command) { this.command = command; }
        public List<String> getArgs() { return args; }
        public void setArgs(List<String> args) { this.args = args; }
        public List<EnvVarSpec> getEnv() { return env; }
        public void setEnv(List<EnvVarSpec> env) { this.env = env; }
        public String getConfigMapName() { return configMapName; }
        public void setConfigMapName(String configMapName) { this.configMapName = configMapName; }
        public String getWorkingDir() { return workingDir; }
        public void setWorkingDir(String workingDir) { this.workingDir = workingDir; }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class EnvVarSpec {
        @io.fabric8.generator.annotation.Required
        @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
        @JsonPropertyDescription("The variable's name.")
        private String name;
        @JsonPropertyDescription("Its value; $(PGHOST), $(JDBC_DATABASE_URL) and the other connection variables expand in it.")
        private String value;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getValue() { return value; }
        public void setValue(String value) { this.value = value; }
    }
}
