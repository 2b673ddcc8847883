package dev.pgclone.operator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Run times of cron expressions in time zones, including both daylight-saving transitions of
 * Europe/Berlin in 2026: spring forward on 29 March (02:00 CET becomes 03:00 CEST, 01:00Z) and
 * fall back on 25 October (03:00 CEST becomes 02:00 CET, 01:00Z).
 */
class CronScheduleTest {

    @Test
    void nextIsStrictlyAfterAndLatestIsAtOrBefore() throws Exception {
        CronSchedule daily = CronSchedule.parse("0 6 * * *", "UTC");
        assertThat(daily.next(at("2026-01-01T05:59:59Z"))).isEqualTo(at("2026-01-01T06:00:00Z"));
        assertThat(daily.next(at("2026-01-01T06:00:00Z"))).isEqualTo(at("2026-01-02T06:00:00Z"));
        assertThat(daily.latest(at("2026-01-01T06:00:00Z"))).contains(at("2026-01-01T06:00:00Z"));
        assertThat(daily.latest(at("2026-01-01T06:00:30Z"))).contains(at("2026-01-01T06:00:00Z"));
        assertThat(daily.latest(at("2026-01-01T05:59:59Z"))).contains(at("2025-12-31T06:00:00Z"));
    }

    @Test
    void theSameExpressionRunsAtItsLocalTimeInEachZone() throws Exception {
        String weekdays = "0 6 * * 1-5";
        Instant mondayMidnightUtc = at("2026-01-05T00:00:00Z");
        assertThat(CronSchedule.parse(weekdays, "Europe/Berlin").next(mondayMidnightUtc)).isEqualTo(at("2026-01-05T05:00:00Z"));
        assertThat(CronSchedule.parse(weekdays, "America/New_York").next(mondayMidnightUtc)).isEqualTo(at("2026-01-05T11:00:00Z"));
        // half-hour offset, and 06:00 in Kolkata is only 30 minutes after midnight UTC
        assertThat(CronSchedule.parse(weekdays, "Asia/Kolkata").next(mondayMidnightUtc)).isEqualTo(at("2026-01-05T00:30:00Z"));
        // in summer Berlin is UTC+2
        assertThat(CronSchedule.parse(weekdays, "Europe/Berlin").next(at("2026-07-06T00:00:00Z"))).isEqualTo(at("2026-07-06T04:00:00Z"));
        // the weekday is the zone's: Friday 23:30 in New York is already Saturday in UTC, and the next run is Monday
        assertThat(CronSchedule.parse(weekdays, "America/New_York").next(at("2026-01-10T04:30:00Z"))).isEqualTo(at("2026-01-12T11:00:00Z"));
    }

    @Test
    void springForwardRunsATimeThatDoesNotExistWhenTheClockSkipsOverIt() throws Exception {
        CronSchedule at0230 = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        // 02:30 does not exist on 29 March: the run is at 03:00 CEST, the instant the clock jumps
        assertThat(at0230.next(at("2026-03-28T12:00:00Z"))).isEqualTo(at("2026-03-29T01:00:00Z"));
        assertThat(at0230.next(at("2026-03-29T01:00:00Z"))).isEqualTo(at("2026-03-30T00:30:00Z"));
        assertThat(at0230.latest(at("2026-03-29T01:30:00Z"))).contains(at("2026-03-29T01:00:00Z"));

        // several run times inside the gap collapse into that one instant, together with 03:00 itself
        CronSchedule quarterly = CronSchedule.parse("*/15 * * * *", "Europe/Berlin");
        assertThat(quarterly.next(at("2026-03-29T00:45:00Z"))).isEqualTo(at("2026-03-29T01:00:00Z"));
        assertThat(quarterly.next(at("2026-03-29T01:00:00Z"))).isEqualTo(at("2026-03-29T01:15:00Z"));
    }

    @Test
    void fallBackRunsATimeThatHappensTwiceOnlyTheFirstTime() throws Exception {
        CronSchedule at0230 = CronSchedule.parse("30 2 * * *", "Europe/Berlin");
        // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET): it runs at the first only
        assertThat(at0230.next(at("2026-10-24T12:00:00Z"))).isEqualTo(at("2026-10-25T00:30:00Z"));
        assertThat(at0230.next(at("2026-10-25T00:30:00Z"))).isEqualTo(at("2026-10-26T01:30:00Z"));
        // counting from between the two occurrences (a reconcile shortly after the run) must not find the second
        assertThat(at0230.next(at("2026-10-25T00:30:01Z"))).isEqualTo(at("2026-10-26T01:30:00Z"));
        assertThat(at0230.next(at("2026-10-25T01:10:00Z"))).isEqualTo(at("2026-10-26T01:30:00Z"));
        // and the latest run seen from the second occurrence is the first one
        assertThat(at0230.latest(at("2026-10-25T01:45:00Z"))).contains(at("2026-10-25T00:30:00Z"));

        // an hourly schedule runs 02:00 once too, so that night it waits two hours
        CronSchedule hourly = CronSchedule.parse("@hourly", "Europe/Berlin");
        assertThat(hourly.next(at("2026-10-24T23:00:00Z"))).isEqualTo(at("2026-10-25T00:00:00Z"));
        assertThat(hourly.next(at("2026-10-25T00:00:00Z"))).isEqualTo(at("2026-10-25T02:00:00Z"));
    }

    @Test
    void macrosStandForTheirFiveFieldExpressions() throws Exception {
        Instant wednesday = at("2026-01-07T10:15:00Z");
        assertThat(CronSchedule.parse("@hourly", null).next(wednesday)).isEqualTo(at("2026-01-07T11:00:00Z"));
        assertThat(CronSchedule.parse("@daily", null).next(wednesday)).isEqualTo(at("2026-01-08T00:00:00Z"));
        assertThat(CronSchedule.parse("@midnight", null).next(wednesday)).isEqualTo(at("2026-01-08T00:00:00Z"));
        assertThat(CronSchedule.parse("@weekly", null).next(wednesday)).isEqualTo(at("2026-01-11T00:00:00Z"));
        assertThat(CronSchedule.parse("@monthly", null).next(wednesday)).isEqualTo(at("2026-02-01T00:00:00Z"));
        assertThat(CronSchedule.parse("@yearly", null).next(wednesday)).isEqualTo(at("2027-01-01T00:00:00Z"));
        assertThat(CronSchedule.parse("@annually", null).next(wednesday)).isEqualTo(at("2027-01-01T00:00:00Z"));
        assertThat(CronSchedule.parse(" @DAILY ", "Europe/Berlin").next(wednesday)).isEqualTo(at("2026-01-07T23:00:00Z"));
    }

    @Test
    void dayOfMonthAndDayOfWeekTogetherMeanEitherAsInPosixCron() throws Exception {
        CronSchedule firstOrMonday = CronSchedule.parse("0 6 1 * MON", "UTC");
        assertThat(firstOrMonday.next(at("2026-01-27T00:00:00Z"))).isEqualTo(at("2026-02-01T06:00:00Z")); // a Sunday, the 1st
        assertThat(firstOrMonday.next(at("2026-02-01T06:00:00Z"))).isEqualTo(at("2026-02-02T06:00:00Z")); // a Monday
    }

    @Test
    void unusableExpressionsAndZonesSayWhatToChange() {
        assertThatThrownBy(() -> CronSchedule.parse("0 6 * *", "UTC")).hasMessageContaining("spec.schedule \"0 6 * *\"")
                .hasMessageContaining("5-field").hasMessageContaining("@daily");
        assertThatThrownBy(() -> CronSchedule.parse("61 6 * * *", "UTC")).hasMessageContaining("61 not in range");
        assertThatThrownBy(() -> CronSchedule.parse("0 6 31 2 *", "UTC")).hasMessageContaining("never matches a date");
        assertThatThrownBy(() -> CronSchedule.parse("@reboot", "UTC")).hasMessageContaining("@hourly, @daily");
        assertThatThrownBy(() -> CronSchedule.parse("", "UTC")).hasMessageContaining("spec.schedule is empty");
        assertThatThrownBy(() -> CronSchedule.parse("0 6 * * *", "Europe/Berln"))
                .isInstanceOfSatisfying(CronSchedule.InvalidScheduleException.class, e -> assertThat(e.timeZone()).isTrue())
                .hasMessageContaining("spec.timeZone \"Europe/Berln\" is not an IANA time zone");
        // fixed offsets do not follow daylight saving time, so they are refused like Kubernetes CronJobs do
        assertThatThrownBy(() -> CronSchedule.parse("0 6 * * *", "+02:00")).hasMessageContaining("IANA");
    }

    @Test
    void noTimeZoneMeansUtc() throws Exception {
        assertThat(CronSchedule.parse("0 6 * * *", null).zone()).isEqualTo(ZoneOffset.UTC);
        assertThat(CronSchedule.parse("0 6 * * *", "").zone()).isEqualTo(ZoneOffset.UTC);
        assertThat(CronSchedule.parse("0 6 * * *", "Europe/Berlin").zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    }

    private static Instant at(String instant) {
        return Instant.parse(instant);
    }
}
