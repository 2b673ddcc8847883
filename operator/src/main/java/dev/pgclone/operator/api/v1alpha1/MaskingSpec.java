package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Where a CloneSource's mandatory masking runs: in every clone (PerClone, the original behaviour),
 * or once per masked snapshot that clones restore from (Snapshot): docs/clonesource.md, "Masked snapshots".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@ValidationRule(value = "(has(self.mode) && self.mode == 'Snapshot') || (!has(self.schedule) && !has(self.maxAge))",
        message = "schedule and maxAge apply to mode Snapshot only")
public class MaskingSpec {

    public static final String PER_CLONE = "PerClone";
    public static final String SNAPSHOT = "Snapshot";
    public static final String REWRITE_TOUCHED = "Touched";
    public static final String REWRITE_ALL = "All";

    @Pattern("^(PerClone|Snapshot)$")
    @JsonPropertyDescription("PerClone (default): spec.postClone runs in every clone, whose volume still holds production's blocks. Snapshot: the operator builds masked snapshots in this namespace (spec.postClone run once, the tables it touched rewritten, the WAL removed) and clones restore from the newest one without running SQL first.")
    private String mode;

    @Pattern("^([0-9]+(d|h|m|s))+$")
    @JsonPropertyDescription("Snapshot mode: build a new masked snapshot when the newest is older than this, e.g. 24h. Default 24h; with schedule set and maxAge unset, only the schedule builds.")
    private String maxAge;

    @JsonPropertyDescription("Snapshot mode: also build on this cron schedule (5 fields or @daily style), read in timeZone.")
    private String schedule;

    @JsonPropertyDescription("IANA time zone of schedule, e.g. Europe/Berlin. Default UTC.")
    private String timeZone;

    @JsonPropertyDescription("Snapshot mode: the database spec.postClone runs in, in the build. Default postgres. (In mode PerClone it runs in each clone's spec.credentials.database.)")
    private String database;

    @Pattern("^(Touched|All)$")
    @JsonPropertyDescription("Snapshot mode: which tables are rewritten (VACUUM FULL) after masking so no pre-masking row version stays in a data file. All (default): every table. Touched: those the statistics show written since the copy started, emptied ones and those with dropped columns; faster on a large database, but statistics a reset or a crash emptied miss tables.")
    private String rewrite;

    @JsonPropertyDescription("Snapshot mode: the check for personal data the masking missed, run on the masked copy before it is published.")
    private PiiCheckSpec piiCheck;

    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public String getMaxAge() { return maxAge; }
    public void setMaxAge(String maxAge) { this.maxAge = maxAge; }
    public String getSchedule() { return schedule; }
    public void setSchedule(String schedule) { this.schedule = schedule; }
    public String getTimeZone() { return timeZone; }
    public void setTimeZone(String timeZone) { this.timeZone = timeZone; }
    public String getDatabase() { return database; }
    public void setDatabase(String database) { this.database = database; }
    public String getRewrite() { return rewrite; }
    public void setRewrite(String rewrite) { this.rewrite = rewrite; }
    public PiiCheckSpec getPiiCheck() { return piiCheck; }
    public void setPiiCheck(PiiCheckSpec piiCheck) { this.piiCheck = piiCheck; }

    /** Whether clones of this spec restore from masked snapshots. */
    public static boolean snapshotMode(CloneSourceSpec spec) {
        return spec != null && spec.getMasking() != null && SNAPSHOT.equals(spec.getMasking().getMode());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskingSpec m && Objects.equals(mode, m.mode) && Objects.equals(maxAge, m.maxAge)
                && Objects.equals(schedule, m.schedule) && Objects.equals(timeZone, m.timeZone)
                && Objects.equals(rewrite, m.rewrite) && Objects.equals(piiCheck, m.piiCheck) && Objects.equals(database, m.database);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, maxAge, schedule, timeZone, rewrite, piiCheck, database);
    }
}
