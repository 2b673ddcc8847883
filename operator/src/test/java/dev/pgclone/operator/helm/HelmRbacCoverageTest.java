package dev.pgclone.operator.helm;

import dev.pgclone.operator.status.BackoffPolicy;
import dev.pgclone.testkit.cluster.ClusterStandIns;
import dev.pgclone.operator.testing.SteppedClock;
import dev.pgclone.operator.testing.StandIns;

import dev.pgclone.operator.testing.ApiServerTest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.clone.BackgroundWork;
import dev.pgclone.operator.clone.ImageAllowList;
import dev.pgclone.operator.testing.ScriptedRehearsalRunner;
import dev.pgclone.operator.rehearsal.RehearsalWork;
import dev.pgclone.operator.rehearsal.RehearsalEvidence;
import dev.pgclone.operator.rehearsal.MigrationRehearsalReconciler;
import dev.pgclone.operator.api.v1alpha1.MigrationRehearsal;
import dev.pgclone.operator.clone.CloneMetrics;
import dev.pgclone.operator.clone.ClonePodAddress;
import dev.pgclone.operator.clone.DatabaseCloneReconciler;
import dev.pgclone.operator.helm.Chart.Grant;
import dev.pgclone.operator.refresh.RefreshScheduleReconciler;
import dev.pgclone.operator.source.CloneSourceReconciler;
import dev.pgclone.operator.testing.OperatorHarness;
import dev.pgclone.operator.testing.TestOperatorKey;
import dev.pgclone.operator.testing.RecordingCheckpointer;
import dev.pgclone.operator.testing.RecordingPreparer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC against what the operator really does: the real reconcilers, with leader
 * election on, run a clone lifecycle (checkpoint Secret, post-clone ConfigMap, ttl expiry, delete)
 * and a RefreshSchedule through two refreshes and its deletion on the mock API server. Every
 * request the operator's own client sends is recorded and reduced to (API group, resource, verb);
 * each must be granted by the chart's default install, and each grant must have been used or be
 * listed below with the reason the scenario cannot show it.
 */
@ApiServerTest
class HelmRbacCoverageTest {

    private static final String NS = "team-1";

    /** Granted by the chart but not seen here, and why the operator needs them. Kept small on purpose. */
    static final Map<String, String> GRANTED_BUT_NOT_EXERCISED = Map.ofEntries(
            Map.entry("postgresql.cnpg.io/clusters:get", "spec.source.cloudNativePG: the scenario has no CloudNativePG; CloudNativePgEndToEndIT"
                    + " clones a Cluster with the chart's RBAC on the real API server, CloudNativePGResolverTest reads every kind on the mock"),
            Map.entry("postgresql.cnpg.io/backups:get", "spec.source.cloudNativePGBackup (CloudNativePGResolverTest)"),
            Map.entry("postgresql.cnpg.io/imagecatalogs:get", "a Cluster's imageCatalogRef (CloudNativePGResolverTest)"),
            Map.entry("postgresql.cnpg.io/clusterimagecatalogs:get", "a Cluster's imageCatalogRef to a ClusterImageCatalog (CloudNativePGResolverTest)"),
            Map.entry("pgclone.dev/databaseclones/finalizers:update", "children carry ownerReferences with blockOwnerDeletion: true; with the "
                    + "OwnerReferencesPermissionEnforcement admission plugin (OpenShift, hardened clusters) setting it needs update on the "
                    + "owner's finalizers subresource; the mock server does not check it"),
            Map.entry("pgclone.dev/refreshschedules/finalizers:update", "same, for the clones, Service and Secrets a RefreshSchedule owns"),
            Map.entry("core/pods:delete", "PodStep deletes a clone Pod that ended or no longer matches the spec; PreparationStep discards a "
                    + "half-prepared clone after an operator restart"),
            Map.entry("core/persistentvolumeclaims:delete", "PreparationStep discards a half-prepared clone's volume after an operator restart"),
            Map.entry("core/configmaps:update", "BootstrapConfigStep rewrites a bootstrap ConfigMap that drifted from the operator's script"),
            Map.entry("core/secrets:delete", "a role removed from credentials.roles loses its Secret (SecretsStep, ScheduleCredentials)"),
            Map.entry("core/secrets:patch", "ScheduleCredentials edits the schedule's passwords Secret when the template's roles change, and a "
                    + "role Secret whose connection details drifted"),
            Map.entry("core/services:update", "ServiceStep and StableService rewrite a Service that drifted from the desired one"),
            Map.entry("pgclone.dev/databaseclones:get", "the RefreshSchedule reads its newest clone when the informer cache has not seen it yet, "
                    + "and a create that meets 409 Conflict reads the existing object to see whose it is (Ownership)"),
            Map.entry("coordination.k8s.io/leases:update", "fabric8's LeaseLock patches the Lease, but JOSDK's start-up check "
                    + "(LeaderElectionManager.checkLeaseAccess) insists on get, create and update"),
            Map.entry("pgclone.dev/migrationrehearsals/finalizers:update", "same, for the clone, report, Job and Secret a MigrationRehearsal owns"),
            Map.entry("pgclone.dev/clonesources/finalizers:update", "same, for the masked snapshots and their builds a CloneSource owns"),
            Map.entry("batch/jobs:delete", "a migration Job that outlives migration.timeout is deleted (the scenario's Job never runs on the mock)"));

    /** Allowed to every authenticated user by Kubernetes' default system:basic-user ClusterRole. */
    static final Set<String> ALLOWED_TO_EVERYONE = Set.of("authorization.k8s.io/selfsubjectrulesreviews:create");

    private KubernetesMockServer server;
    private KubernetesClient cluster;
    private KubernetesClient operatorClient;
    private ClusterStandIns standIns;
    private Operator operator;
    private BackgroundWork work;
    private RehearsalWork rehearsalWork;
    private final ScriptedRehearsalRunner rehearsalRunner = new ScriptedRehearsalRunner();
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    /** The schedule's clock: a run's clone is named after its minute, so each refresh-now moves it a minute on. */
    private final SteppedClock scheduleClock = new SteppedClock(Instant.parse("2030-01-07T10:00:05Z"));
    private Chart.Rendered chart;

    private void startOperatorOnMockServer() throws Exception {
        chart = Chart.render("");
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
        server.init();
        // JOSDK checks the Lease permissions with a SelfSubjectRulesReview: answer with what the chart grants
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, rulesReview(Chart.NAMESPACE)).always();
        cluster = server.createClient();
        try (var files = Files.list(OperatorHarness.CRD_DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    cluster.resource(cluster.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        }
        standIns = StandIns.start(cluster);
        operatorClient = server.createClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("rbac-recorder", new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                seen.putIfAbsent(grant(request.method(), request.uri().getRawPath(), request.uri().getRawQuery()).toString(),
                        request.method() + " " + request.uri());
            }
        })));
        work = new BackgroundWork(2, 1, 1, 100);
        operator = new Operator(o -> o.withKubernetesClient(operatorClient)
                .withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .checkingCRDAndValidateLocalModel(false)
                .withLeaderElectionConfiguration(new LeaderElectionConfiguration("pgclone-leader", Chart.NAMESPACE,
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE, LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, null, null, false)));
        RecordingPreparer preparer = new RecordingPreparer();
        preparer.answerMasking(OperatorHarness.finishingBuildsOn(cluster));
        operator.register(new DatabaseCloneReconciler(operatorClient, Clock.systemUTC(), work, preparer, new RecordingCheckpointer(),
                ClonePodAddress.podIp(), new CloneMetrics(new SimpleMeterRegistry()), ImageAllowList.allowAll(), TestOperatorKey.KEY, BackoffPolicy.STANDARD));
        operator.register(new RefreshScheduleReconciler(operatorClient, scheduleClock, new SimpleMeterRegistry(), TestOperatorKey.KEY,
                BackoffPolicy.STANDARD));
        operator.register(new CloneSourceReconciler(operatorClient, Clock.systemUTC(), TestOperatorKey.KEY));
        rehearsalWork = new RehearsalWork(1);
        rehearsalRunner.answer(request -> new RehearsalEvidence(request.rehearsal(), request.cloneName(), request.dataAsOf(), "job",
                Instant.now(), Duration.ofSeconds(1), List.of(), null, List.of(), Duration.ZERO, List.of(), List.of(), 10, Duration.ofMillis(100),
                Duration.ofMillis(100)));
        operator.register(new MigrationRehearsalReconciler(operatorClient, Clock.systemUTC(), TestOperatorKey.KEY, BackoffPolicy.STANDARD,
                rehearsalWork, rehearsalRunner, ClonePodAddress.podIp(), dev.pgclone.operator.rehearsal.MigrationImages.allowAll()));
        operator.start();
    }

    /**
     * Awaitility fails a wait with any exception thrown on any thread meanwhile. The Java Operator
     * SDK 5.3.2 throws one on its own executor when it removes the finalizer of a clone the mock API
     * server deletes at once and then races its retry timer with the deletion event ("Task already
     * scheduled or cancelled"); it logs it, and this test is about which requests are made and
     * granted, so the waits here fail on their conditions only.
     */
    @org.junit.jupiter.api.BeforeAll
    static void waitsIgnoreOtherThreadsExceptions() {
        org.awaitility.Awaitility.doNotCatchUncaughtExceptionsByDefault();
    }

    @org.junit.jupiter.api.AfterAll
    static void waitsAsUsual() {
        org.awaitility.Awaitility.reset();
    }

    @AfterEach
    void tearDown() {
        if (operator != null) {
            operator.stop();
        }
        if (work != null) {
            work.shutdown();
        }
        if (rehearsalWork != null) {
            rehearsalWork.shutdown();
        }
        if (standIns != null) {
            standIns.close();
        }
        if (operatorClient != null) {
            operatorClient.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void everyRequestOfACloneLifecycleAndARefreshScheduleIsGrantedByTheChartAndEveryGrantIsUsed() throws Exception {
        startOperatorOnMockServer();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.resources(Lease.class).inNamespace(Chart.NAMESPACE).withName("pgclone-leader").get() != null);

        apply("""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data-orders-0, namespace: team-1}
                spec: {accessModes: [ReadWriteOnce], storageClassName: standard, resources: {requests: {storage: 1Gi}}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: orders-superuser, namespace: team-1}
                stringData: {uri: "postgresql://postgres:secret@orders-rw.team-1.svc:5432/postgres"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: masking, namespace: team-1}
                data: {01-mask.sql: "UPDATE users SET email = 'x';"}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: orders-staging, namespace: team-1}
                spec:
                  source: {pvcName: data-orders-0, checkpoint: {secretName: orders-superuser}}
                  postgres: {image: "postgres:16", runAsUser: 999}
                  credentials: {roles: [app], database: app}
                  postClone: {configMapName: masking}
                ---
                apiVersion: snapshot.storage.k8s.io/v1
                kind: VolumeSnapshot
                metadata: {name: nightly-0601, namespace: team-1}
                spec: {source: {persistentVolumeClaimName: data-orders-0}}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: from-snapshot, namespace: team-1}
                spec:
                  source: {snapshotName: nightly-0601}
                  postgres: {image: "postgres:16", runAsUser: 999}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: short-lived, namespace: team-1}
                spec:
                  source: {pvcName: data-orders-0}
                  postgres: {image: "postgres:16", runAsUser: 999}
                  ttl: 3s
                """);
        awaitPhase("orders-staging", "Ready");
        awaitPhase("from-snapshot", "Ready");
        await().atMost(Duration.ofSeconds(30)).until(() -> clone("short-lived") == null);
        cluster.resources(DatabaseClone.class).inNamespace(NS).withName("orders-staging").delete();
        cluster.resources(DatabaseClone.class).inNamespace(NS).withName("from-snapshot").delete();

        apply("""
                apiVersion: pgclone.dev/v1alpha1
                kind: RefreshSchedule
                metadata: {name: nightly, namespace: team-1}
                spec:
                  schedule: "0 6 * * *"
                  historyLimit: 0
                  template:
                    spec:
                      source: {pvcName: data-orders-0}
                      postgres: {image: "postgres:16", runAsUser: 999}
                      credentials: {roles: [app], database: app}
                """);
        // a rehearsal whose migration is the team's own tool: its clone, the Job and its connection Secret, the report
        apply("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: migrations, namespace: team-1}
                data: {migrate.sql: "ALTER TABLE orders ADD COLUMN note text;"}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata: {name: add-note, namespace: team-1}
                spec:
                  clone: {spec: {source: {pvcName: data-orders-0}, postgres: {image: "postgres:16", runAsUser: 999}}}
                  migration: {job: {image: "postgres:16", command: [psql, -f, /migrations/migrate.sql], configMapName: migrations}}
                """);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var r = cluster.resources(MigrationRehearsal.class).inNamespace(NS).withName("add-note").get();
            return r.getStatus() != null && r.getStatus().getVerdict() != null;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> clone("add-note-clone") == null);
        assertThat(cluster.batch().v1().jobs().inNamespace(NS).withName("add-note-migration").get()).as("the migration Job").isNotNull();
        cluster.resources(MigrationRehearsal.class).inNamespace(NS).withName("add-note").delete();

        refreshNow("1");
        awaitActive("nightly-203001071001");
        refreshNow("2");
        awaitActive("nightly-203001071002");
        await().atMost(Duration.ofSeconds(30)).until(() -> clone("nightly-203001071001") == null);
        cluster.resources(RefreshSchedule.class).inNamespace(NS).withName("nightly").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.resources(DatabaseClone.class).inNamespace(NS).list().getItems().isEmpty());

        // a clone of production in another namespace through a CloneSource granted by namespace label, then withdrawn by deletion
        apply("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: prod-1}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: team-1, labels: {pgclone.dev/may-clone-orders: "true"}}
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: data-orders-0, namespace: prod-1}
                spec: {accessModes: [ReadWriteOnce], storageClassName: standard, resources: {requests: {storage: 1Gi}}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: orders-superuser, namespace: prod-1}
                stringData: {uri: "postgresql://postgres:secret@orders-rw.prod-1.svc:5432/postgres"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: masking, namespace: prod-1}
                data: {01-mask.sql: "UPDATE users SET email = 'x';"}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: CloneSource
                metadata: {name: orders, namespace: prod-1}
                spec:
                  pvcName: data-orders-0
                  checkpoint: {secretName: orders-superuser}
                  postgres: {image: "postgres:16"}
                  allowedNamespaceSelector: {matchLabels: {pgclone.dev/may-clone-orders: "true"}}
                  postClone: {configMapName: masking}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: from-prod, namespace: team-1}
                spec:
                  source: {cloneSource: {name: orders, namespace: prod-1}}
                """);
        awaitPhase("from-prod", "Ready");
        // the same production in masking mode Snapshot: a build in prod-1 publishes a masked snapshot, a clone restores it
        apply("""
                apiVersion: pgclone.dev/v1alpha1
                kind: CloneSource
                metadata: {name: orders-masked, namespace: prod-1}
                spec:
                  pvcName: data-orders-0
                  postgres: {image: "postgres:16"}
                  allowedNamespaceSelector: {matchLabels: {pgclone.dev/may-clone-orders: "true"}}
                  postClone: {configMapName: masking}
                  masking: {mode: Snapshot}
                ---
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata: {name: from-masked, namespace: team-1}
                spec:
                  source: {cloneSource: {name: orders-masked, namespace: prod-1}}
                """);
        awaitPhase("from-masked", "Ready");
        cluster.resources(DatabaseClone.class).inNamespace(NS).withName("from-masked").delete();
        cluster.resources(CloneSource.class).inNamespace("prod-1").withName("orders-masked").delete();
        cluster.resources(CloneSource.class).inNamespace("prod-1").withName("orders").delete();
        awaitPhase("from-prod", "Failed");
        cluster.resources(DatabaseClone.class).inNamespace(NS).withName("from-prod").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.resources(DatabaseClone.class).inNamespace(NS).list().getItems().isEmpty()
                && cluster.resources(CloneSource.class).inNamespace("prod-1").list().getItems().isEmpty());

        Set<String> granted = grantedByChart();
        Map<String, String> notGranted = new TreeMap<>(seen);
        notGranted.keySet().removeAll(granted);
        notGranted.keySet().removeAll(ALLOWED_TO_EVERYONE);
        assertThat(notGranted).as("requests the operator made that the chart does not grant (one example request each)").isEmpty();

        Set<String> unused = new TreeSet<>(granted);
        unused.removeAll(seen.keySet());
        unused.removeAll(GRANTED_BUT_NOT_EXERCISED.keySet());
        assertThat(unused).as("granted by the chart, never used in the scenario and not listed with a reason; seen: %s", new TreeSet<>(seen.keySet()))
                .isEmpty();
        assertThat(GRANTED_BUT_NOT_EXERCISED.keySet()).as("listed reasons must be about grants the chart has").isSubsetOf(granted);
    }

    @Test
    void requestsAreReducedToTheirApiGroupResourceAndVerb() {
        assertThat(grant("GET", "/api/v1/namespaces/a/pods", null)).hasToString("core/pods:list");
        assertThat(grant("GET", "/api/v1/namespaces/a/pods", "labelSelector=x&watch=true")).hasToString("core/pods:watch");
        assertThat(grant("GET", "/api/v1/pods", "watch=1")).hasToString("core/pods:watch");
        assertThat(grant("GET", "/api/v1/namespaces/a/pods/p", null)).hasToString("core/pods:get");
        assertThat(grant("PATCH", "/apis/pgclone.dev/v1alpha1/namespaces/a/databaseclones/c/status", null))
                .hasToString("pgclone.dev/databaseclones/status:patch");
        assertThat(grant("PUT", "/apis/coordination.k8s.io/v1/namespaces/a/leases/l", null)).hasToString("coordination.k8s.io/leases:update");
        assertThat(grant("POST", "/apis/snapshot.storage.k8s.io/v1/namespaces/a/volumesnapshots", null))
                .hasToString("snapshot.storage.k8s.io/volumesnapshots:create");
        assertThat(grant("DELETE", "/api/v1/namespaces/a/secrets/s", null)).hasToString("core/secrets:delete");
        assertThat(grant("DELETE", "/api/v1/namespaces/a/secrets", null)).hasToString("core/secrets:deletecollection");
        assertThat(grant("GET", "/apis/storage.k8s.io/v1/storageclasses/fast", null)).hasToString("storage.k8s.io/storageclasses:get");
    }

    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?$");

    /** An API request as RBAC sees it: group, resource[/subresource] and verb. */
    static Grant grant(String method, String path, String query) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a resource request: " + method + " " + path);
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2);
        String name = m.group(3);
        String sub = m.group(4);
        // /api/v1/namespaces/x (the namespace itself) is matched as resource=x above; RBAC calls it namespaces
        if (path.matches("^/api/v1/namespaces/[^/]+$")) {
            resource = "namespaces";
            name = path.substring(path.lastIndexOf('/') + 1);
        }
        boolean watch = query != null && (query.contains("watch=true") || query.contains("watch=1"));
        String verb = switch (method) {
            case "GET" -> name == null ? (watch ? "watch" : "list") : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> throw new IllegalArgumentException(method);
        };
        return new Grant(group, sub == null ? resource : resource + "/" + sub, verb);
    }

    private Set<String> grantedByChart() {
        List<PolicyRule> rules = new ArrayList<>();
        chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
        Set<String> out = new TreeSet<>();
        Chart.grants(rules).forEach(g -> out.add(g.toString()));
        return out;
    }

    /** What a real API server would answer the operator about its permissions in a namespace, from the chart. */
    private SelfSubjectRulesReview rulesReview(String namespace) {
        var review = new SelfSubjectRulesReviewBuilder().withNewSpec().withNamespace(namespace).endSpec().withNewStatus()
                .withIncomplete(false);
        List<PolicyRule> rules = new ArrayList<>();
        chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        chart.all(Role.class).stream().filter(r -> namespace.equals(r.getMetadata().getNamespace())).forEach(r -> rules.addAll(r.getRules()));
        for (PolicyRule rule : rules) {
            review.addToResourceRules(new ResourceRuleBuilder().withApiGroups(rule.getApiGroups()).withResources(rule.getResources())
                    .withVerbs(rule.getVerbs()).withResourceNames(rule.getResourceNames()).build());
        }
        return review.endStatus().build();
    }

    private void apply(String yaml) {
        for (HasMetadata o : Chart.parse(yaml)) {
            cluster.resource(o).create();
        }
    }

    private DatabaseClone clone(String name) {
        return cluster.resources(DatabaseClone.class).inNamespace(NS).withName(name).get();
    }

    private void awaitPhase(String name, String phase) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            DatabaseClone c = clone(name);
            assertThat(c).isNotNull();
            assertThat(c.getStatus()).isNotNull();
            assertThat(c.getStatus().getPhase()).as("%s: %s", name, c.getStatus().getConditions()).isEqualTo(phase);
        });
    }

    private void refreshNow(String value) {
        scheduleClock.advance(Duration.ofMinutes(1));
        cluster.resources(RefreshSchedule.class).inNamespace(NS).withName("nightly").patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"" + RefreshSchedule.REFRESH_NOW + "\":\"" + value + "\"}}}");
    }

    private void awaitActive(String clone) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            RefreshSchedule s = cluster.resources(RefreshSchedule.class).inNamespace(NS).withName("nightly").get();
            assertThat(s.getStatus()).isNotNull();
            assertThat(s.getStatus().getActiveClone()).isEqualTo(clone);
        });
    }
}
