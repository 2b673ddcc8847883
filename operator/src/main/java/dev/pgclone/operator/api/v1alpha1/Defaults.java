package dev.pgclone.operator.api.v1alpha1;

import java.time.Duration;

/**
 * Every default of the API, and of what the operator derives from it, in one place.
 *
 * <p>Two kinds of spec default live here:
 * <ul>
 *   <li>those the CRD declares ({@code @Default}), so the API server fills them in and
 *       {@code kubectl get -o yaml} shows them. Annotation values must be constant expressions,
 *       hence {@code @Default("" + HISTORY_LIMIT)} for the ones that are not strings.</li>
 *   <li>those the CRD leaves out because a CloneSource's value comes between the clone's own and
 *       the built-in one (runAsUser, superuser).</li>
 * </ul>
 * {@code EffectiveClone} fills in both for every clone the workflow acts on, so the builders in
 * {@code resources/} read values and never decide a default themselves: an object the API server
 * did not default (a RefreshSchedule's template read back before defaulting, a test) gets the same.
 */
public final class Defaults {

    /** spec.isolation: production's jobs and foreign servers stay unreachable unless a user says otherwise. */
    public static final String ISOLATION = "strict";

    /** spec.service.type. */
    public static final String SERVICE_TYPE = "ClusterIP";

    /**
     * The database initdb creates in every cluster: spec.credentials.database when unset, the
     * database the superuser's Secret names, where the operator's own connections go, and the
     * database of a source connection Secret that names none (or {@code *}, as CloudNativePG's).
     */
    public static final String DATABASE = "postgres";

    /** spec.postgres.runAsUser: the postgres uid of the official image (CloudNativePG's is 26, Bitnami's 1001). */
    public static final long RUN_AS_USER = 999L;

    /** spec.source.walDirectory: the WAL directory inside a separate WAL volume, where CloudNativePG keeps it. */
    public static final String WAL_DIRECTORY = "pg_wal";

    /** PGDATA inside a CloudNativePG instance's data volume. */
    public static final String CLOUDNATIVEPG_DATA_DIRECTORY = "pgdata";

    /** spec.postgres.superuser. */
    public static final String SUPERUSER = "postgres";

    /** spec.postClone.timeout, of a clone and of a CloneSource: long enough to mask a large table, short enough to notice a hang. */
    public static final long POST_CLONE_TIMEOUT_MINUTES = 30;
    /** {@link #POST_CLONE_TIMEOUT_MINUTES} as spec.postClone.timeout writes it. */
    public static final String POST_CLONE_TIMEOUT_TEXT = POST_CLONE_TIMEOUT_MINUTES + "m";
    public static final Duration POST_CLONE_TIMEOUT = Duration.ofMinutes(POST_CLONE_TIMEOUT_MINUTES);

    /** PostgreSQL's port: the clone serves on it, and a source connection Secret without one means it. */
    public static final int PORT = 5432;

    /** sslmode of a source connection Secret that names none: libpq's own default. */
    public static final String SOURCE_SSL_MODE = "prefer";

    /** shared_buffers of a clone whose Pod has no memory limit: PostgreSQL's own default, never production's. */
    public static final String SHARED_BUFFERS = "128MB";

    /** Size of a clone's PVC when neither the snapshot's restoreSize nor the source PVC's request is known. */
    public static final String VOLUME_SIZE = "1Gi";

    /** RefreshSchedule spec.timeZone. */
    public static final String TIME_ZONE = "UTC";

    /** RefreshSchedule spec.suspend. */
    public static final boolean SUSPEND = false;

    /** RefreshSchedule spec.historyLimit: one superseded clone kept, to go back to. */
    public static final int HISTORY_LIMIT = 1;

    /** CloneSource spec.masking.mode: the mandatory SQL runs in every clone. */
    public static final String MASKING_MODE = MaskingSpec.PER_CLONE;

    /** CloneSource spec.masking.maxAge (mode Snapshot) when no schedule is set: a masked snapshot a day. */
    public static final String MASKED_SNAPSHOT_MAX_AGE = "24h";

    /**
     * CloneSource spec.masking.rewrite: every table. Touched, faster on a large database, trusts the
     * statistics counters, which a reset, a crash or a role setting can empty (docs/clonesource.md).
     */
    public static final String MASKING_REWRITE = MaskingSpec.REWRITE_ALL;

    /** CloneSource spec.masking.piiCheck.enabled. */
    public static final boolean PII_CHECK_ENABLED = true;

    /** CloneSource spec.masking.piiCheck.failOnFindings. */
    public static final boolean PII_FAIL_ON_FINDINGS = false;

    /** CloneSource spec.masking.piiCheck.sampleRows. */
    public static final int PII_SAMPLE_ROWS = 1000;

    /** How long after a failed masked-snapshot build the next one starts by itself (the rebuild annotation starts one at once). */
    public static final Duration MASKING_RETRY = Duration.ofMinutes(5);

    /** A masked-snapshot build that has not published after this long is abandoned, so renewal cannot stall for good. */
    public static final Duration MASKING_BUILD_DEADLINE = Duration.ofHours(24);

    private Defaults() {}
}
