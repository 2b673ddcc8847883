package dev.pgclone.operator.cnpg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.operator.testing.ApiServerTest;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver against an API server that keeps what is written (the fabric8 mock in CRUD mode), with CloudNativePG's objects as it shapes them. */
@EnableKubernetesMockClient(crud = true)
@ApiServerTest
class CloudNativePGResolverTest {

    static KubernetesClient client;

    private static final String PROD = "prod";

    private CnpgObjects cnpg;
    private CloudNativePGResolver resolver;

    @BeforeEach
    void setUp() {
        client.apiextensions().v1().customResourceDefinitions().delete();
        for (String kind : new String[] {CloudNativePG.CLUSTER, CloudNativePG.BACKUP, CloudNativePG.IMAGE_CATALOG}) {
            client.genericKubernetesResources(CnpgObjects.context(kind)).inAnyNamespace().delete();
        }
        client.genericKubernetesResources(CnpgObjects.context(CloudNativePG.CLUSTER_IMAGE_CATALOG)).delete();
        client.pods().inAnyNamespace().delete();
        client.persistentVolumeClaims().inAnyNamespace().delete();
        client.resources(VolumeSnapshot.class).inAnyNamespace().delete();
        CnpgObjects.defineKinds(client);
        cnpg = new CnpgObjects(client, PROD);
        resolver = new CloudNativePGResolver(client);
    }

    private ResolvedInstance instance(String cluster, InstanceChoice choice) {
        Resolution<ResolvedInstance> r = resolver.resolveInstance(PROD, cluster, choice);
        assertThat(r.problem()).as("problem").isEmpty();
        return r.resolved().orElseThrow();
    }

    private Resolution.Problem<?> problem(Resolution<?> r) {
        assertThat(r.resolved()).as("resolved").isEmpty();
        return r.problem().orElseThrow();
    }

    // ------------------------------------------------------------------------------ instances

    @Test
    void thePrimaryWithoutWalStorage() {
        cnpg.cluster("orders", 3).superuserAccess(true).createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.instance()).isEqualTo("orders-1");
        assertThat(i.primary()).isTrue();
        assertThat(i.dataPvc()).isEqualTo("orders-1");
        assertThat(i.walPvc()).isNull();
        assertThat(i.walDirectory()).isNull();
        assertThat(i.dataDirectory()).isEqualTo("pgdata");
        assertThat(i.runAsUser()).isEqualTo(26);
        assertThat(i.image()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(i.major()).isEqualTo(16);
        assertThat(i.superuserSecret()).isEqualTo("orders-superuser");
        assertThat(i.podIp()).isEqualTo(cnpg.pod("orders-1").getStatus().getPodIP()).isNotBlank();
        assertThat(i.note()).isNull();
    }

    @Test
    void thePrimaryWithWalStorageAndItsOwnUidAndSuperuserSecret() {
        cnpg.cluster("orders", 2).walStorage().superuserAccess(true).spec("superuserSecret", Map.of("name", "pg-admin"))
                .spec("postgresUID", 1001).createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.dataPvc()).isEqualTo("orders-1");
        assertThat(i.walPvc()).isEqualTo("orders-1-wal");
        assertThat(i.walDirectory()).isEqualTo("pg_wal");
        assertThat(i.runAsUser()).isEqualTo(1001);
        assertThat(i.superuserSecret()).isEqualTo("pg-admin");
    }

    @Test
    void aMissingWalPvcIsAProblemWhenTheClusterHasWalStorage() {
        cnpg.cluster("orders", 1).walStorage().create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, true);
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_DATA, "orders-1");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.PVC_MISSING);
        assertThat(p.message()).contains("WAL PVC orders-1-wal", "does not exist");
    }

    @Test
    void preferStandbyTakesTheFirstReadyHealthyReplicaByName() {
        cnpg.cluster("orders", 4).superuserAccess(true).healthy("orders-1", "orders-3", "orders-4").create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false);
        cnpg.pod("orders", "orders-2", CloudNativePG.ROLE_REPLICA, true, false); // Ready, but not listed healthy
        cnpg.pod("orders", "orders-3", CloudNativePG.ROLE_REPLICA, false, false); // listed healthy, Pod not Ready
        cnpg.pod("orders", "orders-4", CloudNativePG.ROLE_REPLICA, true, false);
        for (int n = 1; n <= 4; n++) {
            cnpg.pvc("orders", "orders-" + n, CloudNativePG.PVC_ROLE_DATA, "orders-" + n);
        }

        ResolvedInstance i = instance("orders", InstanceChoice.preferStandby());

        assertThat(i.instance()).isEqualTo("orders-4");
        assertThat(i.primary()).isFalse();
        assertThat(i.dataPvc()).isEqualTo("orders-4");
        assertThat(i.note()).isNull();
    }

    @Test
    void preferStandbyFallsBackToThePrimaryAndSaysSo() {
        cnpg.cluster("orders", 2).superuserAccess(true).create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false);
        cnpg.pod("orders", "orders-2", CloudNativePG.ROLE_REPLICA, false, false);
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_DATA, "orders-1");
        cnpg.pvc("orders", "orders-2", CloudNativePG.PVC_ROLE_DATA, "orders-2");

        ResolvedInstance i = instance("orders", InstanceChoice.parse("preferStandby"));

        assertThat(i.instance()).isEqualTo("orders-1");
        assertThat(i.primary()).isTrue();
        assertThat(i.note()).isEqualTo("no Ready replica: using the primary orders-1");
    }

    @Test
    void anInstanceNamedMustBeTheClustersAndReady() {
        cnpg.cluster("orders", 3).superuserAccess(true).createWithInstances();
        cnpg.cluster("billing", 1).createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.parse("orders-2"));
        assertThat(i.instance()).isEqualTo("orders-2");
        assertThat(i.primary()).isFalse();
        assertThat(i.dataPvc()).isEqualTo("orders-2");

        Resolution.Problem<?> other = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.named("billing-1")));
        assertThat(other.reason()).isEqualTo(CnpgReasons.INSTANCE_NOT_FOUND);
        assertThat(other.message()).contains("has no instance billing-1", "[orders-1, orders-2, orders-3]");

        Pod pod = cnpg.pod("orders-3");
        pod.getStatus().getConditions().get(0).setStatus("False");
        client.pods().inNamespace(PROD).resource(pod).updateStatus();
        Resolution.Problem<?> notReady = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.named("orders-3")));
        assertThat(notReady.reason()).isEqualTo(CnpgReasons.INSTANCE_NOT_READY);
    }

    @Test
    void aSwitchoverInProgressIsReportedForThePrimaryAndForTheInstancesChanging() {
        cnpg.cluster("orders", 3).status("targetPrimary", "orders-2").createWithInstances();

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));
        assertThat(p.reason()).isEqualTo(CnpgReasons.SWITCHOVER_IN_PROGRESS);
        assertThat(p.message()).contains("from orders-1 to orders-2");
        assertThat(problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.named("orders-2"))).reason())
                .isEqualTo(CnpgReasons.SWITCHOVER_IN_PROGRESS);

        // a replica that is neither the old nor the new primary is still fine to snapshot
        assertThat(instance("orders", InstanceChoice.preferStandby()).instance()).isEqualTo("orders-3");
    }

    @Test
    void noSuchCluster() {
        cnpg.cluster("orders", 1).createWithInstances();

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "ordrs", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.CLUSTER_NOT_FOUND);
        assertThat(p.message()).contains("Cluster ordrs in namespace prod does not exist");
    }

    @Test
    void aClusterOfAnotherNamespaceIsNotSeen() {
        new CnpgObjects(client, "other").cluster("orders", 1).createWithInstances();

        assertThat(problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary())).reason())
                .isEqualTo(CnpgReasons.CLUSTER_NOT_FOUND);
    }

    @Test
    void withoutCloudNativePGsApi() {
        client.apiextensions().v1().customResourceDefinitions().delete();

        Resolution.Problem<?> cluster = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));
        Resolution.Problem<?> backup = problem(resolver.resolveBackup(PROD, "nightly"));

        assertThat(cluster.reason()).isEqualTo(CnpgReasons.API_MISSING);
        assertThat(cluster.message()).contains("postgresql.cnpg.io/v1 Cluster", "install");
        assertThat(backup.reason()).isEqualTo(CnpgReasons.API_MISSING);
    }

    @Test
    void noReadyInstance() {
        cnpg.cluster("orders", 2).create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, false, false);
        cnpg.pod("orders", "orders-2", CloudNativePG.ROLE_REPLICA, false, false);

        Resolution.Problem<?> standby = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.preferStandby()));
        Resolution.Problem<?> primary = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(standby.reason()).isEqualTo(CnpgReasons.NO_READY_INSTANCE);
        assertThat(primary.reason()).isEqualTo(CnpgReasons.INSTANCE_NOT_READY);
        assertThat(primary.message()).contains("the primary orders-1", "not Ready");
    }

    @Test
    void superuserAccessDisabledIsANoteNotAProblem() {
        cnpg.cluster("orders", 1).createWithInstances(); // enableSuperuserAccess defaults to false

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.superuserSecret()).isNull();
        assertThat(i.note()).isEqualTo("superuser access is disabled (spec.enableSuperuserAccess): the CHECKPOINT before the snapshot is skipped");
    }

    @Test
    void aPvcNamedForTheInstanceButLabelledForAnotherIsNotUsed() {
        cnpg.cluster("orders", 2).create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false);
        cnpg.pvc("orders", "orders-2", CloudNativePG.PVC_ROLE_DATA, "orders-1");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.PVC_MISSING);
        assertThat(p.message()).contains("cnpg.io/instanceName=orders-2");
    }

    @Test
    void aPvcLabelledForTheInstanceUnderAnotherNameIsNotUsed() {
        cnpg.cluster("orders", 2).create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false);
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_DATA, "orders-2");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.PVC_MISSING);
        assertThat(p.message()).contains("data PVC orders-1", "does not exist", "[orders-2]");
    }

    @Test
    void aPvcTheInstancesPodDoesNotMountIsNotUsed() {
        cnpg.cluster("orders", 1).walStorage().create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false); // mounts orders-1 only
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_DATA, "orders-1");
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_WAL, "orders-1-wal");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.PVC_MISSING);
        assertThat(p.message()).contains("WAL PVC orders-1-wal", "is not mounted by Pod orders-1");
    }

    @Test
    void aPvcOfAnotherClusterIsNotUsed() {
        cnpg.cluster("orders", 1).create();
        cnpg.pod("orders", "orders-1", CloudNativePG.ROLE_PRIMARY, true, false);
        PersistentVolumeClaim pvc = cnpg.pvc("billing", "orders-1", CloudNativePG.PVC_ROLE_DATA, "orders-1");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(pvc.getMetadata().getLabels()).containsEntry(CloudNativePG.CLUSTER_LABEL, "billing");
        assertThat(p.reason()).isEqualTo(CnpgReasons.PVC_MISSING);
    }

    @Test
    void tablespacePvcsAreAProblem() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.pvc("orders", "orders-1", CloudNativePG.PVC_ROLE_TABLESPACE, "orders-1-tbs-archive");

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.TABLESPACES_UNSUPPORTED);
        assertThat(p.message()).contains("orders-1-tbs-archive");
    }

    // ------------------------------------------------------------------------------ images

    @Test
    void statusImageIsPreferredToSpecImageName() {
        cnpg.cluster("orders", 1).spec("imageName", "ghcr.io/cloudnative-pg/postgresql:17.2")
                .status("image", "ghcr.io/cloudnative-pg/postgresql:16.6-bookworm").createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.image()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.6-bookworm");
        assertThat(i.major()).isEqualTo(16);
    }

    @Test
    void specImageNameWhenTheStatusHasNone() {
        cnpg.cluster("orders", 1).status("image", null)
                .spec("imageName", "registry.local:5000/pg:15.10@sha256:abcd").createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.image()).isEqualTo("registry.local:5000/pg:15.10@sha256:abcd");
        assertThat(i.major()).isEqualTo(15);
    }

    @Test
    void theImageThatLastRanOnTheDataIsPreferredToAll() {
        cnpg.cluster("orders", 1).spec("imageName", "ghcr.io/cloudnative-pg/postgresql:17.2")
                .status("image", "ghcr.io/cloudnative-pg/postgresql:17.2")
                .status("pgDataImageInfo", Map.of("image", "ghcr.io/cloudnative-pg/postgresql:16.6", "majorVersion", 16))
                .createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.image()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.6");
        assertThat(i.major()).isEqualTo(16);
    }

    @Test
    void anImageWhoseTagTellsNoMajorIsAProblem() {
        cnpg.cluster("orders", 1).spec("imageName", "ghcr.io/cloudnative-pg/postgresql:latest").status("image", null).createWithInstances();

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.IMAGE_UNKNOWN);
        assertThat(p.message()).contains("postgresql:latest", "spec.imageName");
    }

    @Test
    void anImageCatalogOfTheNamespace() {
        cnpg.catalog(CloudNativePG.IMAGE_CATALOG, "postgres", Map.of(16, "registry.local/pg@sha256:1616", 17, "registry.local/pg:17.2"));
        cnpg.cluster("orders", 1).catalog(CloudNativePG.IMAGE_CATALOG, "postgres", 16).createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.image()).isEqualTo("registry.local/pg@sha256:1616");
        assertThat(i.major()).isEqualTo(16);
    }

    @Test
    void anImageCatalogOfAnotherNamespaceIsNotSeen() {
        new CnpgObjects(client, "other").catalog(CloudNativePG.IMAGE_CATALOG, "postgres", Map.of(16, "registry.local/pg:16.4"));
        cnpg.cluster("orders", 1).catalog(CloudNativePG.IMAGE_CATALOG, "postgres", 16).createWithInstances();

        Resolution.Problem<?> p = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));

        assertThat(p.reason()).isEqualTo(CnpgReasons.IMAGE_UNKNOWN);
        assertThat(p.message()).contains("ImageCatalog postgres in namespace prod", "does not exist");
    }

    @Test
    void aClusterImageCatalog() {
        cnpg.catalog(CloudNativePG.CLUSTER_IMAGE_CATALOG, "postgres", Map.of(17, "ghcr.io/cloudnative-pg/postgresql:17.2-system-trixie"));
        cnpg.cluster("orders", 1).catalog(CloudNativePG.CLUSTER_IMAGE_CATALOG, "postgres", 17).createWithInstances();

        ResolvedInstance i = instance("orders", InstanceChoice.primary());

        assertThat(i.image()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:17.2-system-trixie");
        assertThat(i.major()).isEqualTo(17);
    }

    @Test
    void anUnknownCatalogOrAMajorNotInItIsAProblem() {
        cnpg.catalog(CloudNativePG.CLUSTER_IMAGE_CATALOG, "postgres", Map.of(17, "ghcr.io/cloudnative-pg/postgresql:17.2"));
        cnpg.cluster("orders", 1).catalog(CloudNativePG.CLUSTER_IMAGE_CATALOG, "postgres", 16).createWithInstances();
        cnpg.cluster("billing", 1).catalog(CloudNativePG.CLUSTER_IMAGE_CATALOG, "postgrse", 17).createWithInstances();

        Resolution.Problem<?> major = problem(resolver.resolveInstance(PROD, "orders", InstanceChoice.primary()));
        Resolution.Problem<?> unknown = problem(resolver.resolveInstance(PROD, "billing", InstanceChoice.primary()));

        assertThat(major.reason()).isEqualTo(CnpgReasons.IMAGE_UNKNOWN);
        assertThat(major.message()).contains("ClusterImageCatalog postgres has no image of PostgreSQL 16", "[17]");
        assertThat(unknown.reason()).isEqualTo(CnpgReasons.IMAGE_UNKNOWN);
        assertThat(unknown.message()).contains("ClusterImageCatalog postgrse", "does not exist");
    }

    // ------------------------------------------------------------------------------ backups

    @Test
    void aCompletedOnlineBackupWithDataAndWalSnapshots() {
        cnpg.cluster("orders", 2).walStorage().spec("postgresUID", 1001).createWithInstances();
        cnpg.backup("nightly", "orders", "orders-2", true).create();

        Resolution<ResolvedBackup> r = resolver.resolveBackup(PROD, "nightly");

        assertThat(r.problem()).isEmpty();
        ResolvedBackup b = r.resolved().orElseThrow();
        assertThat(b.cluster()).isEqualTo("orders");
        assertThat(b.instance()).isEqualTo("orders-2");
        assertThat(b.dataSnapshot()).isEqualTo("nightly");
        assertThat(b.walSnapshot()).isEqualTo("nightly-wal");
        assertThat(b.online()).isTrue();
        assertThat(b.backupLabel()).isEqualTo(CnpgObjects.BACKUP_LABEL).startsWith("START WAL LOCATION");
        assertThat(b.image()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(b.major()).isEqualTo(16);
        assertThat(b.runAsUser()).isEqualTo(1001);
        assertThat(b.dataDirectory()).isEqualTo("pgdata");
        assertThat(b.walDirectory()).isEqualTo("pg_wal");
    }

    @Test
    void theLabelIsReadFromTheSnapshotsAnnotationBeforeTheBackupsStatus() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("nightly", "orders", "orders-1", false).status("backupLabelFile", CnpgObjects.base64("from the status")).create();

        ResolvedBackup b = resolver.resolveBackup(PROD, "nightly").resolved().orElseThrow();

        assertThat(b.backupLabel()).isEqualTo(CnpgObjects.BACKUP_LABEL);
        assertThat(b.walSnapshot()).isNull();
        assertThat(b.walDirectory()).isNull();
    }

    @Test
    void anOfflineBackupNeedsNoLabel() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("cold", "orders", "orders-1", false).offline().create();

        ResolvedBackup b = resolver.resolveBackup(PROD, "cold").resolved().orElseThrow();

        assertThat(b.online()).isFalse();
        assertThat(b.backupLabel()).isNull();
    }

    @Test
    void anOnlineBackupWithoutALabelIsAProblem() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("hot", "orders", "orders-1", false).offline().status("online", true).create();

        Resolution.Problem<?> p = problem(resolver.resolveBackup(PROD, "hot"));

        assertThat(p.reason()).isEqualTo(CnpgReasons.BACKUP_LABEL_MISSING);
    }

    @Test
    void aBackupNotCompletedOrFailed() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("running", "orders", "orders-1", false).status("phase", "running").create();
        cnpg.backup("broken", "orders", "orders-1", false).status("phase", "failed").status("error", "snapshot class missing").create();

        Resolution.Problem<?> running = problem(resolver.resolveBackup(PROD, "running"));
        Resolution.Problem<?> broken = problem(resolver.resolveBackup(PROD, "broken"));

        assertThat(running.reason()).isEqualTo(CnpgReasons.BACKUP_NOT_READY);
        assertThat(running.message()).contains("is running");
        assertThat(broken.reason()).isEqualTo(CnpgReasons.BACKUP_FAILED);
        assertThat(broken.message()).contains("snapshot class missing");
    }

    @Test
    void aBarmanObjectStoreBackupIsNotClonable() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("s3", "orders", "orders-1", false).spec("method", "barmanObjectStore").status("method", "barmanObjectStore")
                .status("snapshotBackupStatus", null).create();
        cnpg.backup("defaulted", "orders", "orders-1", false).spec("method", null).status("method", null).create();

        Resolution.Problem<?> s3 = problem(resolver.resolveBackup(PROD, "s3"));
        Resolution.Problem<?> defaulted = problem(resolver.resolveBackup(PROD, "defaulted"));

        assertThat(s3.reason()).isEqualTo(CnpgReasons.BACKUP_NOT_VOLUME_SNAPSHOT);
        assertThat(s3.message()).contains("method barmanObjectStore", "spec.method volumeSnapshot");
        assertThat(defaulted.reason()).as("spec.method defaults to barmanObjectStore").isEqualTo(CnpgReasons.BACKUP_NOT_VOLUME_SNAPSHOT);
    }

    @Test
    void aSnapshotNotLabelledForTheBackupIsNotUsed() {
        cnpg.cluster("orders", 1).createWithInstances();
        cnpg.backup("nightly", "orders", "orders-1", false).create();
        VolumeSnapshot s = client.resources(VolumeSnapshot.class).inNamespace(PROD).withName("nightly").get();
        s.getMetadata().getLabels().put(CloudNativePG.BACKUP_NAME_LABEL, "weekly");
        client.resources(VolumeSnapshot.class).inNamespace(PROD).resource(s).update();

        Resolution.Problem<?> p = problem(resolver.resolveBackup(PROD, "nightly"));

        assertThat(p.reason()).isEqualTo(CnpgReasons.BACKUP_SNAPSHOT_MISSING);
        assertThat(p.message()).contains("is not labelled cnpg.io/backupName=nightly");
    }

    @Test
    void aBackupOfAnOlderMajorTakesItsImageFromTheCatalog() {
        cnpg.catalog(CloudNativePG.IMAGE_CATALOG, "postgres", Map.of(16, "registry.local/pg:16.6", 17, "registry.local/pg:17.2"));
        cnpg.cluster("orders", 1).catalog(CloudNativePG.IMAGE_CATALOG, "postgres", 17).createWithInstances();
        cnpg.cluster("billing", 1).spec("imageName", "ghcr.io/cloudnative-pg/postgresql:17.2")
                .status("image", "ghcr.io/cloudnative-pg/postgresql:17.2").createWithInstances();
        cnpg.backup("orders-old", "orders", "orders-1", false).create(); // majorVersion 16
        cnpg.backup("billing-old", "billing", "billing-1", false).create();

        ResolvedBackup orders = resolver.resolveBackup(PROD, "orders-old").resolved().orElseThrow();
        Resolution.Problem<?> billing = problem(resolver.resolveBackup(PROD, "billing-old"));

        assertThat(orders.image()).isEqualTo("registry.local/pg:16.6");
        assertThat(orders.major()).isEqualTo(16);
        assertThat(billing.reason()).isEqualTo(CnpgReasons.IMAGE_UNKNOWN);
        assertThat(billing.message()).contains("taken with PostgreSQL 16", "now runs 17");
    }

    @Test
    void noSuchBackupAndABackupWhoseClusterIsGone() {
        cnpg.backup("orphan", "gone", "gone-1", false).create();

        assertThat(problem(resolver.resolveBackup(PROD, "nope")).reason()).isEqualTo(CnpgReasons.BACKUP_NOT_FOUND);
        Resolution.Problem<?> orphan = problem(resolver.resolveBackup(PROD, "orphan"));
        assertThat(orphan.reason()).isEqualTo(CnpgReasons.CLUSTER_NOT_FOUND);
        assertThat(orphan.message()).contains("Cluster gone of Backup orphan");
    }
}
