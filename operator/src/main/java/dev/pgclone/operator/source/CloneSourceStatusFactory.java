package dev.pgclone.operator.source;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus;
import dev.pgclone.operator.api.v1alpha1.CloneSourceStatus.SharedSnapshot;
import dev.pgclone.operator.api.v1alpha1.common.Condition;
import dev.pgclone.operator.status.Conditions;
import dev.pgclone.operator.status.Reasons;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.pgclone.operator.api.v1alpha1.MaskedSnapshotStatus;
import dev.pgclone.operator.api.v1alpha1.MaskingBuildStatus;

/**
 * The one writer of a CloneSource's status: its snapshots and their users, and Ready, True when
 * clones of it may be created, False with the problem that refuses them.
 */
final class CloneSourceStatusFactory {

    /** What refuses clones of the source: a condition reason and a message that says what to fix. */
    record Problem(String reason, String message) {}

    private final Conditions conditions;

    CloneSourceStatusFactory(Clock clock) {
        this.conditions = new Conditions(clock);
    }

    /** The status this reconcile builds: a copy of what the last one wrote, or a new one. */
    CloneSourceStatus startFrom(CloneSourceStatus previous) {
        CloneSourceStatus status = previous == null ? new CloneSourceStatus()
                : Serialization.unmarshal(Serialization.asJson(previous), CloneSourceStatus.class);
        if (status.getConditions() == null) {
            status.setConditions(new ArrayList<>());
        }
        return status;
    }

    /**
     * @param problem what refuses clones, or null when the source is usable
     * @return true when the problem is new (Ready transitioned to it): worth a Warning event
     */
    boolean write(CloneSource source, CloneSourceStatus status, List<SharedSnapshot> snapshots, int clones, Problem problem) {
        long generation = source.getMetadata().getGeneration() == null ? 0L : source.getMetadata().getGeneration();
        status.setObservedGeneration(generation);
        status.setSnapshots(snapshots);
        status.setClones(clones);
        if (problem != null) {
            return conditions.set(status.getConditions(), Conditions.READY, Condition.FALSE, problem.reason(), problem.message(), generation);
        }
        conditions.set(status.getConditions(), Conditions.READY, Condition.TRUE, Reasons.SOURCE_READY,
                "clones of " + dev.pgclone.operator.spec.CloneSourceValidator.describeVolume(source.getSpec()) + " may be created in " + allowed(source)
                        + (source.getSpec().getMaxClones() == null ? "" : ", at most " + source.getSpec().getMaxClones()
                                + " at once (spec.maxClones; status.clones counts those using its snapshots)"), generation);
        return false;
    }

    /**
     * The masked snapshots (mode Snapshot) and MaskedSnapshotReady; a source in the other mode
     * reports none and has no such condition.
     * @return true when a build failed in this reconcile: worth a Warning event
     */
    boolean writeMasking(CloneSource source, CloneSourceStatus status, Optional<MaskedSnapshotKeeper.Report> report) {
        long generation = source.getMetadata().getGeneration() == null ? 0L : source.getMetadata().getGeneration();
        if (report.isEmpty()) {
            status.setMaskedSnapshots(null);
            status.setBuild(null);
            status.getConditions().removeIf(c -> Conditions.MASKED_SNAPSHOT_READY.equals(c.getType()));
            return false;
        }
        MaskedSnapshotKeeper.Report r = report.get();
        List<MaskedSnapshotStatus> masked = new ArrayList<>();
        for (MaskedSnapshotKeeper.Masked m : r.masked()) {
            MaskedSnapshotStatus s = new MaskedSnapshotStatus();
            s.setName(m.name());
            s.setDataAsOf(m.dataAsOf());
            s.setBuiltAt(Conditions.format(m.builtAt()));
            s.setBuildSeconds(m.buildSeconds());
            s.setMaskingSeconds(m.maskingSeconds());
            s.setSize(m.size());
            s.setReadyToUse(m.readyToUse());
            s.setUsers(m.users());
            s.setPiiFindings(m.piiFindings());
            masked.add(s);
        }
        status.setMaskedSnapshots(masked);
        if (r.build() == null) {
            status.setBuild(null);
        } else {
            MaskingBuildStatus build = new MaskingBuildStatus();
            build.setName(r.build().name());
            build.setState(r.build().state());
            build.setStartedAt(r.build().startedAt() == null ? null : Conditions.format(r.build().startedAt()));
            build.setMessage(r.build().message());
            build.setPiiFindings(new ArrayList<>(r.build().findings()));
            status.setBuild(build);
        }
        status.setLastRebuildRequest(r.rebuildRequest());
        conditions.set(status.getConditions(), Conditions.MASKED_SNAPSHOT_READY, r.readyStatus(), r.readyReason(), r.readyMessage(), generation);
        return r.buildFailedNow();
    }

    private static String allowed(CloneSource source) {
        List<String> parts = new ArrayList<>();
        parts.add(source.getMetadata().getNamespace());
        if (source.getSpec().getAllowedNamespaces() != null) {
            parts.addAll(source.getSpec().getAllowedNamespaces());
        }
        String listed = String.join(", ", parts);
        return source.getSpec().getAllowedNamespaceSelector() == null ? listed : listed + " and namespaces matching spec.allowedNamespaceSelector";
    }
}
