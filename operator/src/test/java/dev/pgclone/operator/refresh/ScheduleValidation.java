package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;

/** The schedule validator for tests outside this package (the examples test): every problem, or null. */
public final class ScheduleValidation {

    private ScheduleValidation() {}

    public static String problems(RefreshSchedule schedule) {
        ScheduleValidator.Problem problem = ScheduleValidator.validate(schedule).problem();
        return problem == null ? null : problem.reason() + ": " + problem.message();
    }
}
