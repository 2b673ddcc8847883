package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A DatabaseClone kept fresh by cron: each run creates a child clone from the template, and once
 * it is Ready a stable Service and stable Secrets switch to it.
 * <p>
 * Next is a string column on purpose: kubectl prints a date column in the future as
 * {@code <invalid>}.
 */
@Group(DatabaseClone.GROUP)
@Version(DatabaseClone.VERSION)
@ShortNames("refresh")
// spec.postgres.resources keeps its model type; the swap only gives the CRD schema descriptions (kubectl explain)
@SchemaSwap(originalType = PostgresSpec.class, fieldName = "resources", targetType = ContainerResourcesSchema.class)
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.activeClone", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Last-Refresh", jsonPath = ".status.lastSuccessfulTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Next", jsonPath = ".status.nextScheduleTime", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class RefreshSchedule extends CustomResource<RefreshScheduleSpec, RefreshScheduleStatus> implements Namespaced {

    public static final String KIND = "RefreshSchedule";

    /**
     * {@code kubectl annotate refreshschedule/x pgclone.dev/refresh-now=<anything new>} starts a
     * run at once; the value last acted on is kept in {@code status.lastRefreshRequest}.
     */
    public static final String REFRESH_NOW = "pgclone.dev/refresh-now";

    // Overridden only to describe spec and status for kubectl explain.
    @Override
    @JsonPropertyDescription("When to re-clone (schedule, timeZone, suspend), how many superseded clones to keep (historyLimit), and the clone each run creates (template).")
    public RefreshScheduleSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("The serving, latest and failed clones, run times, and the conditions Ready and Refreshed.")
    public RefreshScheduleStatus getStatus() {
        return super.getStatus();
    }
}
