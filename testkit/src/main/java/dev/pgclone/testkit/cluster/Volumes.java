package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Helpers to put data into the local cluster's volumes. */
public final class Volumes {

    private Volumes() {}

    /**
     * Creates a PV and a PVC bound to it whose content is a copy (reflinked where the file system
     * can) of an existing PostgreSQL data directory, so you can clone your own database. Stop the
     * server first, or the copy is not consistent. The files keep their owner: the clone's
     * spec.postgres.runAsUser must be that uid.
     *
     * @param dataDirectory where the data directory goes inside the volume ("" for the root, e.g. "pgdata")
     */
    public static PersistentVolumeClaim importDataDirectory(LocalCluster cluster, String namespace, String pvcName, Path source,
                                                            String dataDirectory, String size) {
        if (!Files.isRegularFile(source.resolve("PG_VERSION"))) {
            throw new IllegalArgumentException(source + " is not a PostgreSQL data directory (no PG_VERSION)");
        }
        String volumeId = "imported-" + namespace + "-" + pvcName;
        Path volume;
        if (dataDirectory == null || dataDirectory.isBlank()) {
            volume = cluster.storage().importVolume(volumeId, source);
        } else {
            volume = cluster.storage().createVolume(volumeId);
            Path target = volume.resolve(dataDirectory);
            try {
                Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.createDirectories(target.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Exec.ok(Duration.ofMinutes(30), "cp", "-a", "--reflink=auto", source.toString(), target.toString());
        }
        return bindVolume(cluster.client(), namespace, pvcName, volumeId, volume, size);
    }

    /** A PV for an existing volume of the cluster's storage and a PVC bound to it, as a pre-provisioned PV is. */
    static PersistentVolumeClaim bindVolume(KubernetesClient client, String namespace, String pvcName, String volumeId, Path path, String size) {
        client.persistentVolumes().resource(new PersistentVolumeBuilder()
                .withNewMetadata().withName(volumeId)
                    // the driver's: deleted with its volume once released, like a provisioned one
                    .withAnnotations(Map.of(Provisioner.VOLUME_HANDLE, volumeId, Provisioner.PROVISIONED_BY, LocalCluster.DRIVER))
                .endMetadata()
                .withNewSpec()
                    .withCapacity(Map.of("storage", new Quantity(size)))
                    .withAccessModes("ReadWriteOnce")
                    .withPersistentVolumeReclaimPolicy("Delete")
                    .withStorageClassName(LocalCluster.STORAGE_CLASS)
                    .withCsi(Provisioner.csiSource(volumeId, path))
                    .withClaimRef(new ObjectReferenceBuilder().withApiVersion("v1").withKind("PersistentVolumeClaim")
                            .withNamespace(namespace).withName(pvcName).build())
                .endSpec().build()).create();
        client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(pvcName).withNamespace(namespace).endMetadata()
                .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withStorageClassName(LocalCluster.STORAGE_CLASS)
                    .withVolumeName(volumeId)
                    .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources()
                .endSpec().build()).create();
        return waitBound(client, namespace, pvcName, Duration.ofSeconds(30));
    }

    /** Creates an empty dynamically provisioned PVC and waits until it is bound. */
    public static PersistentVolumeClaim createBound(KubernetesClient client, String namespace, String pvcName, String size) {
        client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(pvcName).withNamespace(namespace).endMetadata()
                .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withNewResources().withRequests(Map.of("storage", new Quantity(size))).endResources()
                .endSpec().build()).create();
        return waitBound(client, namespace, pvcName, Duration.ofSeconds(30));
    }

    public static PersistentVolumeClaim waitBound(KubernetesClient client, String namespace, String pvcName, Duration timeout) {
        return client.persistentVolumeClaims().inNamespace(namespace).withName(pvcName)
                .waitUntilCondition(p -> p != null && p.getStatus() != null && "Bound".equals(p.getStatus().getPhase()),
                        timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The host directory behind a bound PVC. */
    public static Path hostPath(KubernetesClient client, String namespace, String pvcName) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(pvcName).get();
        if (pvc == null || pvc.getSpec().getVolumeName() == null) {
            throw new IllegalStateException("PVC " + namespace + "/" + pvcName + " is not bound");
        }
        return Provisioner.localPath(client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get());
    }

    /** The storage backend's id of the volume behind a bound PVC. */
    public static String volumeHandle(KubernetesClient client, String namespace, String pvcName) {
        PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(pvcName).get();
        return Provisioner.volumeHandle(client.persistentVolumes().withName(pvc.getSpec().getVolumeName()).get());
    }
}
