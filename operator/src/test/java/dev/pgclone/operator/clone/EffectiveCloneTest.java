package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.resources.TestClones;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The clone every builder and step works with: the user's spec, then a granted CloneSource's
 * location and binding settings, then {@link Defaults}. What it leaves unset is decided nowhere else.
 */
class EffectiveCloneTest {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final Path CRDS = Path.of("..", "crds");

    private static CloneSource cloneSource(String specYaml) {
        return SERIALIZATION.unmarshal("""
                apiVersion: pgclone.dev/v1alpha1
                kind: CloneSource
                metadata:
                  name: orders
                  namespace: prod
                spec:
                """ + specYaml.indent(2), CloneSource.class);
    }

    private static DatabaseClone ofCloneSource(String extraSpecYaml) {
        return TestClones.clone("orders-review", "staging", """
                source:
                  cloneSource:
                    name: orders
                    namespace: prod
                """ + extraSpecYaml);
    }

    private static final CloneSource CNPG_SOURCE = cloneSource("""
            pvcName: orders-1
            dataDirectory: pgdata
            volumeSnapshotClassName: csi-snapclass
            checkpoint:
              secretName: orders-superuser
            postgres:
              image: ghcr.io/cloudnative-pg/postgresql:16.4
              runAsUser: 26
              superuser: app_owner
            allowedNamespaces: [staging]
            postClone:
              sql: "UPDATE customers SET email = 'user' || id || '@example.test';"
              timeout: 10m
            """);

    @Test
    void whatTheUserLeavesOutGetsTheDefaults() {
        var spec = EffectiveClone.of(TestClones.minimal(), null).getSpec();

        assertThat(spec.getPostgres().getRunAsUser()).isEqualTo(999L).isEqualTo(Defaults.RUN_AS_USER);
        assertThat(spec.getPostgres().getSuperuser()).isEqualTo("postgres").isEqualTo(Defaults.SUPERUSER);
        assertThat(spec.getIsolation()).isEqualTo("strict").isEqualTo(Defaults.ISOLATION);
        assertThat(spec.getService().getType()).isEqualTo("ClusterIP").isEqualTo(Defaults.SERVICE_TYPE);
        assertThat(spec.getCredentials().getDatabase()).isEqualTo("postgres").isEqualTo(Defaults.DATABASE);
        // no roles, no passwords Secret, no scripts: nothing is invented where the user asked for nothing
        assertThat(spec.getCredentials().getRoles()).isNull();
        assertThat(spec.getCredentials().getSecretName()).isNull();
        assertThat(spec.getPostClone()).isNull();
        assertThat(spec.getTtl()).isNull();
        // no default image: the source's major version is the user's to name
        assertThat(spec.getPostgres().getImage()).isEqualTo("postgres:16");
        assertThat(spec.getSource().getPvcName()).isEqualTo("data-orders-0");
        assertThat(spec.getSource().getNamespace()).as("the clone's own namespace, found by CloneContext").isNull();
    }

    @Test
    void aWalVolumeGetsCloudNativePgsWalDirectoryUnlessTheUserNamesOne() {
        DatabaseClone clone = TestClones.clone("x", "shop", """
                source:
                  pvcName: orders-1
                  walPvcName: orders-1-wal
                  checkpoint: {secretName: orders-superuser}
                postgres: {image: "postgres:16"}
                """);
        assertThat(EffectiveClone.of(clone, null).getSpec().getSource().getWalDirectory()).isEqualTo("pg_wal").isEqualTo(Defaults.WAL_DIRECTORY);
        clone.getSpec().getSource().setWalDirectory("wal/pg_wal");
        assertThat(EffectiveClone.of(clone, null).getSpec().getSource().getWalDirectory()).isEqualTo("wal/pg_wal");
        // without a WAL volume there is no WAL directory to name
        assertThat(EffectiveClone.of(TestClones.minimal(), null).getSpec().getSource().getWalDirectory()).isNull();
    }

    @Test
    void aSpecWithoutAPostgresSectionStillGetsTheServerDefaults() {
        DatabaseClone clone = TestClones.clone("x", "shop", """
                source:
                  snapshotName: nightly
                """);
        var pg = EffectiveClone.of(clone, null).getSpec().getPostgres();
        assertThat(pg.getRunAsUser()).isEqualTo(Defaults.RUN_AS_USER);
        assertThat(pg.getSuperuser()).isEqualTo(Defaults.SUPERUSER);
        assertThat(pg.getImage()).isNull();
    }

    @Test
    void whatTheUserWroteIsKept() {
        DatabaseClone clone = TestClones.clone("checkout", "payments", """
                source:
                  pvcName: data-checkout-0
                postgres:
                  image: bitnami/postgresql:15.7.0
                  runAsUser: 1001
                  superuser: admin
                credentials:
                  roles: [checkout]
                  database: checkout
                  secretName: checkout-passwords
                postClone:
                  sql: "SELECT 1;"
                  timeout: 2h
                isolation: none
                service:
                  type: LoadBalancer
                """);
        var spec = EffectiveClone.of(clone, null).getSpec();

        assertThat(spec.getPostgres().getRunAsUser()).isEqualTo(1001L);
        assertThat(spec.getPostgres().getSuperuser()).isEqualTo("admin");
        assertThat(spec.getIsolation()).isEqualTo("none");
        assertThat(spec.getService().getType()).isEqualTo("LoadBalancer");
        assertThat(spec.getCredentials().getDatabase()).isEqualTo("checkout");
        assertThat(spec.getCredentials().getRoles()).containsExactly("checkout");
        assertThat(spec.getCredentials().getSecretName()).isEqualTo("checkout-passwords");
        assertThat(spec.getPostClone().getTimeout()).isEqualTo("2h");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "\t"})
    void aBlankSuperuserOrDatabaseIsLikeNone(String blank) {
        DatabaseClone clone = TestClones.minimal();
        clone.getSpec().getPostgres().setSuperuser(blank);
        clone.getSpec().setCredentials(new dev.pgclone.operator.api.v1alpha1.CredentialsSpec());
        clone.getSpec().getCredentials().setDatabase(blank);
        var spec = EffectiveClone.of(clone, null).getSpec();

        assertThat(spec.getPostgres().getSuperuser()).isEqualTo(Defaults.SUPERUSER);
        assertThat(spec.getCredentials().getDatabase()).isEqualTo(Defaults.DATABASE);
    }

    @Test
    void postCloneSqlWithoutATimeoutGetsTheDefaultOne() {
        DatabaseClone clone = TestClones.minimal();
        clone.getSpec().setPostClone(new dev.pgclone.operator.api.v1alpha1.PostCloneSpec());
        clone.getSpec().getPostClone().setSql("UPDATE users SET email = NULL;");
        var postClone = EffectiveClone.of(clone, null).getSpec().getPostClone();

        assertThat(postClone.getTimeout()).isEqualTo("30m");
        // the written default, the one a script without a limit gets, and the one the CRD describes are one duration
        assertThat(Duration.parse("PT" + postClone.getTimeout().toUpperCase(java.util.Locale.ROOT)))
                .isEqualTo(Defaults.POST_CLONE_TIMEOUT)
                .isEqualTo(new SqlScript("x.sql", "SELECT 1;").timeout());
        assertThat(clone.getSpec().getPostClone().getTimeout()).as("the clone itself").isNull();
    }

    @Test
    void theClonePassedInIsNotChanged() {
        DatabaseClone clone = TestClones.minimal();
        String before = SERIALIZATION.asJson(clone);

        DatabaseClone effective = EffectiveClone.of(clone, CNPG_SOURCE);

        assertThat(SERIALIZATION.asJson(clone)).isEqualTo(before);
        assertThat(effective).isNotSameAs(clone);
        assertThat(effective.getMetadata().getUid()).isEqualTo(clone.getMetadata().getUid());
        assertThat(effective.getMetadata().getName()).isEqualTo(clone.getMetadata().getName());
    }

    @Test
    void aCloneSourceGivesTheLocationAndItsServerSettings() {
        DatabaseClone clone = ofCloneSource("""
                credentials:
                  roles: [app]
                postClone:
                  sql: "UPDATE flags SET on = true;"
                """);
        var spec = EffectiveClone.of(clone, CNPG_SOURCE).getSpec();

        assertThat(spec.getSource().getPvcName()).isEqualTo("orders-1");
        assertThat(spec.getSource().getNamespace()).isEqualTo("prod");
        assertThat(spec.getSource().getDataDirectory()).isEqualTo("pgdata");
        assertThat(spec.getSource().getVolumeSnapshotClassName()).isEqualTo("csi-snapclass");
        assertThat(spec.getSource().getCheckpoint().getSecretName()).isEqualTo("orders-superuser");
        // still a clone of the CloneSource: its rules keep applying (describeSource, restoreFrom, the grant)
        assertThat(spec.getSource().getCloneSource().getName()).isEqualTo("orders");
        assertThat(spec.getSource().getCloneSource().getNamespace()).isEqualTo("prod");
        assertThat(spec.getPostgres().getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(spec.getPostgres().getRunAsUser()).isEqualTo(26L);
        assertThat(spec.getPostgres().getSuperuser()).isEqualTo("app_owner");
        // the clone's own parts stay its own, defaulted as any clone's
        assertThat(spec.getCredentials().getRoles()).containsExactly("app");
        assertThat(spec.getCredentials().getDatabase()).isEqualTo(Defaults.DATABASE);
        assertThat(spec.getPostClone().getSql()).isEqualTo("UPDATE flags SET on = true;");
        assertThat(spec.getPostClone().getTimeout()).as("the source's 10m bounds its own scripts, not the clone's")
                .isEqualTo(Defaults.POST_CLONE_TIMEOUT_TEXT);
        assertThat(spec.getIsolation()).isEqualTo(Defaults.ISOLATION);
    }

    @Test
    void theCloneSourcesSettingsWinOverTheClones() {
        // the grant refuses a clone that sets them differently; were one to get this far, production's owners still decide
        DatabaseClone clone = ofCloneSource("""
                postgres:
                  image: postgres:16
                  runAsUser: 999
                  superuser: postgres
                """);
        var pg = EffectiveClone.of(clone, CNPG_SOURCE).getSpec().getPostgres();

        assertThat(pg.getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(pg.getRunAsUser()).isEqualTo(26L);
        assertThat(pg.getSuperuser()).isEqualTo("app_owner");
    }

    @Test
    void whatTheCloneSourceLeavesOpenTheCloneOrTheDefaultsDecide() {
        CloneSource imageOnly = cloneSource("""
                pvcName: data-orders-0
                postgres:
                  image: postgres:16
                  superuser: " "
                allowedNamespaces: [staging]
                """);
        var defaulted = EffectiveClone.of(ofCloneSource(""), imageOnly).getSpec();
        assertThat(defaulted.getPostgres().getImage()).isEqualTo("postgres:16");
        assertThat(defaulted.getPostgres().getRunAsUser()).isEqualTo(Defaults.RUN_AS_USER);
        assertThat(defaulted.getPostgres().getSuperuser()).as("a blank superuser binds nothing").isEqualTo(Defaults.SUPERUSER);
        assertThat(defaulted.getSource().getDataDirectory()).as("the volume root").isNull();
        assertThat(defaulted.getSource().getCheckpoint()).isNull();

        var own = EffectiveClone.of(ofCloneSource("""
                postgres:
                  runAsUser: 1001
                  superuser: admin
                """), imageOnly).getSpec().getPostgres();
        assertThat(own.getRunAsUser()).isEqualTo(1001L);
        assertThat(own.getSuperuser()).isEqualTo("admin");
    }

    @Test
    void aCloneOfACloneSourceIsAlwaysIsolatedStrictly() {
        // SpecValidator refuses isolation none beside cloneSource; the effective clone holds to it regardless
        DatabaseClone clone = ofCloneSource("isolation: none\n");
        assertThat(EffectiveClone.of(clone, CNPG_SOURCE).getSpec().getIsolation()).isEqualTo("strict");
        assertThat(EffectiveClone.of(clone, null).getSpec().getIsolation()).as("no CloneSource granted: the clone's own choice").isEqualTo("none");
    }

    @Test
    void aCloneSourceCannotLeaveTheCloneOnItsOwnLocation() {
        // the validator refuses these fields beside cloneSource; the CloneSource's values replace them regardless
        DatabaseClone clone = ofCloneSource("");
        clone.getSpec().getSource().setNamespace("staging");
        clone.getSpec().getSource().setDataDirectory("elsewhere");
        var source = EffectiveClone.of(clone, CNPG_SOURCE).getSpec().getSource();
        assertThat(source.getNamespace()).isEqualTo("prod");
        assertThat(source.getDataDirectory()).isEqualTo("pgdata");
    }

    @Test
    void inputWithoutWhatItNeedsIsRefusedWithAReason() {
        assertThatThrownBy(() -> EffectiveClone.of(null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without spec");
        DatabaseClone noSpec = TestClones.minimal();
        noSpec.setSpec(null);
        assertThatThrownBy(() -> EffectiveClone.of(noSpec, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("validate it first");
        DatabaseClone noSource = TestClones.minimal();
        noSource.getSpec().setSource(null);
        assertThatThrownBy(() -> EffectiveClone.of(noSource, CNPG_SOURCE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spec.source.cloneSource");
        CloneSource noSourceSpec = cloneSource("{}");
        noSourceSpec.setSpec(null);
        assertThatThrownBy(() -> EffectiveClone.of(ofCloneSource(""), noSourceSpec)).isInstanceOf(IllegalArgumentException.class);
        // without a CloneSource a clone needs no spec.source to be defaulted: the validator is where that is reported
        assertThat(EffectiveClone.of(noSource, null).getSpec().getPostgres().getRunAsUser()).isEqualTo(Defaults.RUN_AS_USER);
    }

    /**
     * The API server applies the CRD's defaults; the fabric8 mock, and an object read before
     * defaulting, do not. Either way the workflow must see the same clone, and the CRD must not
     * default what a CloneSource decides (a default there would hide that the user left it open).
     */
    @Test
    void theCrdDefaultsAreDefaultsAndLeaveTheCloneSourceItsSay() throws IOException {
        assertThat(crdDefaults("databaseclones.pgclone.dev-v1.yml")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "spec.isolation", Defaults.ISOLATION,
                "spec.service.type", Defaults.SERVICE_TYPE,
                "spec.credentials.database", Defaults.DATABASE));
        assertThat(crdDefaults("refreshschedules.pgclone.dev-v1.yml")).containsExactlyInAnyOrderEntriesOf(Map.of(
                "spec.timeZone", Defaults.TIME_ZONE,
                "spec.suspend", String.valueOf(Defaults.SUSPEND),
                "spec.historyLimit", String.valueOf(Defaults.HISTORY_LIMIT),
                "spec.template.spec.isolation", Defaults.ISOLATION,
                "spec.template.spec.service.type", Defaults.SERVICE_TYPE,
                "spec.template.spec.credentials.database", Defaults.DATABASE));
        assertThat(crdDefaults("clonesources.pgclone.dev-v1.yml")).isEmpty();
    }

    private static CloudNativePGStatus backupUsed(String wal) {
        CloudNativePGStatus used = new CloudNativePGStatus();
        used.setCluster("orders");
        used.setInstance("orders-2");
        used.setBackup("nightly");
        used.setData("nightly");
        used.setWal(wal);
        used.setImage("ghcr.io/cloudnative-pg/postgresql:16.4");
        used.setRunAsUser(26L);
        return used;
    }

    @Test
    void aCloudNativePGBackupIsAGivenDataSnapshotWithItsWalSnapshotAndLabelOutsideTheApi() {
        DatabaseClone clone = TestClones.clone("from-nightly", "shop", "source: {cloudNativePGBackup: nightly}");
        DatabaseClone effective = EffectiveClone.of(clone, null, backupUsed("nightly-wal"), "START WAL LOCATION: 0/5000028\n");

        var source = effective.getSpec().getSource();
        assertThat(source.getSnapshotName()).isEqualTo("nightly");
        assertThat(source.getPvcName()).as("nothing is snapshotted").isNull();
        assertThat(source.getWalPvcName()).as("no online backup on a source of our own").isNull();
        assertThat(source.getWalSnapshotName()).isEqualTo("nightly-wal");
        assertThat(source.getWalDirectory()).isEqualTo("pg_wal");
        assertThat(source.getDataDirectory()).isEqualTo("pgdata");
        assertThat(source.getBackupLabel()).isEqualTo("START WAL LOCATION: 0/5000028\n");
        assertThat(source.getCheckpoint()).isNull();
        assertThat(effective.getSpec().getPostgres().getImage()).isEqualTo("ghcr.io/cloudnative-pg/postgresql:16.4");
        assertThat(effective.getSpec().getPostgres().getRunAsUser()).isEqualTo(26L);
        // not API: never serialized, so never written anywhere, and a JSON copy does not carry them
        String json = SERIALIZATION.asJson(effective);
        assertThat(json).doesNotContain("walSnapshotName").doesNotContain("backupLabel").doesNotContain("START WAL LOCATION");
        assertThat(clone.getSpec().getSource().getSnapshotName()).as("the clone itself is not changed").isNull();
    }

    @Test
    void withoutWalSnapshotABackupHasNoWalDirectoryAndTheUsersImageAndUidWin() {
        DatabaseClone clone = TestClones.clone("from-nightly", "shop",
                "source: {cloudNativePGBackup: nightly}\npostgres: {image: 'registry.example/postgres:16.4', runAsUser: 1001}");
        var spec = EffectiveClone.of(clone, null, backupUsed(null), null).getSpec();

        assertThat(spec.getSource().getWalSnapshotName()).isNull();
        assertThat(spec.getSource().getWalDirectory()).isNull();
        assertThat(spec.getSource().getBackupLabel()).isNull();
        assertThat(spec.getPostgres().getImage()).isEqualTo("registry.example/postgres:16.4");
        assertThat(spec.getPostgres().getRunAsUser()).isEqualTo(1001L);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "source: {pvcName: data-orders-0}\npostgres: {image: 'postgres:16'}",
            "source: {pvcName: data-orders-0}\npostgres: {image: 'postgres:16'}\nservice: {}\ncredentials: {roles: [app]}",
            "source: {snapshotName: nightly}\npostgres: {image: 'postgres:16', runAsUser: 26}\nservice: {type: NodePort}\ncredentials: {}",
    })
    void aCloneTheApiServerDefaultedAndOneItDidNotHaveTheSameEffectiveForm(String specYaml) throws IOException {
        DatabaseClone written = TestClones.clone("orders-staging", "shop", specYaml);
        JsonNode schema = crd("databaseclones.pgclone.dev-v1.yml").at("/spec/versions/0/schema/openAPIV3Schema");
        ObjectNode tree = SERIALIZATION.convertValue(written, ObjectNode.class);
        applyDefaults(schema, tree);
        DatabaseClone defaulted = SERIALIZATION.convertValue(tree, DatabaseClone.class);
        assertThat(SERIALIZATION.asJson(defaulted)).as("the API server's defaulting changed something").isNotEqualTo(SERIALIZATION.asJson(written));

        assertThat(SERIALIZATION.asJson(EffectiveClone.of(defaulted, null))).isEqualTo(SERIALIZATION.asJson(EffectiveClone.of(written, null)));
    }

    private static JsonNode crd(String file) throws IOException {
        return new YAMLMapper().readTree(CRDS.resolve(file).toFile());
    }

    /** Every {@code default} in a CRD's schema, by the dotted path of its field. */
    private static Map<String, String> crdDefaults(String file) throws IOException {
        JsonNode crd = crd(file);
        assertThat(crd.at("/spec/versions")).as("versions of %s", file).hasSize(1);
        Map<String, String> defaults = new TreeMap<>();
        collectDefaults(crd.at("/spec/versions/0/schema/openAPIV3Schema"), "", defaults);
        return defaults;
    }

    private static void collectDefaults(JsonNode schema, String path, Map<String, String> into) {
        if (schema.has("default")) {
            into.put(path, schema.get("default").asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            collectDefaults(property.getValue(), path.isEmpty() ? property.getKey() : path + "." + property.getKey(), into);
        }
        if (schema.has("items")) {
            collectDefaults(schema.get("items"), path + "[]", into);
        }
    }

    /** Structural defaulting as the API server does it: a missing field gets its default where its parent object exists. */
    private static void applyDefaults(JsonNode schema, JsonNode object) {
        if (!object.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
            var property = it.next();
            JsonNode value = object.get(property.getKey());
            if (value == null && property.getValue().has("default")) {
                ((ObjectNode) object).set(property.getKey(), property.getValue().get("default").deepCopy());
            } else if (value != null) {
                applyDefaults(property.getValue(), value);
            }
        }
    }
}
