package dev.pgclone.operator.refresh;

import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.api.v1alpha1.RefreshScheduleStatus;
import dev.pgclone.operator.resources.Ownership;
import dev.pgclone.operator.status.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Everything one reconcile of one schedule works with: the schedule, the status as the last
 * reconcile wrote it (to read), the report of what this one decided ({@link ScheduleReport}), the
 * cluster.
 */
final class ScheduleContext {

    private final RefreshSchedule schedule;
    private final RefreshScheduleStatus status;
    private final Context<RefreshSchedule> josdk;
    private final KubernetesClient client;
    private final EventRecorder events;
    private final Ownership ownership;
    private final Instant now;
    private final ScheduleReport report;

    ScheduleContext(RefreshSchedule schedule, RefreshScheduleStatus status, Context<RefreshSchedule> josdk, KubernetesClient client,
                    Instant now, EventRecorder events, Ownership ownership) {
        this.schedule = schedule;
        this.status = status;
        this.josdk = josdk;
        this.client = client;
        this.events = events;
        this.ownership = ownership;
        this.now = now;
        this.report = new ScheduleReport(status);
    }

    RefreshSchedule schedule() { return schedule; }
    /** The status as the last reconcile wrote it: to read; {@link ScheduleStatusFactory} writes it. */
    RefreshScheduleStatus status() { return status; }
    ScheduleReport report() { return report; }
    KubernetesClient client() { return client; }
    EventRecorder events() { return events; }
    Instant now() { return now; }
    String namespace() { return schedule.getMetadata().getNamespace(); }
    String name() { return schedule.getMetadata().getName(); }

    long generation() {
        return schedule.getMetadata().getGeneration() == null ? 0L : schedule.getMetadata().getGeneration();
    }

    /** Objects of a type this schedule (this very object, by uid) controls, from the informer cache. */
    <R extends HasMetadata> Set<R> allOwned(Class<R> type) {
        return josdk.getSecondaryResources(type).stream().filter(this::controlledHere).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * An object this schedule controls: from the cache, else from the API server, because an object
     * created by the previous reconcile may not have reached the cache yet, and acting on its absence
     * would, for the passwords, mean new passwords.
     */
    <R extends HasMetadata> Optional<R> owned(Class<R> type, String name) {
        Optional<R> cached = allOwned(type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst();
        if (cached.isPresent()) {
            return cached;
        }
        R live = client.resources(type).inNamespace(namespace()).withName(name).get();
        return Optional.ofNullable(live).filter(this::ours);
    }

    /** Controlled by this schedule and carrying the operator's mark (an owner reference alone anyone can write). */
    boolean ours(HasMetadata resource) {
        return ownership.ours(resource, schedule.getMetadata().getUid());
    }

    /** True when this schedule (this very object, not an earlier one of the same name) is the controller. */
    boolean controlledHere(HasMetadata resource) {
        return Ownership.controlledBy(resource, schedule.getMetadata().getUid());
    }

    /**
     * Creates an object this schedule controls, or returns the one of that name it already
     * controls; any other object of that name is an {@link Ownership.NameConflict}.
     */
    <R extends HasMetadata> R create(R resource) {
        return ownership.createControlled(resource, schedule.getMetadata().getUid());
    }
}
