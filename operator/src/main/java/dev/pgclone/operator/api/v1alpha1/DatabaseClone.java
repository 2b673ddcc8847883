package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One isolated, copy-on-write clone of a production PostgreSQL volume, served by its own Pod and Service.
 */
@Group(DatabaseClone.GROUP)
@Version(DatabaseClone.VERSION)
@ShortNames({"dbclone", "dbc"})
// spec.postgres.resources keeps its model type; the swap only gives the CRD schema descriptions (kubectl explain)
@SchemaSwap(originalType = PostgresSpec.class, fieldName = "resources", targetType = ContainerResourcesSchema.class)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Source", jsonPath = ".status.source", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Data-As-Of", jsonPath = ".status.dataAsOf", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.endpoint.host", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// On the resource rather than on spec.source, so that a RefreshSchedule's template, which reuses
// DatabaseCloneSpec, may point future runs at another source.
@ValidationRule(value = "!has(oldSelf.spec) || self.spec.source == oldSelf.spec.source",
        message = "spec.source is immutable: create a new DatabaseClone to clone another source")
public class DatabaseClone extends CustomResource<DatabaseCloneSpec, DatabaseCloneStatus> implements Namespaced {

    public static final String GROUP = "pgclone.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "DatabaseClone";

    // Overridden only to describe spec and status for kubectl explain.
    @Override
    @JsonPropertyDescription("What to clone and how to serve the copy: source, postgres, credentials, postClone, ttl, service.")
    public DatabaseCloneSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the operator did and sees: phase, conditions, the snapshot and when its data is from, endpoint, Secrets, timings and preparation steps.")
    public DatabaseCloneStatus getStatus() {
        return super.getStatus();
    }
}
