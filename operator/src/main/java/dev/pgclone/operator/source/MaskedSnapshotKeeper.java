package dev.pgclone.operator.source;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.api.v1alpha1.MaskingBuildStatus;
import dev.pgclone.operator.api.v1alpha1.MaskingSpec;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.resources.CloneSnapshots;
import dev.pgclone.operator.resources.Names;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.resources.SourceSnapshots;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import dev.pgclone.operator.sourcesnapshots.SourceSnapshotClaims;
import dev.pgclone.operator.spec.CloneSourceValidator;
import dev.pgclone.operator.spec.CronSchedule;
import dev.pgclone.operator.status.EventRecorder;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the masked snapshots of a CloneSource in masking mode Snapshot (docs/clonesource.md,
 * "Masked snapshots"): starts a build (a DatabaseClone of the source in its namespace, which the
 * clone controller masks, rewrites, stops and snapshots: {@code clone/MaskingStep}) when there is
 * no masked snapshot, the newest is older than maxAge, the schedule is due or the rebuild
 * annotation asks; deletes a build once its snapshot is published; keeps a failed one (its status
 * says why) until the next attempt; and deletes masked snapshots no clone uses once a newer one
 * serves. What it found goes to the status writer as a {@link Report}; nothing here writes status.
 */
final class MaskedSnapshotKeeper {

    /** One masked snapshot as the status reports it. */
    record Masked(String name, String dataAsOf, Instant builtAt, Double buildSeconds, Double maskingSeconds, String size,
                  Boolean readyToUse, int users, Integer piiFindings) {}

    /** The newest build: its name, state (MaskingBuildStatus), start, message and the PII check's findings. */
    record Build(String name, String state, Instant startedAt, String message, List<MaskingBuildStatus.PiiFinding> findings) {}

    /**
     * @param ready          the MaskedSnapshotReady condition: status, reason, message
     * @param rebuildRequest the rebuild annotation's value this reconcile handled, or the one handled before
     * @param wakeAt         when to look again without an event (the next build), or null
     */
    record Report(List<Masked> masked, int users, Build build, String readyStatus, String readyReason, String readyMessage,
                  String rebuildRequest, Instant wakeAt, boolean buildFailedNow) {}

    /** While a build runs, how often the CloneSource looks at it even without an event. */
    static final Duration BUILD_RECHECK = Duration.ofSeconds(15);

    private final KubernetesClient client;
    private final Ownership ownership;
    private final MaskedSnapshots maskedSnapshots;
    private final SourceSnapshotClaims claims;
    private final EventRecorder events;

    MaskedSnapshotKeeper(KubernetesClient client, Ownership ownership, EventRecorder events) {
        this.client = client;
        this.ownership = ownership;
        this.maskedSnapshots = new MaskedSnapshots(client, ownership);
        this.claims = new SourceSnapshotClaims(client, ownership);
        this.events = events;
    }

    /**
     * @param usable whether the spec has no problems (a build starts only then)
     * @return empty for a source not in mode Snapshot, after its builds are gone and its unused masked snapshots deleted
     */
    Optional<Report> keep(CloneSource source, CloneSourceStatus previous, Instant now, boolean usable) {
        List<DatabaseClone> builds = new ArrayList<>();
        for (DatabaseClone b : maskedSnapshots.builds(source)) {
            if (maskedSnapshots.awaitsBuildSeal(b)) {
                // made by a reconcile that stopped before sealing it, or recreated under an old name: never run
                client.resource(b).delete();
            } else {
                builds.add(b);
            }
        }
        // one list of the source's snapshots serves the masked ones and those still waiting for their seal
        List<VolumeSnapshot> labelled = maskedSnapshots.labelled(source);
        List<VolumeSnapshot> masked = new ArrayList<>();
        for (VolumeSnapshot s : maskedSnapshots.of(source, labelled)) {
            masked.add(claims.withoutOrphanedClaims(s));
        }
        if (!MaskingSpec.snapshotMode(source.getSpec())) {
            // the mode was switched off: no build runs; masked snapshots still in use stay until their clones go.
            // A spec that is only broken for now (a ConfigMap being replaced) keeps both, and starts no build.
            builds.forEach(b -> client.resource(b).delete());
            masked.stream().filter(s -> SourceSnapshots.users(s) == 0).forEach(claims::deleteUnclaimed);
            return Optional.empty();
        }
        Optional<VolumeSnapshot> newest = masked.stream().filter(MaskedSnapshots::usable).findFirst();
        String handledRequest = previous == null ? null : previous.getLastRebuildRequest();
        String request = source.getMetadata().getAnnotations() == null ? null
                : source.getMetadata().getAnnotations().get(CloneSource.REBUILD_MASKED_SNAPSHOT);
        boolean newRequest = request != null && !request.equals(handledRequest);

        Build build = null;
        boolean failedNow = false;
        Instant wakeAt = null;
        DatabaseClone current = builds.isEmpty() ? null : builds.get(0);
        builds.stream().skip(1).forEach(b -> client.resource(b).delete());
        if (current != null) {
            build = describe(current, masked);
            if (MaskingBuildStatus.PUBLISHED.equals(build.state())) {
                client.resource(current).delete();
                events.normal(source, Reasons.MASKED_SNAPSHOT_PUBLISHED, "Published masked snapshot "
                        + Names.maskedSnapshot(current.getMetadata().getName()) + "; new clones restore from it");
            } else if (MaskingBuildStatus.BUILDING.equals(build.state()) && build.startedAt() != null
                    && !now.isBefore(build.startedAt().plus(Defaults.MASKING_BUILD_DEADLINE))) {
                client.resource(current).delete();
                build = new Build(build.name(), MaskingBuildStatus.FAILED, build.startedAt(), Reasons.MASKING_FAILED + ": did not publish within "
                        + Defaults.MASKING_BUILD_DEADLINE.toHours() + "h (last: " + build.message() + "); abandoned", build.findings());
                current = null;
                failedNow = true;
            } else if (MaskingBuildStatus.FAILED.equals(build.state())) {
                MaskingBuildStatus earlier = previous == null ? null : previous.getBuild();
                failedNow = earlier == null || !current.getMetadata().getName().equals(earlier.getName()) || !MaskingBuildStatus.FAILED.equals(earlier.getState());
            }
        }
        if (current == null && build == null && previous != null && previous.getBuild() != null) {
            // the last build's outcome stays in the status until the next one starts
            build = carriedOver(previous.getBuild());
        }
        boolean inProgress = current != null && build != null && MaskingBuildStatus.BUILDING.equals(build.state());
        Instant due = usable ? dueAt(source, newest, build) : null;
        if (usable && !inProgress && (newRequest || (due != null && !now.isBefore(due)))) {
            Instant retryAt = build != null && MaskingBuildStatus.FAILED.equals(build.state()) && !newRequest
                    ? (current != null ? failedAt(current) : build.startedAt() != null ? build.startedAt() : now).plus(Defaults.MASKING_RETRY) : null;
            if (retryAt != null && now.isBefore(retryAt)) {
                wakeAt = retryAt;
            } else if (nameTaken(source, now, previous, builds, masked)) {
                // builds are named to the minute: one of this minute's name existed, and its volume may still be going
                wakeAt = now.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(61);
            } else {
                if (current != null && !MaskingBuildStatus.PUBLISHED.equals(build.state())) {
                    client.resource(current).delete();
                }
                DatabaseClone started = start(source, now);
                if (started != null) {
                    build = new Build(started.getMetadata().getName(), MaskingBuildStatus.BUILDING, now,
                            "started: " + (newRequest ? "asked by annotation " + CloneSource.REBUILD_MASKED_SNAPSHOT
                                    : newest.isEmpty() ? "no masked snapshot yet" : "the newest masked snapshot is due for renewal"), List.of());
                    handledRequest = newRequest ? request : handledRequest;
                } else {
                    // this minute's name is taken (the previous build is still going away): look again shortly
                    wakeAt = now.plusSeconds(15);
                }
            }
        } else if (due != null && !inProgress) {
            wakeAt = due;
        } else if (inProgress) {
            // a build's end is an event on it or on its snapshot; one missed would leave it Building for good: look again
            wakeAt = now.plus(BUILD_RECHECK);
        }

        // a masked snapshot whose build stopped before sealing it is of no use
        String building = current == null ? null : Names.maskedSnapshot(current.getMetadata().getName());
        labelled.stream().filter(s -> maskedSnapshots.awaitsSeal(s, source) && !s.getMetadata().getName().equals(building))
                .forEach(claims::deleteUnclaimed);

        // masked snapshots no clone uses are deleted once a newer one serves: no new clone would take them
        List<Masked> kept = new ArrayList<>();
        int users = 0;
        for (VolumeSnapshot s : masked) {
            int using = SourceSnapshots.users(s);
            boolean serving = newest.isPresent() && newest.get().getMetadata().getName().equals(s.getMetadata().getName());
            if (using == 0 && !serving && (newest.isPresent() || CloneSnapshots.failed(s)) && claims.deleteUnclaimed(s)) {
                continue;
            }
            users += SourceSnapshots.users(s);
            kept.add(view(s));
        }
        String[] ready = ready(newest, build);
        return Optional.of(new Report(kept, users, build, ready[0], ready[1], ready[2], handledRequest, wakeAt, failedNow));
    }

    /** Whether a build of this minute would reuse the name of one that exists, existed, or published a snapshot. */
    private static boolean nameTaken(CloneSource source, Instant now, CloneSourceStatus previous, List<DatabaseClone> builds,
                                     List<VolumeSnapshot> masked) {
        String name = Names.maskingBuild(source, now);
        return builds.stream().anyMatch(b -> b.getMetadata().getName().equals(name))
                || previous != null && previous.getBuild() != null && name.equals(previous.getBuild().getName())
                || masked.stream().anyMatch(s -> s.getMetadata().getName().equals(Names.maskedSnapshot(name)));
    }

    /** The build the last status reported, which no longer exists: published (and deleted), or gone before it published. */
    private static Build carriedOver(MaskingBuildStatus last) {
        Instant started = last.getStartedAt() == null ? null : Instant.parse(last.getStartedAt());
        List<MaskingBuildStatus.PiiFinding> findings = last.getPiiFindings() == null ? List.of() : last.getPiiFindings();
        if (MaskingBuildStatus.BUILDING.equals(last.getState())) {
            return new Build(last.getName(), MaskingBuildStatus.FAILED, started, Reasons.MASKING_FAILED
                    + ": the build's DatabaseClone was deleted before it published a snapshot", findings);
        }
        return new Build(last.getName(), last.getState(), started, last.getMessage(), findings);
    }

    /** When the next build is due by age or schedule; now-or-earlier when there is no masked snapshot at all. */
    private static Instant dueAt(CloneSource source, Optional<VolumeSnapshot> newest, Build build) {
        if (newest.isEmpty()) {
            return Instant.EPOCH;
        }
        Instant started = Names.maskingBuildStart(newest.get().getMetadata().getName())
                .orElse(Instant.parse(newest.get().getMetadata().getCreationTimestamp()));
        Instant due = null;
        Duration maxAge = CloneSourceValidator.maskedSnapshotMaxAge(source.getSpec());
        if (maxAge != null) {
            due = started.plus(maxAge);
        }
        Optional<CronSchedule> schedule = CloneSourceValidator.maskingSchedule(source.getSpec());
        if (schedule.isPresent()) {
            // the first run time after the newest build started
            Instant next = schedule.get().next(build != null && build.startedAt() != null && build.startedAt().isAfter(started) ? build.startedAt() : started);
            due = due == null || next.isBefore(due) ? next : due;
        }
        return due;
    }

    private DatabaseClone start(CloneSource source, Instant now) {
        DatabaseClone desired = MaskedSnapshots.build(source, now);
        try {
            DatabaseClone made = ownership.createControlled(desired, source.getMetadata().getUid());
            if (made.getMetadata().getDeletionTimestamp() != null || made.getMetadata().getAnnotations() != null
                    && made.getMetadata().getAnnotations().containsKey(MaskedSnapshots.SEAL)) {
                return null;
            }
            // the clone controller runs it as a build only once sealed to its uid (it waits until then)
            made = maskedSnapshots.sealBuild(made);
            events.normal(source, Reasons.MASKED_SNAPSHOT_BUILDING, "Started masked-snapshot build " + made.getMetadata().getName()
                    + ": a private copy of " + CloneSourceValidator.describeVolume(source.getSpec()) + " in this namespace, masked by spec.postClone");
            return made;
        } catch (Ownership.NameConflict conflict) {
            events.warning(source, Reasons.NAME_CONFLICT, conflict.describeFor("CloneSource", source.getMetadata().getName()));
            return null;
        }
    }

    private Build describe(DatabaseClone build, List<VolumeSnapshot> masked) {
        String name = build.getMetadata().getName();
        Instant started = Names.maskingBuildStart(name).orElse(Instant.parse(build.getMetadata().getCreationTimestamp()));
        Optional<Condition> ready = build.getStatus() == null ? Optional.empty() : build.getStatus().condition("Ready");
        String message = ready.map(Condition::getMessage).orElse("starting");
        List<MaskingBuildStatus.PiiFinding> findings = findings(build);
        boolean published = ready.map(c -> Condition.TRUE.equals(c.getStatus())).orElse(false)
                && masked.stream().anyMatch(s -> s.getMetadata().getName().equals(Names.maskedSnapshot(name)) && MaskedSnapshots.usable(s));
        if (published) {
            return new Build(name, MaskingBuildStatus.PUBLISHED, started, "published as " + Names.maskedSnapshot(name), findings);
        }
        if (build.getStatus() != null && "Failed".equals(build.getStatus().getPhase())) {
            String reason = ready.map(Condition::getReason).orElse(Reasons.MASKING_FAILED);
            return new Build(name, MaskingBuildStatus.FAILED, started, reason + ": " + message, findings);
        }
        return new Build(name, MaskingBuildStatus.BUILDING, started, message, findings);
    }

    /** The PII check's findings, as the build recorded them on its volume (display only). */
    private List<MaskingBuildStatus.PiiFinding> findings(DatabaseClone build) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(build.getMetadata().getNamespace())
                .withName(Names.volume(build)).get();
        String json = pvc == null || pvc.getMetadata().getAnnotations() == null ? null : pvc.getMetadata().getAnnotations().get(MaskedSnapshots.PII_FINDINGS);
        if (json == null || !Ownership.controlledBy(pvc, build.getMetadata().getUid())) {
            return List.of();
        }
        try {
            return Arrays.asList(Serialization.unmarshal(json, MaskingBuildStatus.PiiFinding[].class));
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static Instant failedAt(DatabaseClone build) {
        return build.getStatus() == null ? Instant.now() : build.getStatus().condition("Ready").map(Condition::getLastTransitionTime)
                .map(Instant::parse).orElse(Instant.parse(build.getMetadata().getCreationTimestamp()));
    }

    private static Optional<Instant> startedAt(VolumeSnapshot s) {
        var a = s.getMetadata().getAnnotations();
        try {
            return a == null || a.get(MaskedSnapshots.BUILD_STARTED) == null ? Optional.empty() : Optional.of(Instant.parse(a.get(MaskedSnapshots.BUILD_STARTED)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Masked view(VolumeSnapshot s) {
        var st = s.getStatus();
        Instant built = Instant.parse(st != null && st.getCreationTime() != null ? st.getCreationTime() : s.getMetadata().getCreationTimestamp());
        Double buildSeconds = startedAt(s).map(start -> Duration.between(start, built).toMillis() / 1000.0).orElse(null);
        var a = s.getMetadata().getAnnotations();
        Double masking = null;
        Integer findings = null;
        try {
            masking = a == null || a.get(MaskedSnapshots.MASKING_SECONDS) == null ? null : Double.valueOf(a.get(MaskedSnapshots.MASKING_SECONDS));
            findings = a == null || a.get(MaskedSnapshots.PII_FINDINGS) == null ? null
                    : Serialization.unmarshal(a.get(MaskedSnapshots.PII_FINDINGS), MaskingBuildStatus.PiiFinding[].class).length;
        } catch (RuntimeException e) {
            // display only
        }
        return new Masked(s.getMetadata().getName(), MaskedSnapshots.dataAsOf(s), built, buildSeconds, masking,
                st == null || st.getRestoreSize() == null ? null : st.getRestoreSize().toString(),
                st == null ? null : st.getReadyToUse(), SourceSnapshots.users(s), findings);
    }

    /** MaskedSnapshotReady: True while a masked snapshot serves (a failed build is mentioned), else why not. */
    private static String[] ready(Optional<VolumeSnapshot> newest, Build build) {
        boolean failed = build != null && MaskingBuildStatus.FAILED.equals(build.state());
        String failure = failed ? "; the latest build " + build.name() + " failed and published nothing (" + build.message() + ")" : "";
        if (newest.isPresent()) {
            String dataAsOf = MaskedSnapshots.dataAsOf(newest.get());
            return new String[] {Condition.TRUE, Reasons.MASKED_SNAPSHOT_PUBLISHED, "new clones restore from masked snapshot "
                    + newest.get().getMetadata().getName() + (dataAsOf == null ? "" : " (data as of " + dataAsOf + ")") + failure};
        }
        if (failed) {
            String reason = build.message().contains(":") ? build.message().substring(0, build.message().indexOf(':')) : Reasons.MASKING_FAILED;
            return new String[] {Condition.FALSE, reason, "no masked snapshot yet, so clones wait: build " + build.name()
                    + " failed: " + build.message() + "; fix spec.postClone or spec.masking, then annotate "
                    + CloneSource.REBUILD_MASKED_SNAPSHOT + " or wait " + Defaults.MASKING_RETRY.toMinutes() + "m for the next attempt"};
        }
        return new String[] {Condition.FALSE, Reasons.MASKED_SNAPSHOT_BUILDING, "no masked snapshot yet, so clones wait: "
                + (build == null ? "the first build starts" : "build " + build.name() + ": " + build.message())};
    }
}
