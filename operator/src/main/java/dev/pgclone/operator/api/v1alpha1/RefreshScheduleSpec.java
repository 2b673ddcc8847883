package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class RefreshScheduleSpec {

    @Required
    @JsonPropertyDescription("When to refresh: a 5-field cron expression (minute hour day-of-month month day-of-week, e.g. \"0 6 * * 1-5\") "
            + "or @hourly, @daily, @weekly, @monthly, @yearly. Evaluated in timeZone. A run missed while the operator was down runs once when it starts.")
    private String schedule;

    @Default(Defaults.TIME_ZONE)
    @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. Europe/Berlin. A time that does not exist on the day clocks "
            + "move forward runs when the clock skips over it; a time that happens twice when clocks move back runs once, the first time.")
    private String timeZone;

    @Default("" + Defaults.SUSPEND)
    @JsonPropertyDescription("Stop scheduled runs (the current clone keeps serving). Runs missed while suspended are not caught up. "
            + "The pgclone.dev/refresh-now annotation still works.")
    private Boolean suspend;

    @Default("" + Defaults.HISTORY_LIMIT)
    @Min(0)
    @JsonPropertyDescription("Superseded Ready clones kept after a newer one serves, newest first; 0 deletes the previous clone as soon as the new one serves.")
    private Integer historyLimit;

    @Required
    @JsonPropertyDescription("The DatabaseClone each run creates.")
    private RefreshScheduleTemplate template;

    public String getSchedule() { return schedule; }
    public void setSchedule(String schedule) { this.schedule = schedule; }
    public String getTimeZone() { return timeZone; }
    public void setTimeZone(String timeZone) { this.timeZone = timeZone; }
    public Boolean getSuspend() { return suspend; }
    public void setSuspend(Boolean suspend) { this.suspend = suspend; }
    public Integer getHistoryLimit() { return historyLimit; }
    public void setHistoryLimit(Integer historyLimit) { this.historyLimit = historyLimit; }
    public RefreshScheduleTemplate getTemplate() { return template; }
    public void setTemplate(RefreshScheduleTemplate template) { this.template = template; }
}
