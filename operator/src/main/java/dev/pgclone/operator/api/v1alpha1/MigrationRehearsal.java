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
 * A migration rehearsed on a fresh clone of production, under the application's queries: the
 * operator makes the clone from the template, measures a baseline, runs the migration while it
 * samples locks and waits, runs the checks, and ends Passed or Failed with the evidence in a
 * report ConfigMap. It runs once; to rehearse again, create a new one (CI: one per commit).
 */
@Group(DatabaseClone.GROUP)
@Version(DatabaseClone.VERSION)
@ShortNames({"rehearsal", "mr"})
@SchemaSwap(originalType = PostgresSpec.class, fieldName = "resources", targetType = ContainerResourcesSchema.class)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Verdict", jsonPath = ".status.verdict", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Duration", jsonPath = ".status.summary.durationSeconds", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Report", jsonPath = ".status.report", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(oldSelf.spec) || self.spec == oldSelf.spec",
        message = "a MigrationRehearsal's spec is immutable: it runs once; create a new MigrationRehearsal to rehearse again")
public class MigrationRehearsal extends CustomResource<MigrationRehearsalSpec, MigrationRehearsalStatus> implements Namespaced {

    public static final String KIND = "MigrationRehearsal";

    // Overridden only to describe spec and status for kubectl explain.
    @Override
    @JsonPropertyDescription("The clone to rehearse on (clone), the migration (sql or job), the application's queries run meanwhile (workload), "
            + "what must hold afterwards (checks) and what the migration may do (limits). Immutable: create a new rehearsal to run again.")
    public MigrationRehearsalSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("Phase, verdict, a summary of the evidence, the report ConfigMap and the conditions CloneReady, Migrated, Complete, Passed and Failed.")
    public MigrationRehearsalStatus getStatus() {
        return super.getStatus();
    }
}
