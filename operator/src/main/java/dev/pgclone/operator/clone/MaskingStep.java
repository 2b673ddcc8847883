package dev.pgclone.operator.clone;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.MaskingBuildStatus;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.api.v1alpha1.PiiCheckSpec;
import dev.pgclone.operator.config.OperatorKey;
import dev.pgclone.operator.postgres.ClonePreparer;
import dev.pgclone.operator.postgres.MaskingRequest;
import dev.pgclone.operator.postgres.MaskingResult;
import dev.pgclone.operator.postgres.masking.PiiFinding;
import dev.pgclone.operator.postgres.masking.PiiRules;
import dev.pgclone.operator.resources.Annotations;
import dev.pgclone.operator.resources.CloneSecrets;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Conflicts;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The end of a masked-snapshot build (docs/clonesource.md, "Masked snapshots"); every other clone
 * passes it. After the preparation ran the CloneSource's masking, on a background worker: the
 * tables are rewritten (every one, or those the masking touched: spec.masking.rewrite) and the PII
 * check runs ({@link ClonePreparer#finishMasking});
 * then postgres is asked to stop, the bootstrap stops it cleanly and removes the WAL, and the Pod
 * ends ({@link PodStep}); then the copy's volume is snapshotted as the CloneSource's masked
 * snapshot. Progress is sealed on the PVC, as the preparation's is: a build interrupted by an
 * operator restart is abandoned (the CloneSource starts another), never half-trusted. A failure
 * publishes nothing; the CloneSource's status says why, and its previous masked snapshot serves on.
 */
final class MaskingStep implements CloneStep {

    static final String STATE = "pgclone.dev/masking";
    static final String FAILURE = "pgclone.dev/masking-failure";
    static final String STARTED = "started";
    static final String STOPPING = "stopping";
    static final String FAILED = "failed";
    /** Seconds the rewrite and the PII check took (display only: read into the snapshot's annotation). */
    static final String SECONDS = "pgclone.dev/masking-finish-seconds";
    /** The published snapshot is in the source namespace and owned by the CloneSource: not watched by this controller. */
    static final Duration SNAPSHOT_RECHECK = Duration.ofSeconds(2);

    private final BackgroundWork work;
    private final ClonePreparer preparer;
    private final ClonePodAddress address;
    private final OperatorKey key;

    MaskingStep(BackgroundWork work, ClonePreparer preparer, ClonePodAddress address, OperatorKey key) {
        this.work = work;
        this.preparer = preparer;
        this.address = address;
        this.key = key;
    }

    @Override
    public String name() {
        return "masking";
    }

    @Override
    public String condition() {
        return Conditions.PREPARED;
    }

    /** Whether this build asked its postgres to stop for the snapshot (the Pod is then expected to end). */
    static boolean stopping(CloneContext ctx) {
        return ctx.owned(PersistentVolumeClaim.class, Names.volume(ctx.clone()))
                .flatMap(pvc -> ctx.ownership().unseal(pvc, annotation(pvc, STATE))).map(STOPPING::equals).orElse(false);
    }

    @Override
    public Outcome run(CloneContext ctx) {
        if (!ctx.maskingBuild()) {
            return Outcome.proceed();
        }
        PersistentVolumeClaim pvc = ctx.owned(PersistentVolumeClaim.class, Names.volume(ctx.clone())).orElse(null);
        Pod pod = ctx.owned(Pod.class, Names.pod(ctx.clone())).orElse(null);
        if (pvc == null || pod == null) {
            return Outcome.waitFor();
        }
        String workKey = "mask/" + pvc.getMetadata().getUid();
        Optional<BackgroundWork.Finished<MaskingResult>> finished = work.take(workKey);
        if (finished.isPresent()) {
            return finished(ctx, pvc, finished.get());
        }
        if (work.running(workKey)) {
            return Outcome.waitFor(Finding.isFalse(Reasons.MASKED_SNAPSHOT_BUILDING,
                    "rewriting the tables after the masking, then checking the copy for personal data"));
        }
        String state = ctx.ownership().unseal(pvc, annotation(pvc, STATE)).orElse(null);
        if (state == null) {
            return start(ctx, pvc, pod, workKey);
        }
        if (STOPPING.equals(state)) {
            return publish(ctx, pvc);
        }
        if (FAILED.equals(state)) {
            String[] failure = ctx.ownership().unseal(pvc, annotation(pvc, FAILURE)).filter(v -> !Ownership.FORGED.equals(v))
                    .map(v -> v.split("/", 2)).filter(p -> p.length == 2).orElse(new String[] {Reasons.MASKING_FAILED, "the build failed"});
            return Outcome.fail(failure[0], failure[1]);
        }
        if (STARTED.equals(state)) {
            record(ctx, pvc, FAILED, Reasons.MASKING_INTERRUPTED + "/the operator restarted while it rewrote the masked copy; "
                    + "this build is abandoned and the next one starts from a fresh copy", null, null);
            return Outcome.fail(Reasons.MASKING_INTERRUPTED, "the operator restarted while it rewrote the masked copy; "
                    + "this build is abandoned and the next one starts from a fresh copy");
        }
        return Outcome.fail(Reasons.MASKING_FAILED, "the build's progress on PersistentVolumeClaim " + pvc.getMetadata().getName()
                + " was not written by the operator: this build publishes nothing");
    }

    private Outcome start(CloneContext ctx, PersistentVolumeClaim pvc, Pod pod, String workKey) {
        ClonePodAddress.HostPort target;
        try {
            target = address.of(pod);
        } catch (RuntimeException e) {
            return Outcome.retry(Reasons.UNREACHABLE, "cannot reach Pod " + pod.getMetadata().getName() + ": " + e.getMessage());
        }
        MaskingSpec masking = ctx.cloneSource().getSpec().getMasking();
        PiiCheckSpec pii = masking.getPiiCheck() == null ? new PiiCheckSpec() : masking.getPiiCheck();
        boolean check = pii.getEnabled() == null ? Defaults.PII_CHECK_ENABLED : pii.getEnabled();
        PiiRules rules = check ? PiiRules.of(pii.getAllowedEmailDomains(), pii.getColumnNamePatterns(),
                pii.getSampleRows() == null ? Defaults.PII_SAMPLE_ROWS : pii.getSampleRows()) : null;
        boolean failOnFindings = pii.getFailOnFindings() == null ? Defaults.PII_FAIL_ON_FINDINGS : pii.getFailOnFindings();
        MaskingRequest request = new MaskingRequest(target.host(), target.port(), CloneSecrets.database(ctx.clone()),
                CloneSecrets.superuserName(ctx.clone()), OperatorLogin.of(key, ctx.clone().getMetadata().getUid()).password(),
                MaskingSpec.REWRITE_ALL.equals(masking.getRewrite() == null ? Defaults.MASKING_REWRITE : masking.getRewrite()), rules,
                failOnFindings, PreparationStep.CONNECT_TIMEOUT);
        record(ctx, pvc, STARTED, null, null, null);
        if (!work.submit(BackgroundWork.Lane.PREPARATION, workKey, ResourceID.fromResource(ctx.clone()), () -> preparer.finishMasking(request))) {
            record(ctx, pvc, null, null, null, null);
            return Outcome.recheckAfter(Duration.ofSeconds(30), Finding.isFalse(Reasons.WAITING,
                    "too many preparations are waiting for the operator's database workers; trying again shortly"));
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.MASKED_SNAPSHOT_BUILDING,
                "masking done; rewriting the tables" + (rules == null ? "" : ", then checking the copy for personal data")));
    }

    private Outcome finished(CloneContext ctx, PersistentVolumeClaim pvc, BackgroundWork.Finished<MaskingResult> finished) {
        MaskingResult result = finished.result();
        String seconds = String.format(Locale.ROOT, "%.3f", finished.seconds());
        if (result == null) {
            String message = "finishing the masked copy failed unexpectedly: " + finished.crash();
            record(ctx, pvc, FAILED, Reasons.MASKING_FAILED + "/" + message, null, seconds);
            return Outcome.fail(Reasons.MASKING_FAILED, message);
        }
        String findings = findingsJson(result.findings());
        if (!result.succeeded()) {
            record(ctx, pvc, FAILED, result.failureReason() + "/" + result.failureMessage(), findings, seconds);
            return Outcome.fail(result.failureReason(), result.failureMessage());
        }
        record(ctx, pvc, STOPPING, null, findings, seconds);
        if (!result.findings().isEmpty()) {
            ctx.events().warning(ctx.cloneSource(), Reasons.PII_FOUND, result.findings().size() + " column(s) of masked-snapshot build "
                    + ctx.clone().getMetadata().getName() + " still look like personal data; published anyway (failOnFindings is not set): "
                    + dev.pgclone.operator.postgres.JdbcMaskingFinisher.summary(result.findings()));
        }
        return Outcome.waitFor(Finding.isFalse(Reasons.MASKED_SNAPSHOT_BUILDING, result.rewritten().size()
                + " table(s) rewritten, " + result.findings().size() + " PII finding(s); stopping postgres cleanly"));
    }

    /** The copy is stopped, its WAL gone: snapshot it as the CloneSource's masked snapshot, and wait for that to be ready. */
    private Outcome publish(CloneContext ctx, PersistentVolumeClaim pvc) {
        CloneSource source = ctx.cloneSource();
        String name = Names.maskedSnapshot(ctx.clone().getMetadata().getName());
        VolumeSnapshot snapshot = ctx.client().resources(VolumeSnapshot.class).inNamespace(ctx.namespace()).withName(name).get();
        if (snapshot == null) {
            Map<String, String> annotations = new LinkedHashMap<>();
            String dataAsOf = ctx.snapshot() == null ? ctx.status().getDataAsOf() : ctx.snapshot().getCreatedAt();
            if (dataAsOf != null) {
                annotations.put(Annotations.DATA_AS_OF, dataAsOf);
            }
            annotations.put(MaskedSnapshots.MASKING_SECONDS, maskingSeconds(ctx, pvc));
            String findings = annotation(pvc, MaskedSnapshots.PII_FINDINGS);
            if (findings != null) {
                annotations.put(MaskedSnapshots.PII_FINDINGS, findings);
            }
            snapshot = ctx.ownership().createControlled(MaskedSnapshots.desired(source, ctx.clone(), pvc.getMetadata().getName(), annotations),
                    source.getMetadata().getUid());
            ctx.events().normal(source, Reasons.MASKED_SNAPSHOT_BUILDING, "Build " + ctx.clone().getMetadata().getName()
                    + " stopped cleanly after masking; taking masked snapshot " + name);
        } else if (!Ownership.controlledBy(snapshot, source.getMetadata().getUid()) || !ctx.ownership().marked(snapshot)) {
            throw new Ownership.NameConflict(snapshot);
        } else if (!MaskedSnapshots.takenBy(snapshot, ctx.clone(), pvc.getMetadata().getName())) {
            // an earlier build of the same minute published under this name: its data is not this build's masking
            return Outcome.fail(Reasons.MASKING_FAILED, "masked snapshot " + name + " already exists from an earlier build"
                    + " started the same minute; this build publishes nothing and the next one starts afresh");
        }
        MaskedSnapshots masked = new MaskedSnapshots(ctx.client(), ctx.ownership());
        if (masked.awaitsSeal(snapshot, source)) {
            // from now on clones may restore from it: sealed to its uid and this build's volume
            snapshot = masked.seal(snapshot);
        }
        if (CloneSnapshots.failed(snapshot)) {
            return Outcome.fail(Reasons.SNAPSHOT_FAILED, "masked snapshot " + name + " failed: " + snapshot.getStatus().getError().getMessage()
                    + " (check the CloneSource's spec.volumeSnapshotClassName)");
        }
        if (snapshot.getStatus() == null || !Boolean.TRUE.equals(snapshot.getStatus().getReadyToUse())) {
            return Outcome.recheckAfter(SNAPSHOT_RECHECK, Finding.isFalse(Reasons.MASKED_SNAPSHOT_BUILDING,
                    "waiting for masked snapshot " + name + " to become ready"));
        }
        return Outcome.proceed(Finding.isTrue(Reasons.MASKED_SNAPSHOT_PUBLISHED, "masked snapshot " + name + " is ready"
                + " for clones of CloneSource " + source.getMetadata().getName()));
    }

    /** The masking's time: the preparation (the CloneSource's scripts) and the rewrite with the PII check. */
    private static String maskingSeconds(CloneContext ctx, PersistentVolumeClaim pvc) {
        double total = 0;
        var timings = ctx.status().getTimings();
        if (timings != null && timings.getPrepareSeconds() != null) {
            total += timings.getPrepareSeconds();
        }
        try {
            String finish = annotation(pvc, SECONDS);
            total += finish == null ? 0 : Double.parseDouble(finish);
        } catch (NumberFormatException e) {
            // display only: an unreadable value counts nothing
        }
        return String.format(Locale.ROOT, "%.3f", total);
    }

    static String findingsJson(List<PiiFinding> findings) {
        List<MaskingBuildStatus.PiiFinding> out = findings.stream().map(f -> new MaskingBuildStatus.PiiFinding(
                f.database() + "." + f.schema() + "." + f.table() + "." + f.column(), f.kind().name(), f.matches(), f.sampled())).toList();
        return Serialization.asJson(out);
    }

    private static String annotation(PersistentVolumeClaim pvc, String key) {
        return pvc.getMetadata().getAnnotations() == null ? null : pvc.getMetadata().getAnnotations().get(key);
    }

    /** Records the build's progress on its PVC, sealed to it; findings and seconds are for display and not sealed. */
    private static void record(CloneContext ctx, PersistentVolumeClaim pvc, String state, String failure, String findings, String seconds) {
        String sealedState = state == null ? null : ctx.ownership().seal(pvc, state);
        String sealedFailure = failure == null ? null : ctx.ownership().seal(pvc, failure);
        Conflicts.retry(() -> ctx.client().persistentVolumeClaims().inNamespace(pvc.getMetadata().getNamespace())
                .withName(pvc.getMetadata().getName()).edit(p -> {
                    if (p.getMetadata().getAnnotations() == null) {
                        p.getMetadata().setAnnotations(new LinkedHashMap<>());
                    }
                    var a = p.getMetadata().getAnnotations();
                    put(a, STATE, sealedState);
                    put(a, FAILURE, sealedFailure);
                    if (findings != null) {
                        a.put(MaskedSnapshots.PII_FINDINGS, findings);
                    }
                    if (seconds != null) {
                        a.put(SECONDS, seconds);
                    }
                    return p;
                }));
    }

    private static void put(Map<String, String> annotations, String key, String value) {
        if (value == null) {
            annotations.remove(key);
        } else {
            annotations.put(key, value);
        }
    }
}
