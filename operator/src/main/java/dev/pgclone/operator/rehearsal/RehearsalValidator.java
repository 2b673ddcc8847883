package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.api.v1alpha1.ChecksSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.LimitsSpec;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsalSpec;
import dev.pgclone.operator.api.v1alpha1.MigrationSpec;
import dev.pgclone.operator.api.v1alpha1.WorkloadSpec;
import dev.pgclone.operator.clone.SpecValidator;
import dev.pgclone.operator.postgres.rehearsal.Validation;
import dev.pgclone.operator.postgres.rehearsal.WorkloadQuery;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.spec.Durations;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What must hold before a rehearsal creates anything, each problem naming the field to change; and
 * the spec with its defaults applied ({@link RehearsalPlan}). The CRD's schema and rules refuse most
 * of these already; this is the same check for an API server that did not apply them (an older
 * CRD, the fabric8 mock) and for what a schema cannot say.
 */
public final class RehearsalValidator {

    /** How long the migration may run unless migration.timeout says otherwise. */
    public static final Duration DEFAULT_MIGRATION_TIMEOUT = Duration.ofMinutes(30);
    /** How long the workload runs before the migration unless workload.baseline says otherwise. */
    public static final Duration DEFAULT_BASELINE = Duration.ofSeconds(10);
    public static final double DEFAULT_RATE = 10;
    /** Sessions the operator opens to one clone for the workload, all queries together: the operator's own connections. */
    public static final int MAX_WORKLOAD_SESSIONS = 32;
    /** A workload query's name is in its sessions' application_name, of which the server keeps 63 bytes. */
    public static final int MAX_QUERY_NAME = 36;
    /** Environment variables the rehearsal sets for the migration Job and a user may not override. */
    public static final Set<String> CONNECTION_ENV = Set.of("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "DATABASE_URL",
            "JDBC_DATABASE_URL", "JDBC_DATABASE_USERNAME", "JDBC_DATABASE_PASSWORD", "PGSSLMODE");

    /** Every problem, joined, or a plan. */
    public record Result(List<String> problems, RehearsalPlan plan) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    private RehearsalValidator() {}

    public static Result validate(MigrationRehearsal rehearsal) {
        List<String> problems = new ArrayList<>();
        Names.rehearsalNameProblem(rehearsal.getMetadata().getName()).ifPresent(problems::add);
        MigrationRehearsalSpec spec = rehearsal.getSpec();
        if (spec == null) {
            problems.add("spec is required: set spec.clone.spec and spec.migration");
            return new Result(problems, null);
        }
        String database = cloneProblems(rehearsal, spec, problems);
        MigrationSpec migration = spec.getMigration();
        Duration timeout = DEFAULT_MIGRATION_TIMEOUT;
        Duration lockTimeout = null;
        if (migration == null || (migration.getSql() == null) == (migration.getJob() == null)) {
            problems.add("spec.migration needs exactly one of sql (statements) and job (the team's migration tool)");
        } else {
            if (migration.getSql() != null && blank(migration.getSql().getInline()) && blank(migration.getSql().getConfigMapName())) {
                problems.add("spec.migration.sql needs inline, configMapName or both");
            }
            if (migration.getJob() != null) {
                jobProblems(migration.getJob(), problems);
            }
            timeout = duration(migration.getTimeout(), "spec.migration.timeout", DEFAULT_MIGRATION_TIMEOUT, problems);
            lockTimeout = duration(migration.getLockTimeout(), "spec.migration.lockTimeout", null, problems);
            if (lockTimeout != null && migration.getJob() != null) {
                problems.add("spec.migration.lockTimeout applies to the sql path only: set lock_timeout in the tool's own configuration");
            }
        }
        WorkloadSpec workload = spec.getWorkload();
        List<WorkloadQuery> queries = new ArrayList<>();
        Duration wlLock = null;
        Duration wlStatement = null;
        Duration baseline = Duration.ZERO;
        String pgbench = null;
        double pgbenchRate = DEFAULT_RATE;
        int pgbenchClients = 1;
        if (workload != null) {
            int sessions = 0;
            Set<String> names = new HashSet<>();
            for (WorkloadSpec.WorkloadQuerySpec q : workload.getQueries() == null ? List.<WorkloadSpec.WorkloadQuerySpec>of() : workload.getQueries()) {
                String where = "spec.workload.queries[" + queries.size() + "]";
                if (blank(q.getName()) || blank(q.getSql())) {
                    problems.add(where + " needs name and sql");
                    continue;
                }
                if (!names.add(q.getName())) {
                    problems.add(where + ".name \"" + q.getName() + "\" is used twice: names tell queries apart in the report");
                }
                if (q.getName().length() > MAX_QUERY_NAME) {
                    // the server keeps 63 bytes of application_name, which tells the monitor whose session waited
                    problems.add(where + ".name \"" + q.getName() + "\" has " + q.getName().length() + " characters; at most " + MAX_QUERY_NAME);
                }
                double rate = q.getRate() == null ? DEFAULT_RATE : q.getRate();
                int concurrency = q.getConcurrency() == null ? 1 : q.getConcurrency();
                if (rate < 0 || concurrency < 1) {
                    problems.add(where + ": rate must be 0 or more and concurrency 1 or more");
                }
                sessions += concurrency;
                queries.add(new WorkloadQuery(q.getName(), q.getSql(), rate, concurrency));
            }
            if (workload.getPgbench() != null) {
                pgbench = workload.getPgbench().getScript();
                if (blank(pgbench)) {
                    problems.add("spec.workload.pgbench.script is empty");
                }
                pgbenchRate = workload.getPgbench().getRate() == null ? DEFAULT_RATE : workload.getPgbench().getRate();
                pgbenchClients = workload.getPgbench().getClients() == null ? 1 : workload.getPgbench().getClients();
                sessions += pgbenchClients;
            }
            if (sessions > MAX_WORKLOAD_SESSIONS) {
                problems.add("spec.workload opens " + sessions + " sessions (concurrency and clients together); at most " + MAX_WORKLOAD_SESSIONS
                        + " per rehearsal, the operator's own connections: lower concurrency and raise rate instead");
            }
            boolean any = !queries.isEmpty() || pgbench != null;
            baseline = any ? duration(workload.getBaseline(), "spec.workload.baseline", DEFAULT_BASELINE, problems) : Duration.ZERO;
            wlLock = duration(workload.getLockTimeout(), "spec.workload.lockTimeout", null, problems);
            wlStatement = duration(workload.getStatementTimeout(), "spec.workload.statementTimeout", null, problems);
        }
        List<Validation> validations = new ArrayList<>();
        Map<String, String> explain = new LinkedHashMap<>();
        checks(spec.getChecks(), validations, explain, problems);
        Limits limits = limits(spec.getLimits(), problems);
        Duration keep = spec.getKeepClone() == null ? null : duration(spec.getKeepClone().getTtl(), "spec.keepClone.ttl", null, problems);
        if (!problems.isEmpty()) {
            return new Result(problems, null);
        }
        return new Result(List.of(), new RehearsalPlan(database, migration.getSql() == null ? null : migration.getSql().getInline(),
                migration.getSql() == null ? null : migration.getSql().getConfigMapName(), migration.getJob(), timeout, lockTimeout, baseline,
                List.copyOf(queries), pgbench, pgbenchRate, pgbenchClients, wlLock, wlStatement, List.copyOf(validations),
                java.util.Collections.unmodifiableMap(explain), limits, keep));
    }

    /** The template's problems (as a DatabaseClone would have them), and the database the rehearsal runs in. */
    private static String cloneProblems(MigrationRehearsal rehearsal, MigrationRehearsalSpec spec, List<String> problems) {
        if (spec.getClone() == null || spec.getClone().getSpec() == null) {
            problems.add("spec.clone.spec is required: the DatabaseClone spec the rehearsal runs on (source, postgres, ...)");
            return Defaults.DATABASE;
        }
        DatabaseCloneSpec clone = spec.getClone().getSpec();
        problems.addAll(SpecValidator.problemsAt("spec.clone.spec.", clone, Names.rehearsalClone(rehearsal)));
        if (clone.getTtl() != null) {
            problems.add("spec.clone.spec.ttl is not allowed: the rehearsal deletes its clone when it ends; use spec.keepClone.ttl to keep it longer");
        }
        if (!blank(spec.getDatabase())) {
            return spec.getDatabase();
        }
        var credentials = clone.getCredentials();
        return credentials != null && !blank(credentials.getDatabase()) ? credentials.getDatabase() : Defaults.DATABASE;
    }

    private static void jobProblems(MigrationSpec.JobMigrationSpec job, List<String> problems) {
        if (blank(job.getImage())) {
            problems.add("spec.migration.job.image is required: the migration tool's image");
        }
        if (job.getEnv() != null) {
            for (var env : job.getEnv()) {
                if (env.getName() != null && CONNECTION_ENV.contains(env.getName())) {
                    problems.add("spec.migration.job.env: " + env.getName() + " is set by the rehearsal to the clone's connection; remove it");
                }
            }
        }
    }

    private static void checks(ChecksSpec checks, List<Validation> validations, Map<String, String> explain, List<String> problems) {
        if (checks == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        int i = 0;
        for (ChecksSpec.ValidationSpec v : checks.getValidations() == null ? List.<ChecksSpec.ValidationSpec>of() : checks.getValidations()) {
            String where = "spec.checks.validations[" + i++ + "]";
            if (blank(v.getName()) || blank(v.getSql())) {
                problems.add(where + " needs name and sql");
                continue;
            }
            if (!names.add(v.getName())) {
                problems.add(where + ".name \"" + v.getName() + "\" is used twice");
            }
            if ((v.getRows() == null) == (v.getValue() == null)) {
                problems.add(where + " (" + v.getName() + ") expects either rows or value");
            }
            if (v.getComparison() != null && v.getRows() != null) {
                problems.add(where + " (" + v.getName() + "): comparison applies to value, not rows");
            }
            validations.add(new Validation(v.getName(), v.getSql(), v.getRows(), v.getValue(), v.getComparison() == null ? "=" : v.getComparison()));
        }
        i = 0;
        for (ChecksSpec.ExplainSpec e : checks.getExplain() == null ? List.<ChecksSpec.ExplainSpec>of() : checks.getExplain()) {
            String where = "spec.checks.explain[" + i++ + "]";
            if (blank(e.getName()) || blank(e.getSql())) {
                problems.add(where + " needs name and sql");
            } else if (explain.putIfAbsent(e.getName(), e.getSql()) != null) {
                problems.add(where + ".name \"" + e.getName() + "\" is used twice");
            }
        }
    }

    private static Limits limits(LimitsSpec l, List<String> problems) {
        if (l == null) {
            return Limits.NONE;
        }
        Long rewrite = null;
        if (l.getMaxRewriteSize() != null) {
            try {
                rewrite = Quantity.getAmountInBytes(l.getMaxRewriteSize()).longValueExact();
            } catch (RuntimeException e) {
                problems.add("spec.limits.maxRewriteSize \"" + l.getMaxRewriteSize() + "\" is not a size: use e.g. 100Mi or 1Gi");
            }
        }
        if (l.getMaxPlanSlowdown() != null && l.getMaxPlanSlowdown() < 1) {
            problems.add("spec.limits.maxPlanSlowdown must be 1 or more (after / before execution time)");
        }
        if (l.getMaxWorkloadErrors() != null && l.getMaxWorkloadErrors() < 0) {
            problems.add("spec.limits.maxWorkloadErrors must be 0 or more");
        }
        return new Limits(duration(l.getMaxAccessExclusiveLock(), "spec.limits.maxAccessExclusiveLock", null, problems),
                duration(l.getMaxWriteBlockingLock(), "spec.limits.maxWriteBlockingLock", null, problems),
                duration(l.getMaxWorkloadLockWait(), "spec.limits.maxWorkloadLockWait", null, problems),
                duration(l.getMaxDuration(), "spec.limits.maxDuration", null, problems),
                rewrite, l.getMaxPlanSlowdown(), l.getMaxWorkloadErrors());
    }

    private static Duration duration(String text, String field, Duration fallback, List<String> problems) {
        if (text == null) {
            return fallback;
        }
        try {
            return Durations.parseFine(text);
        } catch (IllegalArgumentException e) {
            problems.add(field + " \"" + text + "\" is not a duration: use e.g. 500ms, 5s, 2m or 1h");
            return fallback;
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
