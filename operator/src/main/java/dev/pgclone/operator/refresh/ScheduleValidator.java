package dev.pgclone.operator.refresh;

import dev.pgclone.operator.spec.CronSchedule;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.clone.SpecValidator;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.status.Reasons;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What must hold before a schedule may create anything: a cron expression and time zone that
 * parse, and a template the DatabaseClone reconciler would accept. Every problem is reported at
 * once, each naming the field to change.
 */
final class ScheduleValidator {

    /** A reason and a message that says what to change. */
    record Problem(String reason, String message) {}

    /**
     * @param cron          the parsed schedule, or null when it does not parse
     * @param templateValid whether the template may be used (credentials are kept even when only the cron is wrong)
     * @param problem       every problem, under the first one's reason; null when there is none
     */
    record Validation(CronSchedule cron, boolean templateValid, Problem problem) {}

    private ScheduleValidator() {}

    static Validation validate(RefreshSchedule schedule) {
        List<String> problems = new ArrayList<>();
        String reason = null;
        String name = schedule.getMetadata().getName();
        // clone names add "-yyyymmddhhmm" and must stay a Service name and label value; the stable Service is the schedule's name
        Optional<String> nameProblem = Names.scheduleNameProblem(name);
        if (nameProblem.isPresent()) {
            problems.add(nameProblem.get());
            reason = Reasons.INVALID_NAME;
        }
        var spec = schedule.getSpec();
        if (spec == null) {
            problems.add("spec is required: set spec.schedule and spec.template.spec");
            return new Validation(null, false, new Problem(Reasons.INVALID_SPEC, String.join("; ", problems)));
        }
        CronSchedule cron = null;
        try {
            cron = CronSchedule.parse(spec.getSchedule(), spec.getTimeZone());
        } catch (CronSchedule.InvalidScheduleException e) {
            problems.add(e.getMessage());
            reason = reason != null ? reason : e.timeZone() ? Reasons.INVALID_TIME_ZONE : Reasons.INVALID_SCHEDULE;
            if (e.timeZone()) {
                // the zone is read first; check the expression on its own so both mistakes show at once
                try {
                    CronSchedule.parse(spec.getSchedule(), null);
                } catch (CronSchedule.InvalidScheduleException expression) {
                    problems.add(expression.getMessage());
                }
            }
        }
        if (spec.getHistoryLimit() != null && spec.getHistoryLimit() < 0) {
            problems.add("spec.historyLimit must be 0 or more (superseded clones to keep)");
            reason = reason != null ? reason : Reasons.INVALID_SPEC;
        }
        List<String> template = templateProblems(schedule);
        problems.addAll(template);
        if (!template.isEmpty() && reason == null) {
            reason = Reasons.INVALID_SPEC;
        }
        Problem problem = problems.isEmpty() ? null : new Problem(reason, String.join("; ", problems));
        return new Validation(cron, template.isEmpty() && nameProblem.isEmpty(), problem);
    }

    private static List<String> templateProblems(RefreshSchedule schedule) {
        var template = schedule.getSpec().getTemplate();
        if (template == null || template.getSpec() == null) {
            return List.of("spec.template.spec is required: the DatabaseClone spec each run creates (source, postgres, credentials, ...)");
        }
        DatabaseCloneSpec spec = template.getSpec();
        String exampleClone = schedule.getMetadata().getName() + "-000000000000";
        List<String> problems = new ArrayList<>();
        problems.addAll(SpecValidator.problemsAt("spec.template.spec.", spec, exampleClone));
        if (spec.getTtl() != null) {
            problems.add("spec.template.spec.ttl is not allowed: a schedule's clones live until a newer one serves (see spec.historyLimit); remove it");
        }
        var credentials = spec.getCredentials();
        if (credentials != null && credentials.getSecretName() != null && !credentials.getSecretName().isBlank()) {
            problems.add("spec.template.spec.credentials.secretName is set by the schedule, which keeps every role's password in Secret "
                    + schedule.getMetadata().getName() + "-passwords across refreshes: remove it");
        }
        if (credentials != null && credentials.getRoles() != null && credentials.getRoles().contains(ScheduleResources.COMPONENT_PASSWORDS)) {
            problems.add("spec.template.spec.credentials.roles: \"passwords\" would clash with Secret " + schedule.getMetadata().getName()
                    + "-passwords, where the schedule keeps the roles' passwords: rename the role or leave it out");
        }
        return problems;
    }
}
