package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What only a real API server checks, on the local cluster's real kube-apiserver with the CRDs as
 * {@code kubectl apply -f crds/} installed them, and the real operator jar with the Helm chart's
 * RBAC: the CEL rules and the rest of the CRD schemas, name limits of the objects the operator
 * derives from a clone's name, the split between an object and its status subresource, and
 * optimistic concurrency (409) with the operator writing while a user edits. The fabric8 mock the
 * unit tests run on checks none of these. One cluster, one sample production database and one
 * operator for the whole class.
 */
@ExtendWith(SharedCluster.Resolver.class)
class RealApiServerIT {

    static final String API_VERSION = "pgclone.dev/v1alpha1";
    static final String CLONE = "DatabaseClone";
    static final String SCHEDULE = "RefreshSchedule";
    static final String SOURCE = "CloneSource";
    static final String REHEARSAL = "MigrationRehearsal";
    /** Objects that only the API server looks at: their sources do not exist, so the operator only reports them missing. */
    static final String SCHEMA_NS = "schema";
    static final String SPLIT_NS = "split";
    static final String CONFLICT_NS = "conflicts";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(150);

    /** Production, on the shared cluster in a namespace of this class's own. */
    static final String PROD_NS = "e2e-api-prod";

    static LocalCluster cluster;
    static KubernetesClient client;
    static SampleProduction prod;
    static OperatorProcess operator;
    static SharedCluster.TestNamespaces namespaces;

    @BeforeAll
    static void start(SharedCluster shared) {
        org.junit.jupiter.api.Assumptions.assumeTrue(LocalCluster.ApiKind.fromEnvironment() == LocalCluster.ApiKind.REAL,
                "CLUSTER=mock: what only a real API server checks cannot be shown on the mock");
        cluster = shared.cluster();
        client = cluster.client();
        operator = shared.operator();
        namespaces = shared.namespaces(PROD_NS, SCHEMA_NS, SPLIT_NS, CONFLICT_NS);
        prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(PROD_NS).scale(1));
    }

    /** Production stopped even when the test failed, then the namespaces deleted; the shared cluster checks for leftovers at its end. */
    @AfterAll
    static void stop() {
        try {
            if (prod != null) {
                prod.close();
            }
        } finally {
            if (namespaces != null) {
                namespaces.close();
            }
        }
    }

    // ------------------------------------------------------------------ 1. the CRDs as installed, CEL rules, schema

    @Test
    void kubectlApplyOfTheCrdsWasAcceptedAndTheServerKeepsEveryRule() throws IOException {
        Kubectl.assumePresent();
        // the cluster's start ran kubectl apply -f crds/; kubectl diff (a server-side dry run of applying them again)
        // finds no difference only if the server took the files whole
        var diff = new Kubectl(cluster.kubeconfig()).run(Duration.ofSeconds(60), "diff", "-f", EndToEnd.CRDS.toString());
        assertThat(diff.exitCode()).as("kubectl diff -f crds/: %s%s", diff.stdout(), diff.stderr()).isZero();
        assertThat(diff.stdout()).isEmpty();
        for (CustomResourceDefinition file : crdFiles()) {
            String name = file.getMetadata().getName();
            CustomResourceDefinition served = client.apiextensions().v1().customResourceDefinitions().withName(name).get();
            Map<String, String> conditions = new HashMap<>();
            served.getStatus().getConditions().forEach(c -> conditions.put(c.getType(), c.getStatus()));
            assertThat(conditions).as("conditions of CRD %s", name).containsEntry("Established", "True").containsEntry("NamesAccepted", "True")
                    .doesNotContainKey("NonStructuralSchema");
            assertThat(constraints(served)).as("constraints of %s as the server stores them", name).isEqualTo(constraints(file));
        }
    }

    /**
     * One object per case, created (or created and then updated) in namespace {@value #SCHEMA_NS}:
     * a rejecting case must get a 422 whose message contains the rule's text, an accepting one must
     * be stored. {@link #everyConstraintOfTheCrdsHasItsCases()} keeps this table complete.
     */
    static Stream<Arguments> schemaCases() {
        String pg = "postgres: {image: \"postgres:16\"}";
        String exactlyOne = "set exactly one of spec.source.pvcName, snapshotName, cloneSource, cloudNativePG and cloudNativePGBackup";
        String fromCloneSource = "with spec.source.cloneSource, namespace, volumeSnapshotClassName, dataDirectory and checkpoint come from the "
                + "CloneSource: remove them";
        String immutable = "spec.source is immutable: create a new DatabaseClone to clone another source";
        String sourceImage = "spec.postgres.image is required: the image every clone of this source runs (or name a CloudNativePG Cluster in"
                + " spec.cloudNativePG)";
        String sourceOne = "set exactly one of spec.pvcName and spec.cloudNativePG";
        String sourceCnpgDir = "with spec.cloudNativePG the data directory comes from CloudNativePG: remove spec.dataDirectory";
        String cnpgOwn = "with spec.source.cloudNativePG or cloudNativePGBackup the volumes and directories come from CloudNativePG, in the"
                + " clone's namespace: remove dataDirectory and namespace";
        String walBeside = "spec.source.walPvcName is the WAL volume beside spec.source.pvcName: set pvcName too, or remove walPvcName";
        String walInside = "spec.source.walDirectory is a path inside spec.source.walPvcName: set walPvcName, or remove walDirectory";
        String ref = "cloneSource: {name: orders, namespace: prod}";
        String snapshotOnly = "schedule and maxAge apply to mode Snapshot only";
        String sqlMigration = "{sql: {inline: \"SELECT 1\"}}";
        String oneMigration = "set exactly one of migration.sql and migration.job";
        String sqlText = "migration.sql needs inline, configMapName or both";
        String rowsOrValue = "a validation expects either rows or value";
        String runsOnce = "a MigrationRehearsal's spec is immutable: it runs once; create a new MigrationRehearsal to rehearse again";
        List<SchemaCase> cases = List.of(
                // CEL: exactly one source
                SchemaCase.rejects(CLONE, exactlyOne, "{source: {pvcName: data, snapshotName: nightly}, " + pg + "}"),
                SchemaCase.rejects(CLONE, exactlyOne, "{source: {dataDirectory: pgdata}, " + pg + "}"),
                SchemaCase.rejects(CLONE, exactlyOne, "{source: {pvcName: data, " + ref + "}}"),
                SchemaCase.acceptsRule(CLONE, exactlyOne, "{source: {snapshotName: nightly}, " + pg + "}"),
                SchemaCase.acceptsRule(CLONE, exactlyOne, "{source: {" + ref + "}}"),
                SchemaCase.rejects(SCHEDULE, exactlyOne, schedule("{source: {pvcName: data, snapshotName: nightly}, " + pg + "}")),
                SchemaCase.rejects(SCHEDULE, exactlyOne, schedule("{source: {}, " + pg + "}")),
                SchemaCase.acceptsRule(SCHEDULE, exactlyOne, schedule("{source: {pvcName: data}, " + pg + "}")),
                // CEL: what a CloneSource decides is not set by the clone
                SchemaCase.rejects(CLONE, fromCloneSource, "{source: {" + ref + ", namespace: prod}}"),
                SchemaCase.rejects(CLONE, fromCloneSource, "{source: {" + ref + ", volumeSnapshotClassName: fast}}"),
                SchemaCase.rejects(CLONE, fromCloneSource, "{source: {" + ref + ", dataDirectory: pgdata}}"),
                SchemaCase.rejects(CLONE, fromCloneSource, "{source: {" + ref + ", checkpoint: {secretName: su}}}"),
                SchemaCase.acceptsRule(CLONE, fromCloneSource, "{source: {pvcName: data, namespace: schema, volumeSnapshotClassName: fast, "
                        + "dataDirectory: pgdata, checkpoint: {secretName: su}}, " + pg + "}"),
                SchemaCase.rejects(SCHEDULE, fromCloneSource, schedule("{source: {" + ref + ", dataDirectory: pgdata}}")),
                SchemaCase.acceptsRule(SCHEDULE, fromCloneSource, schedule("{source: {" + ref + "}}")),
                // CEL: CloudNativePG sources bring their own volumes and directories, in the clone's namespace
                SchemaCase.acceptsRule(CLONE, exactlyOne, "{source: {cloudNativePG: {cluster: orders, instance: preferStandby}}}"),
                SchemaCase.rejects(CLONE, exactlyOne, "{source: {cloudNativePG: {cluster: orders}, cloudNativePGBackup: nightly}}"),
                SchemaCase.rejects(CLONE, cnpgOwn, "{source: {cloudNativePG: {cluster: orders}, dataDirectory: pgdata}}"),
                SchemaCase.rejects(CLONE, cnpgOwn, "{source: {cloudNativePGBackup: nightly, namespace: prod}}"),
                SchemaCase.acceptsRule(CLONE, cnpgOwn, "{source: {cloudNativePGBackup: nightly, checkpoint: {secretName: su}}}"),
                SchemaCase.rejects(SCHEDULE, cnpgOwn, schedule("{source: {cloudNativePG: {cluster: orders}, dataDirectory: pgdata}}")),
                SchemaCase.acceptsRule(SCHEDULE, cnpgOwn, schedule("{source: {cloudNativePG: {cluster: orders}}}")),
                SchemaCase.rejects(REHEARSAL, cnpgOwn, rehearsal("{source: {cloudNativePG: {cluster: orders}, namespace: prod}}", sqlMigration)),
                SchemaCase.acceptsRule(REHEARSAL, cnpgOwn, rehearsal("{source: {cloudNativePG: {cluster: orders}}}", sqlMigration)),
                SchemaCase.rejects(CLONE, "pattern spec.source.cloudNativePG.instance", "should match",
                        "{source: {cloudNativePG: {cluster: orders, instance: Orders_2}}}"),
                // CEL: a WAL volume is beside a data volume, and its directory inside a WAL volume
                SchemaCase.rejects(CLONE, walBeside, "{source: {snapshotName: nightly, walPvcName: data-wal}, " + pg + "}"),
                SchemaCase.acceptsRule(CLONE, walBeside, "{source: {pvcName: data, walPvcName: data-wal, checkpoint: {secretName: su}}, " + pg + "}"),
                SchemaCase.rejects(SCHEDULE, walBeside, schedule("{source: {snapshotName: nightly, walPvcName: data-wal}, " + pg + "}")),
                SchemaCase.rejects(CLONE, walInside, "{source: {pvcName: data, walDirectory: pg_wal}, " + pg + "}"),
                SchemaCase.acceptsRule(CLONE, walInside, "{source: {pvcName: data, walPvcName: data-wal, walDirectory: wal/pg_wal}, " + pg + "}"),
                SchemaCase.acceptsRule(SCHEDULE, walBeside, schedule("{source: {pvcName: data, walPvcName: data-wal}, " + pg + "}")),
                SchemaCase.rejects(SCHEDULE, walInside, schedule("{source: {pvcName: data, walDirectory: pg_wal}, " + pg + "}")),
                SchemaCase.acceptsRule(SCHEDULE, walInside, schedule("{source: {pvcName: data, walPvcName: data-wal, walDirectory: pg_wal}, " + pg + "}")),
                SchemaCase.rejects(REHEARSAL, walBeside, rehearsal("{source: {snapshotName: nightly, walPvcName: data-wal}, " + pg + "}", sqlMigration)),
                SchemaCase.acceptsRule(REHEARSAL, walBeside, rehearsal("{source: {pvcName: data, walPvcName: data-wal}, " + pg + "}", sqlMigration)),
                SchemaCase.rejects(REHEARSAL, walInside, rehearsal("{source: {pvcName: data, walDirectory: pg_wal}, " + pg + "}", sqlMigration)),
                SchemaCase.acceptsRule(REHEARSAL, walInside, rehearsal("{source: {pvcName: data, walPvcName: data-wal, walDirectory: pg_wal}, " + pg + "}", sqlMigration)),
                // CEL transition rule: the source of an existing clone
                SchemaCase.rejectsUpdate(CLONE, immutable, "{source: {pvcName: data-a}, " + pg + "}", "{source: {pvcName: data-b}, " + pg + "}"),
                SchemaCase.rejectsUpdate(CLONE, immutable, "{source: {pvcName: data-a}, " + pg + "}", "{source: {snapshotName: nightly}, " + pg + "}"),
                SchemaCase.rejectsUpdate(CLONE, immutable, "{source: {pvcName: data-a}, " + pg + "}",
                        "{source: {pvcName: data-a, dataDirectory: pgdata}, " + pg + "}"),
                SchemaCase.acceptsUpdate(CLONE, immutable, "{source: {pvcName: data-a}, " + pg + "}",
                        "{source: {pvcName: data-a}, postgres: {image: \"postgres:17\"}, ttl: 48h}"),
                // the rest of the schema: pattern, minimum, required, type
                SchemaCase.rejects(CLONE, "pattern spec.ttl", "should match '^([0-9]+(d|h|m|s))+$'",
                        "{source: {pvcName: data}, " + pg + ", ttl: 1 day}"),
                SchemaCase.accepts(CLONE, "pattern spec.ttl", "{source: {pvcName: data}, " + pg + ", ttl: 1d12h30m}"),
                SchemaCase.rejects(CLONE, "pattern spec.isolation", "should match '^(strict|none)$'",
                        "{source: {pvcName: data}, " + pg + ", isolation: loose}"),
                SchemaCase.rejects(CLONE, "pattern spec.service.type", "should match '^(ClusterIP|NodePort|LoadBalancer)$'",
                        "{source: {pvcName: data}, " + pg + ", service: {type: ExternalName}}"),
                SchemaCase.rejects(CLONE, "pattern spec.source.pvcName", "should match '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'",
                        "{source: {pvcName: Data_Orders}, " + pg + "}"),
                SchemaCase.rejects(SOURCE, "pattern spec.snapshotMaxAge", "should match",
                        "{pvcName: data, postgres: {image: \"postgres:16\"}, snapshotMaxAge: soon}"),
                SchemaCase.rejects(CLONE, "minimum spec.postgres.runAsUser", "should be greater than or equal to 1",
                        "{source: {pvcName: data}, postgres: {image: \"postgres:16\", runAsUser: 0}}"),
                SchemaCase.accepts(CLONE, "minimum spec.postgres.runAsUser", "{source: {pvcName: data}, postgres: {image: \"postgres:16\", runAsUser: 1}}"),
                SchemaCase.rejects(SCHEDULE, "minimum spec.historyLimit", "should be greater than or equal to 0",
                        "{schedule: \"@daily\", historyLimit: -1, template: {spec: {source: {pvcName: data}, " + pg + "}}}"),
                SchemaCase.accepts(SCHEDULE, "minimum spec.historyLimit",
                        "{schedule: \"@daily\", suspend: true, historyLimit: 0, template: {spec: {source: {pvcName: data}, " + pg + "}}}"),
                // CEL: a masked-snapshot schedule or age means nothing in mode PerClone
                SchemaCase.rejects(SOURCE, snapshotOnly, "{pvcName: data, postgres: {image: \"postgres:16\"}, masking: {schedule: \"@daily\"}}"),
                SchemaCase.rejects(SOURCE, snapshotOnly, "{pvcName: data, postgres: {image: \"postgres:16\"}, masking: {mode: PerClone, maxAge: 1h}}"),
                SchemaCase.acceptsRule(SOURCE, snapshotOnly, "{pvcName: data, postgres: {image: \"postgres:16\"}, masking: {mode: Snapshot, maxAge: 24h}}"),
                SchemaCase.rejects(SOURCE, "pattern spec.masking.mode", "should match '^(PerClone|Snapshot)$'",
                        "{pvcName: data, postgres: {image: \"postgres:16\"}, masking: {mode: Nightly}}"),
                SchemaCase.rejects(SOURCE, "minimum spec.maxClones", "should be greater than or equal to 1",
                        "{pvcName: data, postgres: {image: \"postgres:16\"}, maxClones: 0}"),
                SchemaCase.rejects(CLONE, "required spec.source", "spec.source: Required value", "{" + pg + "}"),
                SchemaCase.rejects(CLONE, "required spec.source.checkpoint.secretName", "spec.source.checkpoint.secretName: Required value",
                        "{source: {pvcName: data, checkpoint: {}}, " + pg + "}"),
                SchemaCase.rejects(CLONE, "required spec.source.cloneSource.namespace", "spec.source.cloneSource.namespace: Required value",
                        "{source: {cloneSource: {name: orders}}}"),
                SchemaCase.rejects(SCHEDULE, "required spec.schedule", "spec.schedule: Required value",
                        "{template: {spec: {source: {pvcName: data}, " + pg + "}}}"),
                // CEL: a CloneSource names a PVC or a CloudNativePG Cluster, which brings its directory and image
                SchemaCase.rejects(SOURCE, sourceImage, "{pvcName: data, postgres: {}}"),
                SchemaCase.rejects(SOURCE, sourceImage, "{pvcName: data}"),
                SchemaCase.acceptsRule(SOURCE, sourceImage, "{pvcName: data, postgres: {image: \"postgres:16\"}}"),
                SchemaCase.acceptsRule(SOURCE, sourceImage, "{cloudNativePG: {cluster: orders}}"),
                SchemaCase.rejects(SOURCE, sourceOne, "{pvcName: data, cloudNativePG: {cluster: orders}, postgres: {image: \"postgres:16\"}}"),
                SchemaCase.rejects(SOURCE, sourceOne, "{postgres: {image: \"postgres:16\"}}"),
                SchemaCase.acceptsRule(SOURCE, sourceOne, "{cloudNativePG: {cluster: orders, instance: preferStandby}}"),
                SchemaCase.rejects(SOURCE, sourceCnpgDir, "{cloudNativePG: {cluster: orders}, dataDirectory: pgdata}"),
                SchemaCase.acceptsRule(SOURCE, sourceCnpgDir, "{pvcName: data, dataDirectory: pgdata, postgres: {image: \"postgres:16\"}}"),
                SchemaCase.rejects(SOURCE, "required spec.cloudNativePG.cluster", "spec.cloudNativePG.cluster: Required value",
                        "{cloudNativePG: {instance: primary}}"),
                SchemaCase.rejects(CLONE, "type spec.postgres.runAsUser", "must be of type integer",
                        "{source: {pvcName: data}, postgres: {image: \"postgres:16\", runAsUser: \"999\"}}"),
                // MigrationRehearsal: its clone template carries the clone's source rules, and its own
                SchemaCase.rejects(REHEARSAL, exactlyOne, rehearsal("{source: {pvcName: data, snapshotName: nightly}, " + pg + "}", sqlMigration)),
                SchemaCase.acceptsRule(REHEARSAL, exactlyOne, rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration)),
                SchemaCase.rejects(REHEARSAL, fromCloneSource, rehearsal("{source: {" + ref + ", dataDirectory: pgdata}}", sqlMigration)),
                SchemaCase.acceptsRule(REHEARSAL, fromCloneSource, rehearsal("{source: {" + ref + "}}", sqlMigration)),
                SchemaCase.rejects(REHEARSAL, oneMigration, rehearsal("{source: {pvcName: data}, " + pg + "}",
                        "{sql: {inline: \"SELECT 1\"}, job: {image: \"flyway/flyway:10\"}}")),
                SchemaCase.rejects(REHEARSAL, oneMigration, rehearsal("{source: {pvcName: data}, " + pg + "}", "{timeout: 5m}")),
                SchemaCase.acceptsRule(REHEARSAL, oneMigration, rehearsal("{source: {pvcName: data}, " + pg + "}",
                        "{job: {image: \"flyway/flyway:10\", args: [migrate]}}")),
                SchemaCase.rejects(REHEARSAL, sqlText, rehearsal("{source: {pvcName: data}, " + pg + "}", "{sql: {}}")),
                SchemaCase.acceptsRule(REHEARSAL, sqlText, rehearsal("{source: {pvcName: data}, " + pg + "}", "{sql: {configMapName: migrations}}")),
                SchemaCase.rejects(REHEARSAL, rowsOrValue, rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration, "checks: {validations: [{name: none-left, sql: \"SELECT 1\", rows: 0, value: \"1\"}]}")),
                SchemaCase.acceptsRule(REHEARSAL, rowsOrValue, rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration, "checks: {validations: [{name: none-left, sql: \"SELECT 1\", rows: 0}]}")),
                // the stored clone template carries the server's defaults (isolation: strict), so the cases spell them out
                SchemaCase.rejectsUpdate(REHEARSAL, runsOnce, rehearsal("{source: {pvcName: data}, isolation: strict, " + pg + "}", sqlMigration),
                        rehearsal("{source: {pvcName: data}, isolation: strict, " + pg + "}", "{sql: {inline: \"SELECT 2\"}}")),
                SchemaCase.acceptsUpdate(REHEARSAL, runsOnce, rehearsal("{source: {pvcName: data}, isolation: strict, " + pg + "}", sqlMigration),
                        rehearsal("{source: {pvcName: data}, isolation: strict, " + pg + "}", sqlMigration)),
                SchemaCase.rejects(REHEARSAL, "pattern spec.limits.maxAccessExclusiveLock", "should match",
                        rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration, "limits: {maxAccessExclusiveLock: 1 second}")),
                SchemaCase.rejects(REHEARSAL, "maximum spec.workload.queries[].concurrency", "should be less than or equal to 16",
                        rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration, "workload: {queries: [{name: q, sql: \"SELECT 1\", concurrency: 17}]}")),
                SchemaCase.rejects(REHEARSAL, "maxLength spec.workload.queries[].name", "may not be more than 36 bytes",
                        rehearsal("{source: {pvcName: data}, " + pg + "}", sqlMigration, "workload: {queries: [{name: " + "q".repeat(37) + ", sql: \"SELECT 1\"}]}")));
        return cases.stream().map(c -> Arguments.of(c.describe(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaCases")
    void theApiServerEnforcesTheCrdRules(String description, SchemaCase c) {
        String name = "case-" + Integer.toHexString(description.hashCode() & 0xfffffff);
        try {
            if (c.update() == null) {
                if (c.expect() == null) {
                    GenericKubernetesResource stored = resources(c.kind(), SCHEMA_NS).resource(object(c.kind(), name, c.spec())).create();
                    assertThat(stored.getMetadata().getUid()).as("stored").isNotBlank();
                } else {
                    assertRejected(() -> resources(c.kind(), SCHEMA_NS).resource(object(c.kind(), name, c.spec())).create(), c.expect());
                }
            } else {
                resources(c.kind(), SCHEMA_NS).resource(object(c.kind(), name, c.spec())).create();
                Map<String, Object> newSpec = spec(object(c.kind(), name, c.update()));
                // the server adds defaults (isolation: strict) to what is stored
                if (c.expect() == null) {
                    GenericKubernetesResource updated = update(c.kind(), SCHEMA_NS, name, o -> o.setAdditionalProperty("spec", newSpec));
                    assertThat(spec(updated)).as("the updated spec").containsAllEntriesOf(spec(object(c.kind(), name, c.update())));
                } else {
                    assertRejected(() -> update(c.kind(), SCHEMA_NS, name, o -> o.setAdditionalProperty("spec", newSpec)), c.expect());
                    assertThat(spec(resources(c.kind(), SCHEMA_NS).withName(name).get())).as("the stored spec, unchanged")
                            .containsAllEntriesOf(spec(object(c.kind(), name, c.spec())));
                }
            }
        } finally {
            resources(c.kind(), SCHEMA_NS).withName(name).delete();
        }
    }

    /**
     * The table above must name only constraints the CRDs have, must reject and accept something
     * for every CEL rule, and must reject something for every kind of schema constraint they use:
     * a rule added to the Java model without a case here fails this test.
     */
    @Test
    void everyConstraintOfTheCrdsHasItsCases() throws IOException {
        Map<String, Set<String>> inCrds = new TreeMap<>();
        for (CustomResourceDefinition crd : crdFiles()) {
            inCrds.put(crd.getSpec().getNames().getKind(), constraints(crd));
        }
        List<SchemaCase> cases = schemaCases().map(a -> (SchemaCase) a.get()[1]).toList();
        for (SchemaCase c : cases) {
            assertThat(inCrds.get(c.kind())).as("constraint of case %s in the %s CRD", c.describe(), c.kind()).contains(c.constraint());
        }
        Set<String> kinds = new LinkedHashSet<>();
        inCrds.forEach((kind, constraints) -> {
            for (String constraint : constraints) {
                String type = constraint.substring(0, constraint.indexOf(' '));
                kinds.add(type);
                if (type.equals("rule")) {
                    assertThat(cases).as("a rejecting case of %s's %s", kind, constraint)
                            .anyMatch(c -> c.kind().equals(kind) && c.constraint().equals(constraint) && c.expect() != null);
                    assertThat(cases).as("an accepting case of %s's %s", kind, constraint)
                            .anyMatch(c -> c.kind().equals(kind) && c.constraint().equals(constraint) && c.expect() == null);
                }
            }
        });
        kinds.remove("rule");
        for (String type : kinds) {
            assertThat(cases).as("a rejecting case of a %s constraint", type)
                    .anyMatch(c -> c.constraint().startsWith(type + " ") && c.expect() != null);
        }
        assertThat(kinds).as("kinds of schema constraints in the CRDs").contains("pattern", "minimum", "required", "type");
        assertThat(inCrds.get(CLONE).stream().filter(c -> c.startsWith("rule "))).as("CEL rules of DatabaseClone").hasSize(6);
        assertThat(inCrds.get(SCHEDULE).stream().filter(c -> c.startsWith("rule "))).as("CEL rules of RefreshSchedule").hasSize(5);
        assertThat(inCrds.get(SOURCE).stream().filter(c -> c.startsWith("rule "))).as("CEL rules of CloneSource").hasSize(4);
    }

    @Test
    void theServerFillsInDefaultsAndDropsUnknownFields() {
        GenericKubernetesResource clone = resources(CLONE, SCHEMA_NS).resource(object(CLONE, "defaults",
                "{source: {pvcName: data}, postgres: {image: \"postgres:16\"}, credentials: {roles: [app]}, service: {}, surplus: 1}")).create();
        Map<String, Object> spec = spec(clone);
        assertThat(spec).containsEntry("isolation", "strict").doesNotContainKey("surplus");
        assertThat(spec.get("credentials")).isEqualTo(Map.of("roles", List.of("app"), "database", "postgres"));
        assertThat(spec.get("service")).isEqualTo(Map.of("type", "ClusterIP"));
        GenericKubernetesResource schedule = resources(SCHEDULE, SCHEMA_NS).resource(object(SCHEDULE, "defaults",
                "{schedule: \"@daily\", template: {spec: {source: {pvcName: data}, postgres: {image: \"postgres:16\"}}}}")).create();
        assertThat(spec(schedule)).containsEntry("historyLimit", 1).containsEntry("suspend", false).containsEntry("timeZone", "UTC");
        resources(CLONE, SCHEMA_NS).withName("defaults").delete();
        resources(SCHEDULE, SCHEMA_NS).withName("defaults").delete();
    }

    // ------------------------------------------------------------------ 2. names at the limits

    /**
     * A clone's Service is named after it and its name is a label value on everything it owns: both
     * at most 63 characters, no dots. The API server takes DatabaseClone and RefreshSchedule names
     * up to 253 characters with dots, so the operator itself must refuse the others before it
     * makes anything. At the limit everything works: a 63-character clone, and a 50-character
     * schedule whose clone is named {@code <schedule>-<yyyymmddhhmm>}, 63 characters.
     */
    @Test
    void namesAtTheLimitsServeAndLongerOrDottedOnesAreRefusedBeforeAnythingIsMade() {
        String ns = prod.namespace();
        String longest = "c".repeat(63);
        String longestSchedule = "s".repeat(50);
        create(CLONE, ns, longest, cloneOfProduction());
        GenericKubernetesResource scheduleObject = object(SCHEDULE, longestSchedule, schedule(cloneOfProduction()));
        scheduleObject.getMetadata().setAnnotations(Map.of("pgclone.dev/refresh-now", "first"));
        scheduleObject.getMetadata().setNamespace(ns);
        resources(SCHEDULE, ns).resource(scheduleObject).create();

        // a leading digit: a Service name only from Kubernetes 1.36 on (this server takes it, older ones do not)
        List<String> refusedClones = List.of("d".repeat(64), "e".repeat(253), "orders.staging", "1-orders");
        for (String name : refusedClones) {
            create(CLONE, ns, name, cloneOfProduction());
        }
        List<String> refusedSchedules = List.of("t".repeat(51), "orders.fresh");
        for (String name : refusedSchedules) {
            GenericKubernetesResource s = object(SCHEDULE, name, schedule(cloneOfProduction()));
            s.getMetadata().setAnnotations(Map.of("pgclone.dev/refresh-now", "first"));
            s.getMetadata().setNamespace(ns);
            resources(SCHEDULE, ns).resource(s).create();
        }
        // what the API server itself refuses as a custom resource's name
        assertRejected(() -> create(CLONE, ns, "f".repeat(254), cloneOfProduction()), "must be no more than 253 characters");
        assertRejected(() -> create(CLONE, ns, "Orders", cloneOfProduction()), "a lowercase RFC 1123 subdomain");

        for (String name : refusedClones) {
            Map<String, Object> ready = awaitCondition(CLONE, ns, name, "Ready", "False", "InvalidName", Duration.ofSeconds(30));
            assertThat(ready.get("message").toString()).as("why %s is refused", name).contains("recreate it", "nothing was created");
            assertThat(client.v1().events().inNamespace(ns).list().getItems()).as("Events about %s", name)
                    .anyMatch(e -> name.equals(e.getInvolvedObject().getName()) && "InvalidName".equals(e.getReason())
                            && "Warning".equals(e.getType()));
            assertNothingMadeFor(ns, name);
        }
        for (String name : refusedSchedules) {
            Map<String, Object> ready = awaitCondition(SCHEDULE, ns, name, "Ready", "False", "InvalidName", Duration.ofSeconds(30));
            assertThat(ready.get("message").toString()).contains("metadata.name \"" + name + "\"", "recreate it");
            assertThat(resources(CLONE, ns).withLabel("pgclone.dev/schedule", name).list().getItems()).as("clones of schedule %s", name).isEmpty();
            assertThat(client.secrets().inNamespace(ns).withLabel("pgclone.dev/schedule", name).list().getItems()).isEmpty();
            assertThat(client.services().inNamespace(ns).withName(name).get()).isNull();
        }

        for (String name : List.of(longest)) {
            awaitCondition(CLONE, ns, name, "Ready", "True", "CloneReady", READY_TIMEOUT);
            assertThat(client.services().inNamespace(ns).withName(name).get()).as("Service %s", name).isNotNull();
            assertThat(client.pods().inNamespace(ns).withName(name).get().getMetadata().getLabels()).containsEntry("pgclone.dev/clone", name);
            assertThat(client.secrets().inNamespace(ns).withName(name + "-superuser").get()).isNotNull();
        }
        awaitCondition(SCHEDULE, ns, longestSchedule, "Ready", "True", "CloneServing", READY_TIMEOUT);
        String scheduled = (String) status(resources(SCHEDULE, ns).withName(longestSchedule).get()).get("activeClone");
        assertThat(scheduled).hasSize(63).startsWith(longestSchedule + "-");
        assertThat(client.services().inNamespace(ns).withName(longestSchedule).get().getSpec().getSelector())
                .containsEntry("pgclone.dev/clone", scheduled);

        for (String name : List.of(longest)) {
            resources(CLONE, ns).withName(name).delete();
        }
        resources(SCHEDULE, ns).withName(longestSchedule).delete();
        for (String name : refusedClones) {
            resources(CLONE, ns).withName(name).delete();
        }
        for (String name : refusedSchedules) {
            resources(SCHEDULE, ns).withName(name).delete();
        }
    }

    private static void assertNothingMadeFor(String ns, String clone) {
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).extracting(v -> v.getMetadata().getName())
                .as("VolumeSnapshots").doesNotContain(clone);
        assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName())
                .as("PVCs").doesNotContain(clone);
        assertThat(client.pods().inNamespace(ns).list().getItems()).extracting(p -> p.getMetadata().getName()).as("Pods").doesNotContain(clone);
        assertThat(client.services().inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
                .as("Services").doesNotContain(clone);
        assertThat(client.secrets().inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
                .as("Secrets").noneMatch(n -> n.startsWith(clone + "-"));
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).extracting(c -> c.getMetadata().getName())
                .as("ConfigMaps").noneMatch(n -> n.startsWith(clone + "-"));
    }

    // ------------------------------------------------------------------ 3. object and status subresource

    static Stream<Arguments> statusSplitCases() {
        return Stream.of(
                Arguments.of(CLONE, "{source: {pvcName: data}, postgres: {image: \"postgres:16\"}}", "ttl", "48h", "72h",
                        "postgresVersion", "0.0-marker"),
                Arguments.of(SCHEDULE, schedule("{source: {pvcName: data}, postgres: {image: \"postgres:16\"}}"), "historyLimit", 3, 7,
                        "failedClone", "marker-clone"),
                Arguments.of(SOURCE, "{pvcName: data, postgres: {image: \"postgres:16\"}}", "maxClones", 5, 9, "clones", 4242));
    }

    /**
     * With the status subresource the main resource's update ignores status and the status
     * update ignores everything else, spec and metadata alike; only a spec change moves
     * metadata.generation. The operator relies on both: its status writes cannot undo a user's spec
     * edit, and a user's {@code kubectl apply} cannot forge a status.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("statusSplitCases")
    void anUpdateChangesOnlyItsOwnPartOfTheObject(String kind, String spec, String specField, Object specValue, Object specValueViaStatus,
                                                  String statusField, Object statusMarker) {
        String name = kind.toLowerCase();
        long generation = create(kind, SPLIT_NS, name, spec).getMetadata().getGeneration();

        GenericKubernetesResource afterMain = update(kind, SPLIT_NS, name, o -> {
            spec(o).put(specField, specValue);
            Map<String, Object> status = new LinkedHashMap<>(status(o) == null ? Map.of() : status(o));
            status.put(statusField, statusMarker);
            o.setAdditionalProperty("status", status);
        });
        assertThat(spec(afterMain)).containsEntry(specField, specValue);
        assertThat(afterMain.getMetadata().getGeneration()).as("generation after a spec change").isEqualTo(generation + 1);
        assertThat(statusOf(kind, SPLIT_NS, name)).as("status after an update of the main resource")
                .doesNotContainEntry(statusField, statusMarker);

        GenericKubernetesResource afterStatus = updateStatus(kind, SPLIT_NS, name, o -> {
            spec(o).put(specField, specValueViaStatus);
            Map<String, String> labels = new HashMap<>(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels());
            labels.put("written-through", "status");
            o.getMetadata().setLabels(labels);
            Map<String, Object> status = new LinkedHashMap<>(status(o) == null ? Map.of() : status(o));
            status.put(statusField, statusMarker);
            o.setAdditionalProperty("status", status);
        });
        assertThat(status(afterStatus)).as("the status the status update stored").containsEntry(statusField, statusMarker);
        assertThat(spec(afterStatus)).as("spec after a status update").containsEntry(specField, specValue);
        assertThat(afterStatus.getMetadata().getLabels()).as("labels after a status update").doesNotContainKey("written-through");
        assertThat(afterStatus.getMetadata().getGeneration()).as("generation after a status update").isEqualTo(generation + 1);
        GenericKubernetesResource stored = resources(kind, SPLIT_NS).withName(name).get();
        assertThat(spec(stored)).containsEntry(specField, specValue);
        assertThat(stored.getMetadata().getLabels()).doesNotContainKey("written-through");
        resources(kind, SPLIT_NS).withName(name).delete();
    }

    // ------------------------------------------------------------------ 4. conflicts

    /**
     * An update carries the resourceVersion it was read at; the server refuses it with 409 once
     * the object has moved on, on the main resource and the status subresource alike. A patch
     * without a resourceVersion is not checked, which is how the operator writes (see the test below).
     */
    @Test
    void anUpdateWithAStaleResourceVersionGetsA409() {
        create(CLONE, CONFLICT_NS, "stale", "{source: {pvcName: data}, postgres: {image: \"postgres:16\"}}");
        GenericKubernetesResource read = resources(CLONE, CONFLICT_NS).withName("stale").get();
        GenericKubernetesResource stale = client.getKubernetesSerialization().clone(read);
        update(CLONE, CONFLICT_NS, "stale", o -> o.getMetadata().setLabels(Map.of("first", "writer")));

        stale.getMetadata().setLabels(Map.of("second", "writer"));
        assertConflict(() -> resources(CLONE, CONFLICT_NS).resource(stale).update());
        Map<String, Object> forgedStatus = Map.of("phase", "Ready");
        stale.setAdditionalProperty("status", forgedStatus);
        assertConflict(() -> resources(CLONE, CONFLICT_NS).resource(stale).updateStatus());

        GenericKubernetesResource patched = resources(CLONE, CONFLICT_NS).withName("stale")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"labels\":{\"third\":\"writer\"}}}");
        assertThat(patched.getMetadata().getLabels()).containsEntry("first", "writer").containsEntry("third", "writer")
                .doesNotContainKey("second");
        resources(CLONE, CONFLICT_NS).withName("stale").delete();
    }

    /**
     * A user edits labels and annotations of a clone over and over while the operator takes it to
     * Ready; each edit is an update at the resourceVersion just read, retried on 409 from a fresh
     * read, as kubectl edit and controllers do. The operator's writes to the same object cannot lose
     * them, and cannot be lost to them:
     * <ul>
     *   <li>its status goes through UpdateControl.patchStatus without server-side apply: JOSDK 5.3
     *       sends a JSON Patch (the diff of the status alone, from the cached object to the new
     *       status) to the status subresource with no resourceVersion. Without one there is no
     *       conflict to lose to, the patch touches only status paths, and the status endpoint would
     *       ignore metadata and spec anyway (see the status test above);</li>
     *   <li>its only write to the main resource is JOSDK adding its finalizer: a JSON Patch of
     *       metadata.finalizers that, on 409, JOSDK re-reads and applies again;</li>
     *   <li>the reconciler never updates the DatabaseClone itself (no UpdateControl.updateResource).</li>
     * </ul>
     * So the end state has every label and annotation the user wrote, the finalizer, and the Ready
     * status, and the operator's log shows no failed reconcile of the clone.
     */
    @Test
    void theOperatorTakesACloneToReadyWhileAUserKeepsEditingItAndNeitherLosesAWrite() {
        String ns = prod.namespace();
        String name = "edited-meanwhile";
        create(CLONE, ns, name, cloneOfProduction());
        int edits = 0;
        int conflicts = 0;
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        long readySince = 0;
        while (readySince == 0 || System.nanoTime() - readySince < Duration.ofSeconds(2).toNanos()) {
            assertThat(System.nanoTime()).as("clone %s Ready within %s; operator log:%n%s", name, READY_TIMEOUT, operator.logTail())
                    .isLessThan(deadline);
            GenericKubernetesResource current = resources(CLONE, ns).withName(name).get();
            if (readySince == 0 && "True".equals(condition(current, "Ready").get("status"))) {
                readySince = System.nanoTime();
            }
            Map<String, String> labels = new HashMap<>(current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels());
            labels.put("edit-" + edits, Integer.toString(edits));
            current.getMetadata().setLabels(labels);
            Map<String, String> annotations = new HashMap<>(current.getMetadata().getAnnotations() == null ? Map.of()
                    : current.getMetadata().getAnnotations());
            annotations.put("example.com/edit-" + edits, "by the user");
            current.getMetadata().setAnnotations(annotations);
            try {
                resources(CLONE, ns).resource(current).update();
                edits++;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                conflicts++;
            }
            sleep(Duration.ofMillis(50));
        }
        System.out.printf("%d edits by the user while the operator took %s to Ready, %d of them retried after a 409%n", edits, name, conflicts);

        GenericKubernetesResource end = resources(CLONE, ns).withName(name).get();
        assertThat(edits).as("edits made").isGreaterThan(10);
        for (int i = 0; i < edits; i++) {
            assertThat(end.getMetadata().getLabels()).containsEntry("edit-" + i, Integer.toString(i));
            assertThat(end.getMetadata().getAnnotations()).containsEntry("example.com/edit-" + i, "by the user");
        }
        assertThat(end.getMetadata().getFinalizers()).as("the operator's finalizer").anyMatch(f -> f.contains("pgclone"));
        assertThat(condition(end, "Ready")).containsEntry("status", "True").containsEntry("reason", "CloneReady");
        assertThat(status(end)).containsEntry("phase", "Ready").containsEntry("observedGeneration", end.getMetadata().getGeneration().intValue());
        // the operator is shared with other classes: its log is searched for this object alone, by name and namespace
        assertThat(operatorLog()).as("failed reconciles of %s/%s in the operator's log", ns, name)
                .doesNotContain("ResourceID{name='" + name + "', namespace='" + ns + "'}");
        resources(CLONE, ns).withName(name).delete();
    }

    // ------------------------------------------------------------------ helpers

    /** One row of the schema table: the constraint as {@link #constraints} names it, and the text of the 422 (null: accepted). */
    record SchemaCase(String kind, String constraint, String expect, String spec, String update) {

        static SchemaCase rejects(String kind, String celMessage, String spec) {
            return new SchemaCase(kind, "rule " + celMessage, celMessage, spec, null);
        }

        static SchemaCase rejects(String kind, String constraint, String expect, String spec) {
            return new SchemaCase(kind, constraint, expect, spec, null);
        }

        static SchemaCase acceptsRule(String kind, String celMessage, String spec) {
            return new SchemaCase(kind, "rule " + celMessage, null, spec, null);
        }

        static SchemaCase accepts(String kind, String constraint, String spec) {
            return new SchemaCase(kind, constraint, null, spec, null);
        }

        static SchemaCase rejectsUpdate(String kind, String celMessage, String spec, String update) {
            return new SchemaCase(kind, "rule " + celMessage, celMessage, spec, update);
        }

        static SchemaCase acceptsUpdate(String kind, String celMessage, String spec, String update) {
            return new SchemaCase(kind, "rule " + celMessage, null, spec, update);
        }

        String describe() {
            String rule = constraint.length() > 48 ? constraint.substring(0, 48) + "…" : constraint;
            return kind + " " + (expect == null ? "accepts " : "rejects ") + (update == null ? spec : spec + " -> " + update) + " [" + rule + "]";
        }
    }

    /** A rehearsal's spec with this clone template and migration. */
    private static String rehearsal(String cloneSpec, String migration) {
        return "{clone: {spec: " + cloneSpec + "}, migration: " + migration + "}";
    }

    /** The same with more fields of the rehearsal's spec ({@code limits: {...}}). */
    private static String rehearsal(String cloneSpec, String migration, String more) {
        return "{clone: {spec: " + cloneSpec + "}, migration: " + migration + ", " + more + "}";
    }

    private static String schedule(String templateSpec) {
        return "{schedule: \"0 3 1 1 *\", suspend: true, template: {spec: " + templateSpec + "}}";
    }

    /** The spec of a clone of the sample production database: it becomes Ready. */
    private static String cloneOfProduction() {
        return "{source: {pvcName: %s, dataDirectory: %s}, postgres: {image: \"%s\", runAsUser: %d}}"
                .formatted(prod.pvcName(), SampleProduction.DATA_DIRECTORY, prod.postgresImage(), prod.uid());
    }

    private static GenericKubernetesResource object(String kind, String name, String spec) {
        return client.getKubernetesSerialization().unmarshal("""
                apiVersion: %s
                kind: %s
                metadata: {name: "%s"}
                spec: %s
                """.formatted(API_VERSION, kind, name, spec), GenericKubernetesResource.class);
    }

    private static GenericKubernetesResource create(String kind, String ns, String name, String spec) {
        return resources(kind, ns).resource(object(kind, name, spec)).create();
    }

    private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
            io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, Resource<GenericKubernetesResource>> resources(String kind, String ns) {
        return client.genericKubernetesResources(API_VERSION, kind).inNamespace(ns);
    }

    /** An update at the resourceVersion just read, read and applied again after a 409 (the operator writes status meanwhile). */
    private static GenericKubernetesResource update(String kind, String ns, String name, Consumer<GenericKubernetesResource> change) {
        return retryingConflicts(() -> {
            GenericKubernetesResource current = resources(kind, ns).withName(name).get();
            change.accept(current);
            return resources(kind, ns).resource(current).update();
        });
    }

    private static GenericKubernetesResource updateStatus(String kind, String ns, String name, Consumer<GenericKubernetesResource> change) {
        return retryingConflicts(() -> {
            GenericKubernetesResource current = resources(kind, ns).withName(name).get();
            change.accept(current);
            return resources(kind, ns).resource(current).updateStatus();
        });
    }

    private static GenericKubernetesResource retryingConflicts(java.util.function.Supplier<GenericKubernetesResource> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 20) {
                    throw e;
                }
            }
        }
    }

    private static void assertRejected(Runnable write, String expected) {
        assertThatThrownBy(write::run).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).as("HTTP status; %s", e.getMessage()).isEqualTo(422);
            assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
            assertThat(e.getStatus().getMessage()).contains(expected);
        });
    }

    private static void assertConflict(Runnable write) {
        assertThatThrownBy(write::run).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).as("HTTP status; %s", e.getMessage()).isEqualTo(409);
            assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
            assertThat(e.getStatus().getMessage()).contains("the object has been modified; please apply your changes to the latest version");
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(HasMetadata o) {
        return (Map<String, Object>) ((GenericKubernetesResource) o).getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource o) {
        return (Map<String, Object>) o.getAdditionalProperties().get("status");
    }

    private static Map<String, Object> statusOf(String kind, String ns, String name) {
        Map<String, Object> status = status(resources(kind, ns).withName(name).get());
        return status == null ? Map.of() : status;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> condition(GenericKubernetesResource o, String type) {
        Map<String, Object> status = o == null ? null : status(o);
        if (status != null && status.get("conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                if (c instanceof Map<?, ?> m && type.equals(m.get("type"))) {
                    return (Map<String, Object>) m;
                }
            }
        }
        return Map.of();
    }

    /** Waits for the condition and returns it; on timeout says what the object's conditions were. */
    private static Map<String, Object> awaitCondition(String kind, String ns, String name, String type, String status, String reason,
                                                      Duration timeout) {
        List<Map<String, Object>> found = new ArrayList<>();
        await().atMost(timeout).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            GenericKubernetesResource o = resources(kind, ns).withName(name).get();
            Map<String, Object> c = condition(o, type);
            assertThat(c.get("status") + "/" + c.get("reason")).as("%s %s %s: %s", kind, name, type, o == null ? "gone" : status(o))
                    .isEqualTo(status + "/" + reason);
            found.add(c);
        });
        return found.get(found.size() - 1);
    }

    private static String operatorLog() {
        try {
            return Files.readString(operator.log());
        } catch (IOException e) {
            return fail("cannot read the operator's log " + operator.log(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<CustomResourceDefinition> crdFiles() throws IOException {
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try (Stream<Path> files = Files.list(EndToEnd.CRDS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    crds.add(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class));
                }
            }
        }
        assertThat(crds).as("CRDs in %s", EndToEnd.CRDS).hasSize(4);
        return crds;
    }

    /**
     * Every constraint of a CRD's schema, one string each: {@code rule <message>} for a CEL rule,
     * {@code pattern|minimum|maximum|enum|maxLength|... <path>}, {@code required <path>} for each
     * required property, {@code type <path>} for an integer.
     */
    static Set<String> constraints(CustomResourceDefinition crd) {
        Set<String> out = new LinkedHashSet<>();
        collect(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema(), "", out);
        return out;
    }

    private static void collect(JSONSchemaProps p, String path, Set<String> out) {
        if (p == null) {
            return;
        }
        if (p.getXKubernetesValidations() != null) {
            p.getXKubernetesValidations().forEach(v -> out.add("rule " + v.getMessage()));
        }
        if (p.getPattern() != null) {
            out.add("pattern " + path);
        }
        if (p.getMinimum() != null) {
            out.add("minimum " + path);
        }
        if (p.getMaximum() != null) {
            out.add("maximum " + path);
        }
        if (p.getEnum() != null && !p.getEnum().isEmpty()) {
            out.add("enum " + path);
        }
        if (p.getMaxLength() != null) {
            out.add("maxLength " + path);
        }
        if ("integer".equals(p.getType())) {
            out.add("type " + path);
        }
        if (p.getRequired() != null) {
            p.getRequired().forEach(r -> out.add("required " + (path.isEmpty() ? r : path + "." + r)));
        }
        if (p.getProperties() != null) {
            p.getProperties().forEach((k, v) -> collect(v, path.isEmpty() ? k : path + "." + k, out));
        }
        if (p.getItems() != null) {
            collect(p.getItems().getSchema(), path + "[]", out);
        }
    }
}
