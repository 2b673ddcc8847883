package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/** The names of everything a clone or a schedule owns; call sites never concatenate names themselves. */
public final class Names {

    /** The run time in a schedule's clone names: UTC, to the minute, so names sort by time and never depend on a zone. */
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmm");
    /**
     * A DNS-1035 label: what a Service name must be on every supported Kubernetes version (1.36
     * relaxed it to any DNS-1123 label, starting with a digit too; older API servers refuse that
     * Service only after the snapshot and the volume were made), and characters every other derived
     * name and label value accept.
     */
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");
    /** Longest Service name and label value. */
    public static final int MAX_LABEL = 63;
    /** A schedule's clones are named {@code <schedule>-<yyyymmddhhmm>}, 13 characters more, and must fit {@link #MAX_LABEL}. */
    public static final int MAX_SCHEDULE_NAME = MAX_LABEL - 13;
    /** A rehearsal's clone is named {@code <rehearsal>-clone}, 6 characters more, and must fit {@link #MAX_LABEL}. */
    public static final int MAX_REHEARSAL_NAME = MAX_LABEL - 6;

    /** A CloneSource in masking mode Snapshot names its builds {@code <source>-mask-<yyyymmddhhmm>}, 18 characters more. */
    public static final int MAX_MASKED_SOURCE_NAME = MAX_LABEL - 18;

    private Names() {}

    /**
     * Why a DatabaseClone cannot have this name, or empty. The API server takes any DNS subdomain
     * (253 characters, dots) as a custom resource's name, but the clone's Service is named after it
     * and it is a label value on everything the clone owns, both at most 63 characters without dots:
     * a longer or dotted name would be refused only when the first such object is created, after
     * others (a snapshot of production, its restored volume) were. Checked before anything is made.
     */
    public static Optional<String> cloneNameProblem(String name) {
        return nameProblem("DatabaseClone", name, MAX_LABEL, "its Service, Pod and volume are named after it and its name is a label "
                + "value on each of them");
    }

    /** Why a RefreshSchedule cannot have this name, or empty: its stable Service is named after it, its clones {@code <schedule>-<yyyymmddhhmm>}. */
    public static Optional<String> scheduleNameProblem(String name) {
        return nameProblem("RefreshSchedule", name, MAX_SCHEDULE_NAME, "its clones are named <schedule>-<yyyymmddhhmm> and must fit "
                + MAX_LABEL + " characters");
    }

    /** Why a MigrationRehearsal cannot have this name, or empty: its clone is named {@code <rehearsal>-clone}. */
    public static Optional<String> rehearsalNameProblem(String name) {
        return nameProblem("MigrationRehearsal", name, MAX_REHEARSAL_NAME, "its clone is named <rehearsal>-clone and must fit "
                + MAX_LABEL + " characters");
    }

    private static Optional<String> nameProblem(String kind, String name, int max, String because) {
        if (name.length() > max) {
            return Optional.of("metadata.name \"" + name + "\" has " + name.length() + " characters: a " + kind + "'s name may have at most "
                    + max + ", because " + because + "; recreate it with a shorter name");
        }
        if (!DNS_LABEL.matcher(name).matches()) {
            return Optional.of("metadata.name \"" + name + "\" cannot name a " + kind + "'s Service: use only lowercase letters, digits "
                    + "and '-' (no '.'), start with a letter and end with a letter or digit; recreate it with such a name");
        }
        return Optional.empty();
    }

    public static String snapshot(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    /** A snapshot of a CloneSource, shared by the clones created within its snapshotMaxAge: {@code <source>-<yyyymmddhhmm>} (UTC). */
    public static String sharedSnapshot(dev.pgclone.operator.api.v1alpha1.CloneSource source, Instant takenAt) {
        return source.getMetadata().getName() + "-" + RUN_TIME.format(takenAt.atOffset(ZoneOffset.UTC));
    }

    /** A snapshot of a CloneSource without snapshotMaxAge: one clone's alone, {@code <source>-<first 8 characters of the clone's uid>}. */
    public static String privateSourceSnapshot(dev.pgclone.operator.api.v1alpha1.CloneSource source, DatabaseClone clone) {
        return source.getMetadata().getName() + "-" + clone.getMetadata().getUid().substring(0, 8);
    }

    /**
     * The cluster-scoped VolumeSnapshotContent through which a clone of a CloneSource restores:
     * one per clone, named after its uid so that no two clones, in any namespace, collide.
     */
    public static String boundContent(DatabaseClone clone) {
        return boundContent(clone.getMetadata().getUid());
    }

    public static String boundContent(String cloneUid) {
        return "pgclone-" + cloneUid;
    }

    public static String volume(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    /** The snapshot of a source's separate WAL volume (spec.source.walPvcName), taken right after its backup stopped. */
    public static String walSnapshot(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-wal";
    }

    /** The clone's WAL volume, restored from {@link #walSnapshot}. */
    public static String walVolume(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-wal";
    }

    public static String pod(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String service(DatabaseClone clone) {
        return clone.getMetadata().getName();
    }

    public static String bootstrapConfigMap(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-bootstrap";
    }

    public static String superuserSecret(DatabaseClone clone) {
        return clone.getMetadata().getName() + "-superuser";
    }

    public static String roleSecret(DatabaseClone clone, String role) {
        return clone.getMetadata().getName() + "-" + role;
    }

    /** In-cluster DNS name of the clone's Service. */
    public static String serviceHost(DatabaseClone clone) {
        return service(clone) + "." + clone.getMetadata().getNamespace() + ".svc";
    }

    /** The stable Service of a schedule: applications connect to {@code <schedule>.<namespace>.svc} whatever clone serves. */
    public static String scheduleService(RefreshSchedule schedule) {
        return schedule.getMetadata().getName();
    }

    public static String scheduleServiceHost(RefreshSchedule schedule) {
        return scheduleService(schedule) + "." + schedule.getMetadata().getNamespace() + ".svc";
    }

    /** The schedule's passwords, one key per role, handed to every clone through spec.credentials.secretName. */
    public static String schedulePasswords(RefreshSchedule schedule) {
        return schedule.getMetadata().getName() + "-passwords";
    }

    /** The stable connection Secret of one role, pointing at the stable Service. */
    public static String scheduleRoleSecret(RefreshSchedule schedule, String role) {
        return schedule.getMetadata().getName() + "-" + role;
    }

    /** The clone of the run at {@code runTime}: {@code <schedule>-<yyyymmddhhmm>} in UTC. */
    public static String scheduleClone(RefreshSchedule schedule, Instant runTime) {
        return schedule.getMetadata().getName() + "-" + RUN_TIME.format(runTime.atOffset(ZoneOffset.UTC));
    }

    /** The run time a clone name of this schedule stands for; empty for names the schedule did not make. */
    public static Optional<Instant> scheduleCloneRunTime(RefreshSchedule schedule, String cloneName) {
        String prefix = schedule.getMetadata().getName() + "-";
        if (cloneName == null || !cloneName.startsWith(prefix) || cloneName.length() != prefix.length() + 12) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(cloneName.substring(prefix.length()), RUN_TIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The DatabaseClone that builds a masked snapshot of a CloneSource, started at {@code startedAt}: {@code <source>-mask-<yyyymmddhhmm>} (UTC). */
    public static String maskingBuild(dev.pgclone.operator.api.v1alpha1.CloneSource source, Instant startedAt) {
        return source.getMetadata().getName() + "-mask-" + RUN_TIME.format(startedAt.atOffset(ZoneOffset.UTC));
    }

    /** The masked snapshot a build publishes: {@code <source>-masked-<yyyymmddhhmm>}, the build's start time. */
    public static String maskedSnapshot(String buildName) {
        int cut = buildName.lastIndexOf("-mask-");
        return buildName.substring(0, cut) + "-masked-" + buildName.substring(cut + "-mask-".length());
    }

    /**
     * When the build behind a masked snapshot (or the build itself) started, by the operator's clock,
     * from its name: {@code <source>-masked-<yyyymmddhhmm>} or {@code <source>-mask-<yyyymmddhhmm>}.
     * Names cannot be edited and the operator's mark covers them, so the schedule of builds is never
     * steered by an annotation or by the API server's clock.
     */
    public static Optional<Instant> maskingBuildStart(String name) {
        int dash = name == null ? -1 : name.lastIndexOf('-');
        if (dash < 0 || name.length() - dash - 1 != 12) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(name.substring(dash + 1), RUN_TIME).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The DatabaseClone a rehearsal runs on. */
    public static String rehearsalClone(dev.pgclone.operator.api.v1alpha1.MigrationRehearsal rehearsal) {
        return rehearsal.getMetadata().getName() + "-clone";
    }

    /** The ConfigMap with the rehearsal's report.md, report.json and junit.xml. */
    public static String rehearsalReport(dev.pgclone.operator.api.v1alpha1.MigrationRehearsal rehearsal) {
        return rehearsal.getMetadata().getName() + "-report";
    }

    /** The Job that runs the team's migration tool (migration.job). */
    public static String rehearsalJob(dev.pgclone.operator.api.v1alpha1.MigrationRehearsal rehearsal) {
        return rehearsal.getMetadata().getName() + "-migration";
    }
}
