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
 * A production database that may be cloned from other namespaces, written by its owners and kept
 * beside its volume: which namespaces may clone it, what must be masked before a clone serves, and
 * how long one snapshot may be shared. Creating a DatabaseClone in {@code staging} gives no access
 * to {@code prod} unless a CloneSource in {@code prod} says so.
 */
@Group(DatabaseClone.GROUP)
@Version(DatabaseClone.VERSION)
@ShortNames({"clonesrc", "csrc"})
@SchemaSwap(originalType = CloneSourceSpec.class, fieldName = "allowedNamespaceSelector", targetType = NamespaceSelectorSchema.class)
@AdditionalPrinterColumn(name = "PVC", jsonPath = ".spec.pvcName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Masking", jsonPath = ".spec.masking.mode", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Clones", jsonPath = ".status.clones", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class CloneSource extends CustomResource<CloneSourceSpec, CloneSourceStatus> implements Namespaced {

    public static final String KIND = "CloneSource";

    /**
     * {@code kubectl annotate clonesource/x pgclone.dev/rebuild-masked-snapshot=<anything new>}
     * starts a masked-snapshot build now (mode Snapshot), unless one is running.
     */
    public static final String REBUILD_MASKED_SNAPSHOT = "pgclone.dev/rebuild-masked-snapshot";

    // Overridden only to describe spec and status for kubectl explain.
    @Override
    @JsonPropertyDescription("Written by the owners of the production database: its volume, who may clone it, what every clone must run first, and how long a snapshot is shared.")
    public CloneSourceSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("The snapshots the operator keeps of this source and how many clones use them.")
    public CloneSourceStatus getStatus() {
        return super.getStatus();
    }
}
