package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import java.util.LinkedHashMap;
import java.util.Map;

/** Recommended Kubernetes labels plus the clone label every informer and selector keys on. */
public final class Labels {

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String CLONE = "pgclone.dev/clone";
    /** Set on the Pod only after preparation succeeded; the Service selects on it. */
    public static final String PREPARED = "pgclone.dev/prepared";
    /** On everything a RefreshSchedule owns (its clones, Service and Secrets): the schedule's name. */
    public static final String SCHEDULE = "pgclone.dev/schedule";

    /** On everything a MigrationRehearsal owns (its clone, report, Job): the rehearsal's name. */
    public static final String REHEARSAL = "pgclone.dev/rehearsal";

    public static final String OPERATOR = "pgclone-operator";
    /** On the snapshots the operator takes of a CloneSource: the CloneSource's name (they live in its namespace). */
    public static final String CLONE_SOURCE = "pgclone.dev/clone-source";
    /** On a CloneSource's masked snapshots (mode Snapshot): "true"; they carry {@link #CLONE_SOURCE} too. */
    public static final String MASKED = "pgclone.dev/masked";
    /** On the DatabaseClone that builds a masked snapshot: the CloneSource's name. */
    public static final String MASKING_BUILD = "pgclone.dev/masking-build";
    /** Selector of the informers: only objects this operator made. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;
    /**
     * What the clone informers select: objects with a mark. Anyone can set a label, so the
     * informers keep only those whose mark is valid ({@link MarkedOnly}).
     */
    public static final String MARKED_SELECTOR = MANAGED_SELECTOR + "," + Ownership.MARK;
    /** Selector of the schedule controller's informers: only what schedules own, not the clones' own children. */
    public static final String SCHEDULE_SELECTOR = MANAGED_SELECTOR + "," + SCHEDULE;

    private Labels() {}

    public static Map<String, String> forClone(DatabaseClone clone, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "pgclone");
        labels.put(INSTANCE, clone.getMetadata().getName());
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(PART_OF, "pgclone");
        labels.put(COMPONENT, component);
        labels.put(CLONE, clone.getMetadata().getName());
        return labels;
    }

    /** Labels of a snapshot of a CloneSource; no {@link #CLONE} label: no clone owns it, several may use it. */
    public static Map<String, String> forCloneSource(dev.pgclone.operator.api.v1alpha1.CloneSource source) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "pgclone");
        labels.put(INSTANCE, source.getMetadata().getName());
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(PART_OF, "pgclone");
        labels.put(COMPONENT, "source-snapshot");
        labels.put(CLONE_SOURCE, source.getMetadata().getName());
        return labels;
    }

    /** What the Service selects: this clone's Pod, and only once it is prepared. */
    public static Map<String, String> servingSelector(DatabaseClone clone) {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put(CLONE, clone.getMetadata().getName());
        selector.put(PREPARED, "true");
        return selector;
    }

    /** Labels of what a schedule owns; no {@link #CLONE} label, so no clone's selector or informer ever matches them. */
    public static Map<String, String> forSchedule(RefreshSchedule schedule, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "pgclone");
        labels.put(INSTANCE, schedule.getMetadata().getName());
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(PART_OF, "pgclone");
        labels.put(COMPONENT, component);
        labels.put(SCHEDULE, schedule.getMetadata().getName());
        return labels;
    }

    /** Labels of what a rehearsal owns; no {@link #CLONE} label, so no clone's selector or informer ever matches them. */
    public static Map<String, String> forRehearsal(dev.pgclone.operator.api.v1alpha1.MigrationRehearsal rehearsal, String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "pgclone");
        labels.put(INSTANCE, rehearsal.getMetadata().getName());
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(PART_OF, "pgclone");
        labels.put(COMPONENT, component);
        labels.put(REHEARSAL, rehearsal.getMetadata().getName());
        return labels;
    }

    /** What a schedule's stable Service selects: the active clone's Pod, once prepared. */
    public static Map<String, String> servingSelector(String cloneName) {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put(CLONE, cloneName);
        selector.put(PREPARED, "true");
        return selector;
    }
}
