package dev.pgclone.operator.cnpg;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The fields of a CloudNativePG Backup the resolver reads (docs/cloudnativepg.md, "Backup").
 *
 * @param online status.online; null when not reported (versions before online volume-snapshot backups took only offline ones)
 * @param backupLabelFile status.backupLabelFile, base64 as JSON carries bytes; null when absent
 */
record CnpgBackup(String name, String cluster, String specMethod, String statusMethod, String phase, String error, Boolean online,
        String instance, OptionalInt major, List<Element> elements, String backupLabelFile) {

    /** status.snapshotBackupStatus.elements[]: a VolumeSnapshot and the role of the PVC it was taken of. */
    record Element(String name, String type) {}

    static CnpgBackup of(GenericKubernetesResource resource) {
        Map<String, Object> fields = resource.getAdditionalProperties();
        Object spec = fields.get("spec");
        Object status = fields.get("status");
        List<Element> elements = new ArrayList<>();
        for (Map<?, ?> e : Fields.maps(status, "snapshotBackupStatus", "elements")) {
            Fields.string(e, "name").ifPresent(n -> elements.add(new Element(n, Fields.string(e, "type").orElse(""))));
        }
        return new CnpgBackup(resource.getMetadata().getName(),
                Fields.string(spec, "cluster", "name").orElse(null),
                Fields.string(spec, "method").orElse(CloudNativePG.DEFAULT_BACKUP_METHOD),
                Fields.string(status, "method").orElse(null),
                Fields.string(status, "phase").orElse(null),
                Fields.string(status, "error").orElse(null),
                Fields.bool(status, "online").orElse(null),
                Fields.string(status, "instanceID", "podName").orElse(null),
                CnpgCluster.intOf(status, "majorVersion"),
                List.copyOf(elements),
                Fields.string(status, "backupLabelFile").orElse(null));
    }

    /** The elements of one role (PG_DATA, PG_WAL, PG_TABLESPACE). */
    List<Element> ofType(String type) {
        return elements.stream().filter(e -> e.type().equals(type)).toList();
    }
}
