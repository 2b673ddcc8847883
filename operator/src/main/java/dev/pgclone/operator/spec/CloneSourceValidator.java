package dev.pgclone.operator.spec;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.api.v1alpha1.PiiCheckSpec;
import dev.pgclone.operator.resources.LabelSelectors;
import dev.pgclone.operator.resources.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What a CloneSource must satisfy before any clone may use it; each problem says what its owners should change. */
public final class CloneSourceValidator {

    /** Snapshots are named to the minute, so sharing needs at least that long. */
    static final Duration MIN_SHARE = Duration.ofMinutes(1);
    private static final Set<String> OPERATORS = Set.of("In", "NotIn", "Exists", "DoesNotExist");

    private CloneSourceValidator() {}

    /**
     * The spec's problems, and the name's: the name is a label value on every snapshot the operator
     * takes of the source, which the API server refuses past 63 characters.
     */
    public static List<String> problems(CloneSource source) {
        List<String> problems = new ArrayList<>();
        String name = source.getMetadata().getName();
        if (name.length() > Names.MAX_LABEL) {
            problems.add("metadata.name \"" + name + "\" has " + name.length() + " characters: a CloneSource's name may have at most "
                    + Names.MAX_LABEL + ", because it is a label value on every snapshot taken of it; recreate it with a shorter name");
        }
        if (source.getSpec() != null && MaskingSpec.snapshotMode(source.getSpec()) && name.length() > Names.MAX_MASKED_SOURCE_NAME) {
            problems.add("metadata.name \"" + name + "\" has " + name.length() + " characters: with spec.masking.mode Snapshot a CloneSource's name may have at most "
                    + Names.MAX_MASKED_SOURCE_NAME + ", because its builds are DatabaseClones named <source>-mask-<yyyymmddhhmm>; recreate it with a shorter name");
        }
        problems.addAll(problems(source.getSpec()));
        return problems;
    }

    /** The source's volume as messages name it: the PVC, or the CloudNativePG Cluster's (its instance's data volume). */
    public static String describeVolume(CloneSourceSpec spec) {
        return spec.getCloudNativePG() != null ? "the data volume of CloudNativePG Cluster " + spec.getCloudNativePG().getCluster()
                : "PersistentVolumeClaim " + spec.getPvcName();
    }

    public static List<String> problems(CloneSourceSpec spec) {
        List<String> problems = new ArrayList<>();
        boolean cnpg = spec != null && spec.getCloudNativePG() != null;
        boolean pvc = spec != null && spec.getPvcName() != null && !spec.getPvcName().isBlank();
        if (!pvc && !cnpg) {
            problems.add("spec.pvcName is required: the production data volume in this namespace (or spec.cloudNativePG, a CloudNativePG Cluster)");
            return problems;
        }
        if (pvc && cnpg) {
            problems.add("set exactly one of spec.pvcName and spec.cloudNativePG");
        }
        if (cnpg && (spec.getCloudNativePG().getCluster() == null || spec.getCloudNativePG().getCluster().isBlank())) {
            problems.add("spec.cloudNativePG.cluster is required: the name of a CloudNativePG Cluster in this namespace");
        }
        if (cnpg && spec.getDataDirectory() != null) {
            problems.add("with spec.cloudNativePG the data directory comes from CloudNativePG: remove spec.dataDirectory");
        }
        if (spec.getDataDirectory() != null && (spec.getDataDirectory().contains("..") || spec.getDataDirectory().startsWith("/"))) {
            problems.add("spec.dataDirectory must be a relative path inside the volume without '..' (e.g. pgdata)");
        }
        // checked here too: not every API server a CRD lands on runs its schema validation (the mock in tests does not)
        if (!cnpg && (spec.getPostgres() == null || spec.getPostgres().getImage() == null || spec.getPostgres().getImage().isBlank())) {
            problems.add("spec.postgres.image is required: the image every clone of this source runs, the source's major version, e.g. postgres:16");
        }
        if (spec.getPostgres() != null) {
            problems.addAll(ParameterAllowList.problems(spec.getPostgres().getAllowedParameters()));
        }
        if (spec.getMaxClones() != null && spec.getMaxClones() < 1) {
            problems.add("spec.maxClones must be at least 1, or unset for no limit");
        }
        if (spec.getPostgres() != null && spec.getPostgres().getRunAsUser() != null && spec.getPostgres().getRunAsUser() <= 0) {
            problems.add("spec.postgres.runAsUser must be the non-root uid that owns the data files (999 official image, 26 CloudNativePG, 1001 Bitnami)");
        }
        if (spec.getSnapshotMaxAge() != null) {
            try {
                if (Durations.parse(spec.getSnapshotMaxAge()).compareTo(MIN_SHARE) < 0) {
                    problems.add("spec.snapshotMaxAge must be at least 1m (snapshots are named to the minute), or unset for a snapshot per clone");
                }
            } catch (IllegalArgumentException e) {
                problems.add("spec.snapshotMaxAge \"" + spec.getSnapshotMaxAge() + "\" is not a usable duration: use e.g. 1h, 30m or 1d");
            }
        }
        String timeoutProblem = Durations.scriptTimeoutProblem(spec.getPostClone());
        if (timeoutProblem != null) {
            problems.add(timeoutProblem);
        }
        problems.addAll(maskingProblems(spec));
        var selector = spec.getAllowedNamespaceSelector();
        if (selector != null && LabelSelectors.isEmpty(selector)) {
            problems.add("spec.allowedNamespaceSelector is empty, which would select every namespace: give matchLabels or matchExpressions, or remove it");
        }
        if (selector != null && selector.getMatchExpressions() != null) {
            for (var r : selector.getMatchExpressions()) {
                boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
                if (r.getOperator() == null || !OPERATORS.contains(r.getOperator())) {
                    problems.add("spec.allowedNamespaceSelector: operator \"" + r.getOperator() + "\" of key " + r.getKey()
                            + " is not one of In, NotIn, Exists, DoesNotExist");
                } else if (r.getOperator().endsWith("In") != hasValues) {
                    problems.add("spec.allowedNamespaceSelector: " + r.getOperator() + " on key " + r.getKey()
                            + (hasValues ? " takes no values" : " needs at least one value"));
                }
            }
        }
        return problems;
    }

    private static List<String> maskingProblems(CloneSourceSpec spec) {
        List<String> problems = new ArrayList<>();
        MaskingSpec masking = spec.getMasking();
        if (masking == null) {
            return problems;
        }
        if (masking.getMode() != null && !MaskingSpec.PER_CLONE.equals(masking.getMode()) && !MaskingSpec.SNAPSHOT.equals(masking.getMode())) {
            problems.add("spec.masking.mode must be PerClone or Snapshot");
            return problems;
        }
        if (!MaskingSpec.snapshotMode(spec)) {
            if (masking.getSchedule() != null || masking.getMaxAge() != null) {
                problems.add("spec.masking.schedule and maxAge apply to mode Snapshot only: set mode: Snapshot or remove them");
            }
            return problems;
        }
        var postClone = spec.getPostClone();
        if (postClone == null || (blank(postClone.getSql()) && blank(postClone.getConfigMapName()))) {
            problems.add("spec.masking.mode Snapshot needs the masking itself: set spec.postClone (sql or configMapName)");
        }
        if (masking.getMaxAge() != null) {
            try {
                if (Durations.parse(masking.getMaxAge()).compareTo(MIN_SHARE) < 0) {
                    problems.add("spec.masking.maxAge must be at least 1m (builds are named to the minute)");
                }
            } catch (IllegalArgumentException e) {
                problems.add("spec.masking.maxAge \"" + masking.getMaxAge() + "\" is not a usable duration: use e.g. 24h or 7d");
            }
        }
        if (masking.getSchedule() != null) {
            try {
                CronSchedule.parse(masking.getSchedule(), masking.getTimeZone() == null ? Defaults.TIME_ZONE : masking.getTimeZone());
            } catch (CronSchedule.InvalidScheduleException e) {
                problems.add("spec.masking: " + e.getMessage());
            }
        } else if (masking.getTimeZone() != null) {
            problems.add("spec.masking.timeZone applies to spec.masking.schedule: set a schedule or remove it");
        }
        if (masking.getRewrite() != null && !MaskingSpec.REWRITE_TOUCHED.equals(masking.getRewrite()) && !MaskingSpec.REWRITE_ALL.equals(masking.getRewrite())) {
            problems.add("spec.masking.rewrite must be Touched or All");
        }
        PiiCheckSpec pii = masking.getPiiCheck();
        if (pii != null && pii.getColumnNamePatterns() != null) {
            for (String pattern : pii.getColumnNamePatterns()) {
                try {
                    java.util.regex.Pattern.compile(pattern);
                } catch (java.util.regex.PatternSyntaxException e) {
                    problems.add("spec.masking.piiCheck.columnNamePatterns: \"" + pattern + "\" is not a regular expression (" + e.getDescription() + ")");
                }
            }
        }
        if (pii != null && pii.getSampleRows() != null && (pii.getSampleRows() < 1 || pii.getSampleRows() > 100_000)) {
            problems.add("spec.masking.piiCheck.sampleRows must be between 1 and 100000");
        }
        return problems;
    }

    /**
     * How old the newest masked snapshot may get before the next build (mode Snapshot, a spec
     * without problems); null when only the schedule builds.
     */
    public static Duration maskedSnapshotMaxAge(CloneSourceSpec spec) {
        MaskingSpec masking = spec.getMasking();
        if (masking.getMaxAge() != null) {
            return Durations.parse(masking.getMaxAge());
        }
        return masking.getSchedule() != null ? null : Durations.parse(Defaults.MASKED_SNAPSHOT_MAX_AGE);
    }

    /** The build schedule (mode Snapshot, a spec without problems), or empty. */
    public static java.util.Optional<CronSchedule> maskingSchedule(CloneSourceSpec spec) {
        MaskingSpec masking = spec.getMasking();
        if (masking.getSchedule() == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(CronSchedule.parse(masking.getSchedule(), masking.getTimeZone() == null ? Defaults.TIME_ZONE : masking.getTimeZone()));
        } catch (CronSchedule.InvalidScheduleException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The sharing window, or null: every clone gets its own snapshot. Only for specs without problems. */
    public static Duration shareWindow(CloneSourceSpec spec) {
        return spec.getSnapshotMaxAge() == null ? null : Durations.parse(spec.getSnapshotMaxAge());
    }
}
