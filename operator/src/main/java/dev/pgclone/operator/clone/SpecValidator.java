package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.spec.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the CRD schema also declares, plus what a schema cannot say. The API server enforces the
 * schema rules; they are checked again here because an operator must not act on a spec that a
 * lenient or older API server let through.
 */
public final class SpecValidator {

    private static final Pattern DNS_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
    /** Setting names: lowercase identifiers, with a dot for extension settings (pg_stat_statements.max). */
    private static final Pattern SETTING_NAME = Pattern.compile("^[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?$");
    /** Settings that would connect the clone to production or move it off its own files and sockets. */
    private static final Set<String> RESERVED_PARAMETERS = Set.of(
            "archive_command", "archive_library", "archive_mode", "restore_command", "primary_conninfo",
            "primary_slot_name", "recovery_target", "recovery_target_lsn", "recovery_target_name",
            "recovery_target_time", "recovery_target_xid", "recovery_target_timeline", "recovery_target_action",
            "hba_file", "ident_file", "config_file", "data_directory", "listen_addresses", "port",
            "unix_socket_directories", "synchronous_standby_names");

    private SpecValidator() {}

    /** A field path of a clone's own spec, not one inside another path. */
    private static final java.util.regex.Pattern SPEC_PATH = java.util.regex.Pattern.compile("(?<![\\w.])spec\\.");

    /**
     * The problems of a clone spec embedded in another resource, with their field paths under it:
     * {@code spec.template.spec.} for a RefreshSchedule's template, {@code spec.clone.spec.} for a
     * MigrationRehearsal's clone.
     */
    public static List<String> problemsAt(String path, DatabaseCloneSpec spec, String cloneName) {
        return problems(spec, cloneName).stream().map(p -> SPEC_PATH.matcher(p).replaceAll(path)).toList();
    }

    /** @return every problem, each saying what to change; empty when the spec is usable */
    public static List<String> problems(DatabaseCloneSpec spec, String cloneName) {
        List<String> problems = new ArrayList<>();
        if (spec == null || spec.getSource() == null) {
            problems.add("spec.source is required: set spec.source.pvcName, snapshotName, cloneSource, cloudNativePG or cloudNativePGBackup");
            return problems;
        }
        var source = spec.getSource();
        boolean pvc = notBlank(source.getPvcName());
        boolean snapshot = notBlank(source.getSnapshotName());
        boolean cloneSource = source.getCloneSource() != null;
        boolean cnpg = source.getCloudNativePG() != null;
        boolean cnpgBackup = notBlank(source.getCloudNativePGBackup());
        if ((pvc ? 1 : 0) + (snapshot ? 1 : 0) + (cloneSource ? 1 : 0) + (cnpg ? 1 : 0) + (cnpgBackup ? 1 : 0) != 1) {
            problems.add("set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup");
        }
        if ((cnpg || cnpgBackup) && (source.getDataDirectory() != null || source.getNamespace() != null)) {
            problems.add("with spec.source.cloudNativePG or cloudNativePGBackup the volumes and directories come from CloudNativePG, in the"
                    + " clone's namespace: remove dataDirectory and namespace");
        }
        if (cnpg && !notBlank(source.getCloudNativePG().getCluster())) {
            problems.add("spec.source.cloudNativePG.cluster is required: the name of a CloudNativePG Cluster in the clone's namespace");
        }
        if (cloneSource) {
            var ref = source.getCloneSource();
            if (!notBlank(ref.getName()) || !notBlank(ref.getNamespace())) {
                problems.add("spec.source.cloneSource needs both name and namespace");
            }
            if (source.getNamespace() != null || source.getVolumeSnapshotClassName() != null || source.getDataDirectory() != null
                    || source.getCheckpoint() != null) {
                problems.add("with spec.source.cloneSource, namespace, volumeSnapshotClassName, dataDirectory and checkpoint come from the CloneSource: remove them");
            }
            if ("none".equals(spec.getIsolation())) {
                problems.add("spec.isolation none is not allowed for a clone of a CloneSource: its owners' data must not reach other systems; remove it");
            }
        }
        if (source.getDataDirectory() != null && (source.getDataDirectory().contains("..") || source.getDataDirectory().startsWith("/"))) {
            problems.add("spec.source.dataDirectory must be a relative path inside the volume without '..' (e.g. pgdata)");
        }
        if (notBlank(source.getWalPvcName())) {
            if (!pvc) {
                problems.add("spec.source.walPvcName is the WAL volume beside spec.source.pvcName: set pvcName too, or remove walPvcName");
            } else if (source.getWalPvcName().equals(source.getPvcName())) {
                problems.add("spec.source.walPvcName names the data volume spec.source.pvcName: name the source's WAL volume, or remove walPvcName");
            }
            if (source.getCheckpoint() == null || !notBlank(source.getCheckpoint().getSecretName())) {
                problems.add("spec.source.walPvcName needs spec.source.checkpoint.secretName: the data and WAL volumes are snapshotted inside"
                        + " an online backup on the source (pg_backup_start, data snapshot, pg_backup_stop, WAL snapshot), which needs a"
                        + " superuser connection; set a Secret with one");
            }
        } else if (source.getWalDirectory() != null) {
            problems.add("spec.source.walDirectory is a path inside spec.source.walPvcName: set walPvcName, or remove walDirectory");
        }
        if (source.getWalDirectory() != null && (source.getWalDirectory().contains("..") || source.getWalDirectory().startsWith("/")
                || source.getWalDirectory().isBlank())) {
            problems.add("spec.source.walDirectory must be a relative path inside the WAL volume without '..' (e.g. pg_wal)");
        }
        if (spec.getPostgres() == null || !notBlank(spec.getPostgres().getImage())) {
            if (!cloneSource && !cnpg && !cnpgBackup) {
                problems.add("spec.postgres.image is required: the source's major version, e.g. postgres:16");
            }
        }
        if (spec.getPostgres() != null) {
            var pg = spec.getPostgres();
            if (pg.getRunAsUser() != null && pg.getRunAsUser() <= 0) {
                problems.add("spec.postgres.runAsUser must be the non-root uid that owns the data files (999 official image, 26 CloudNativePG, 1001 Bitnami)");
            }
            if (pg.getParameters() != null) {
                // PostgreSQL matches setting names case-insensitively: ARCHIVE_MODE is archive_mode
                pg.getParameters().keySet().stream().sorted().forEach(k -> {
                    String name = k == null ? "" : k.strip().toLowerCase(Locale.ROOT);
                    if (!SETTING_NAME.matcher(name).matches() || !name.equals(k)) {
                        problems.add("spec.postgres.parameters: \"" + k + "\" is not a PostgreSQL setting name as the clone expects it: "
                                + "use the lowercase name without spaces, e.g. work_mem");
                    } else if (RESERVED_PARAMETERS.contains(name)) {
                        problems.add("spec.postgres.parameters." + k + " is set by the operator to keep the clone isolated from production: remove it");
                    }
                });
            }
        }
        if (spec.getTtl() != null) {
            try {
                Durations.parse(spec.getTtl());
            } catch (IllegalArgumentException e) {
                problems.add("spec.ttl \"" + spec.getTtl() + "\" is not a usable duration: use e.g. 24h, 90m, 7d or 1h30m, at most "
                        + Durations.MAX.toDays() + "d");
            }
        }
        String timeoutProblem = Durations.scriptTimeoutProblem(spec.getPostClone());
        if (timeoutProblem != null) {
            problems.add(timeoutProblem);
        }
        if (spec.getCredentials() != null && spec.getCredentials().getRoles() != null) {
            for (String role : spec.getCredentials().getRoles()) {
                if (role == null || !DNS_NAME.matcher(role).matches() || (cloneName + "-" + role).length() > 253) {
                    problems.add("spec.credentials.roles: \"" + role + "\" cannot name a Secret <clone>-<role>: use lowercase letters, digits and '-'");
                } else if ("superuser".equals(role)) {
                    problems.add("spec.credentials.roles: \"superuser\" would clash with Secret <clone>-superuser: the superuser's Secret is always published");
                }
            }
        }
        if (spec.getIsolation() != null && !Set.of("strict", "none").contains(spec.getIsolation())) {
            problems.add("spec.isolation must be strict or none");
        }
        return problems;
    }

    /** What only the effective spec (with a CloneSource's defaults filled in) can tell. */
    public static List<String> effectiveProblems(DatabaseCloneSpec spec) {
        if (spec.getPostgres() == null || !notBlank(spec.getPostgres().getImage())) {
            return List.of("spec.postgres.image is required: the source's major version, e.g. postgres:16"
                    + (spec.getSource().getCloneSource() != null ? " (the CloneSource does not set spec.postgres.image either)" : ""));
        }
        return List.of();
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
