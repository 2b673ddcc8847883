package dev.pgclone.operator.helm;

import static dev.pgclone.operator.helm.Chart.NAMESPACE;
import static dev.pgclone.operator.helm.Chart.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Helm chart rendered with several value sets: what each set must produce, and lint. */
class HelmChartTest {

    private static final String FULLNAME = "pgclone-pgclone-operator";

    @Test
    void lintReportsNoErrorsAndNoWarnings() {
        LintResult result = new Helm(Chart.DIR).lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void chartCrdsAreByteIdenticalToTheCommittedCrds() throws IOException {
        List<Path> committed = Chart.crdFiles(Path.of("..", "crds"));
        List<Path> inChart = Chart.crdFiles(Chart.DIR.resolve("crds"));
        assertThat(inChart.stream().map(p -> p.getFileName().toString()))
                .as("helm/pgclone-operator/crds must hold exactly the files of crds/: cp crds/*.yml helm/pgclone-operator/crds/")
                .containsExactlyElementsOf(committed.stream().map(p -> p.getFileName().toString()).toList());
        for (Path crd : committed) {
            Path copy = Chart.DIR.resolve("crds").resolve(crd.getFileName());
            assertThat(Arrays.equals(Files.readAllBytes(copy), Files.readAllBytes(crd)))
                    .as("helm/pgclone-operator/crds/%s differs from crds/%s (%s): cp crds/*.yml helm/pgclone-operator/crds/",
                            crd.getFileName(), crd.getFileName(), firstDifference(Files.readAllLines(crd), Files.readAllLines(copy)))
                    .isTrue();
        }
    }

    private static String firstDifference(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String e = i < expected.size() ? expected.get(i) : "<end of file>";
            String a = i < actual.size() ? actual.get(i) : "<end of file>";
            if (!e.equals(a)) {
                return "line " + (i + 1) + ": crds/ has [" + e.strip() + "], the chart [" + a.strip() + "]";
            }
        }
        return "line endings or trailing bytes";
    }

    @Test
    void defaultValuesRenderAClusterWideOperatorWithARestrictedPodAndHealthProbes() {
        Chart.Rendered r = render("");
        assertThat(r.objects()).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service",
                "Deployment", "Secret");

        Deployment d = r.one(Deployment.class);
        assertThat(d.getMetadata().getName()).isEqualTo(FULLNAME);
        assertThat(d.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(d.getSpec().getReplicas()).isEqualTo(1);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(r.one(ServiceAccount.class).getMetadata().getName());
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("ghcr.io/pgclone/pgclone-operator:0.1.0");
        assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));

        // restricted Pod Security Standard
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(185L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(c.getResources().getLimits()).containsKey("memory");

        // every namespace: no namespace list in the environment, a ClusterRole bound cluster-wide
        assertThat(env(c)).doesNotContainKey("QUARKUS_OPERATOR_SDK_NAMESPACES")
                .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false")
                .containsEntry("PGCLONE_LEADER_ELECTION_ENABLED", "true");
        ClusterRoleBinding crb = r.all(ClusterRoleBinding.class).stream().filter(b -> !b.getMetadata().getName().endsWith("-cluster"))
                .findFirst().orElseThrow();
        assertThat(crb.getRoleRef().getName()).isEqualTo(watchRole(r).getMetadata().getName());
        assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo(pod.getServiceAccountName());
            assertThat(s.getNamespace()).isEqualTo(NAMESPACE);
        });

        Service svc = r.one(Service.class);
        assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
        assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        assertThat(r.kind("ServiceMonitor")).isEmpty();
        assertThat(r.kind("PrometheusRule")).isEmpty();
    }

    @Test
    void namespaceListGivesARoleAndRoleBindingInEachNamespaceAndClusterWideOnlyClusterScopedResources() {
        Chart.Rendered r = render("watchNamespaces: [team-a, team-b]\n");
        Container c = container(r);
        assertThat(env(c)).containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "team-a,team-b");
        assertOnlyClusterScopedGrantsClusterWide(r);
        List<Role> watchRoles = r.all(Role.class).stream().filter(role -> !role.getMetadata().getName().endsWith("-leader-election")).toList();
        assertThat(watchRoles).extracting(role -> role.getMetadata().getNamespace()).containsExactlyInAnyOrder("team-a", "team-b");
        for (String ns : List.of("team-a", "team-b")) {
            RoleBinding binding = r.all(RoleBinding.class).stream().filter(b -> ns.equals(b.getMetadata().getNamespace())).findFirst().orElseThrow();
            assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
            assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getNamespace()).isEqualTo(NAMESPACE));
        }
        // the same rules as the cluster-wide install, only scoped
        Role teamA = watchRoles.stream().filter(role -> "team-a".equals(role.getMetadata().getNamespace())).findFirst().orElseThrow();
        assertThat(Chart.grants(teamA.getRules())).isEqualTo(Chart.grants(watchRole(render("")).getRules()));
    }

    /** The ClusterRole of a cluster-wide install (not the one for cluster-scoped resources every install has). */
    private static ClusterRole watchRole(Chart.Rendered r) {
        return r.all(ClusterRole.class).stream().filter(role -> !role.getMetadata().getName().endsWith("-cluster")).findFirst().orElseThrow();
    }

    /**
     * A namespaced install grants nothing namespaced cluster-wide: only VolumeSnapshotContents (CloneSource restores), Namespaces
     * (label grants) and ClusterImageCatalogs (a CloudNativePG Cluster's image).
     */
    private static void assertOnlyClusterScopedGrantsClusterWide(Chart.Rendered r) {
        assertThat(r.all(ClusterRole.class)).singleElement().satisfies(role -> {
            assertThat(role.getMetadata().getName()).endsWith("-cluster");
            assertThat(Chart.grants(role.getRules())).extracting(Object::toString).containsExactlyInAnyOrder(
                    "snapshot.storage.k8s.io/volumesnapshotcontents:get", "snapshot.storage.k8s.io/volumesnapshotcontents:create",
                    "snapshot.storage.k8s.io/volumesnapshotcontents:delete", "core/namespaces:get",
                    "postgresql.cnpg.io/clusterimagecatalogs:get");
        });
        assertThat(r.all(ClusterRoleBinding.class)).singleElement()
                .satisfies(b -> assertThat(b.getRoleRef().getName()).isEqualTo(r.one(ClusterRole.class).getMetadata().getName()));
    }

    @Test
    void ownNamespaceWatchesOnlyTheReleaseNamespace() {
        Chart.Rendered r = render("watchNamespaces: own\n");
        assertThat(env(container(r))).containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", NAMESPACE);
        assertOnlyClusterScopedGrantsClusterWide(r);
        assertThat(r.all(Role.class)).extracting(role -> role.getMetadata().getNamespace()).containsOnly(NAMESPACE);
    }

    @Test
    void unknownWatchNamespacesAndLogFormatValuesAreRefused() {
        assertThatThrownBy(() -> render("watchNamespaces: everywhere\n")).hasMessageContaining("watchNamespaces must be all, own or a list");
        assertThatThrownBy(() -> render("logFormat: xml\n")).hasMessageContaining("logFormat must be text or json");
    }

    @Test
    void twoReplicasRunWithLeaderElectionOnALeaseInTheReleaseNamespace() {
        Chart.Rendered r = render("replicas: 2\nleaderElection:\n  enabled: true\n");
        Deployment d = r.one(Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        Map<String, EnvVar> env = envVars(container(r));
        assertThat(env.get("PGCLONE_LEADER_ELECTION_ENABLED").getValue()).isEqualTo("true");
        assertThat(env.get("PGCLONE_LEADER_ELECTION_LEASE_NAME").getValue()).isEqualTo(FULLNAME + "-leader");
        assertThat(env.get("PGCLONE_LEADER_ELECTION_LEASE_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        Role lease = r.all(Role.class).stream().filter(role -> role.getMetadata().getName().endsWith("-leader-election")).findFirst().orElseThrow();
        assertThat(lease.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(Chart.grants(lease.getRules())).extracting(Chart.Grant::toString)
                .containsExactlyInAnyOrder("coordination.k8s.io/leases:get", "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:update",
                        "coordination.k8s.io/leases:patch");
        assertThat(r.all(RoleBinding.class)).anySatisfy(b -> assertThat(b.getRoleRef().getName()).isEqualTo(lease.getMetadata().getName()));
    }

    @Test
    void leaderElectionOffRemovesTheLeaseRoleAndTwoReplicasWithoutItAreRefused() {
        Chart.Rendered r = render("leaderElection:\n  enabled: false\n");
        assertThat(r.all(Role.class)).isEmpty();
        assertThat(env(container(r))).containsEntry("PGCLONE_LEADER_ELECTION_ENABLED", "false").doesNotContainKey("PGCLONE_LEADER_ELECTION_LEASE_NAME");
        assertThatThrownBy(() -> render("replicas: 2\nleaderElection:\n  enabled: false\n")).hasMessageContaining("needs leaderElection.enabled");
    }

    @Test
    void metricsWithServiceMonitorAndPrometheusRuleScrapeTheServiceAndAlertOnTheOperatorsMetrics() {
        Chart.Rendered r = render("""
                metrics:
                  serviceMonitor:
                    enabled: true
                    labels: {release: kube-prometheus-stack}
                  prometheusRule:
                    enabled: true
                """);
        GenericKubernetesResource sm = r.kind("ServiceMonitor").orElseThrow();
        assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        Service svc = r.one(Service.class);
        Map<String, Object> selector = sm.get("spec", "selector", "matchLabels");
        assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf(strings(selector));
        List<Map<String, Object>> endpoints = sm.get("spec", "endpoints");
        assertThat(endpoints).singleElement().satisfies(e -> {
            assertThat(e).containsEntry("path", "/q/metrics");
            assertThat(svc.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo(e.get("port")));
        });

        GenericKubernetesResource rule = r.kind("PrometheusRule").orElseThrow();
        List<Map<String, Object>> groups = rule.get("spec", "groups");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> alerts = (List<Map<String, Object>>) groups.get(0).get("rules");
        Map<String, String> exprs = new java.util.TreeMap<>();
        alerts.forEach(a -> exprs.put((String) a.get("alert"), (String) a.get("expr")));
        assertThat(exprs).containsOnlyKeys("PgcloneCloneStuck", "PgcloneCloneFailed", "PgcloneRefreshFailed");
        // the label values the operator really exports (CloneMetrics.PHASES, RefreshMetrics)
        assertThat(exprs.get("PgcloneCloneStuck")).contains("pgclone_clones{phase!=\"Ready\",phase!=\"Failed\"}");
        assertThat(exprs.get("PgcloneCloneFailed")).contains("pgclone_clones{phase=\"Failed\"}");
        assertThat(exprs.get("PgcloneRefreshFailed")).contains("increase(pgclone_refresh_total{result=\"failure\"}[1h])");
        assertThat(alerts).filteredOn(a -> "PgcloneCloneStuck".equals(a.get("alert"))).singleElement()
                .satisfies(a -> assertThat(a).containsEntry("for", "30m"));
        // Prometheus' own template variables survive Helm's templating
        assertThat(r.yaml()).contains("{{ $labels.phase }}").contains("{{ $value }}");
    }

    @Test
    void jsonLogFormatTurnsOnJsonConsoleLogs() {
        assertThat(env(container(render("logFormat: json\n")))).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
        assertThat(env(container(render("logFormat: text\n")))).containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
    }

    @Test
    void imageValuesOverrideRepositoryTagAndPullPolicy() {
        Container c = container(render("image:\n  repository: registry.example/pgclone\n  tag: e2e\n  pullPolicy: Never\n"));
        assertThat(c.getImage()).isEqualTo("registry.example/pgclone:e2e");
        assertThat(c.getImagePullPolicy()).isEqualTo("Never");
    }

    @Test
    void makeImageDefaultsBuildTheImageTheChartInstallsByDefault() throws IOException {
        String makefile = Files.readString(Path.of("..", "Makefile"));
        java.util.regex.Matcher registry = java.util.regex.Pattern.compile("(?m)^IMAGE_REGISTRY \\?= (\\S+)$").matcher(makefile);
        java.util.regex.Matcher tag = java.util.regex.Pattern.compile("(?m)^IMAGE_TAG \\?= (\\S+)$").matcher(makefile);
        assertThat(registry.find() && tag.find()).as("IMAGE_REGISTRY ?= and IMAGE_TAG ?= in the Makefile").isTrue();
        assertThat(container(render("")).getImage()).isEqualTo(registry.group(1) + ":" + tag.group(1));
    }

    @Test
    void grafanaDashboardIsAConfigMapWithTheSidecarLabelAndAQueryForEveryCustomMetric() throws IOException {
        assertThat(render("").all(ConfigMap.class)).isEmpty();
        ConfigMap cm = render("grafanaDashboard:\n  enabled: true\n").one(ConfigMap.class);
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        JsonNode dashboard = new ObjectMapper().readTree(cm.getData().get("pgclone-operator.json"));
        assertThat(dashboard.get("title").asText()).isEqualTo("pgclone-operator");
        String queries = dashboard.get("panels").findValuesAsText("expr").toString();
        assertThat(queries).contains("pgclone_clones", "pgclone_clone_ready_seconds_bucket", "pgclone_snapshot_ready_seconds_bucket",
                "pgclone_refresh_total");
    }

    static Container container(Chart.Rendered r) {
        return r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    static Map<String, EnvVar> envVars(Container c) {
        Map<String, EnvVar> out = new java.util.LinkedHashMap<>();
        c.getEnv().forEach(e -> out.put(e.getName(), e));
        return out;
    }

    @Test
    void theOperatorKeyIsGeneratedIntoASecretAndReachesTheOperatorAsAnEnvVarOnly() throws Exception {
        Chart.Rendered r = render("");
        io.fabric8.kubernetes.api.model.Secret secret = r.one(io.fabric8.kubernetes.api.model.Secret.class);
        assertThat(secret.getMetadata().getName()).isEqualTo(FULLNAME + "-operator-key");
        assertThat(secret.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        String encoded = secret.getData().get("operator-key");
        String key = new String(java.util.Base64.getDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(key).hasSize(48).matches("[A-Za-z0-9]+");
        assertThat(render("").one(io.fabric8.kubernetes.api.model.Secret.class).getData().get("operator-key"))
                .as("without a cluster to look it up in, every render makes a new one").isNotEqualTo(encoded);

        Deployment d = r.one(Deployment.class);
        EnvVar fromSecret = envVars(container(r)).get("PGCLONE_OPERATOR_KEY");
        assertThat(fromSecret.getValue()).isNull();
        assertThat(fromSecret.getValueFrom().getSecretKeyRef().getName()).isEqualTo(FULLNAME + "-operator-key");
        assertThat(fromSecret.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("operator-key");
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(encoded.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
                .as("the Pod restarts when the key changes, and the checksum is of the very key the Secret holds")
                .containsEntry("checksum/operator-key", java.util.HexFormat.of().formatHex(digest).substring(0, 16));
        // through the env var, not by reading Secrets: the operator needs no Secret permission in its own namespace for it
        assertThat(r.all(Role.class)).noneMatch(role -> NAMESPACE.equals(role.getMetadata().getNamespace())
                && role.getRules().stream().anyMatch(rule -> rule.getResources().contains("secrets")));
    }

    @Test
    void anExistingSecretReplacesTheGeneratedKey() {
        Chart.Rendered r = render("operatorKey: {existingSecret: vault-synced, existingSecretKey: pgclone}\n");
        assertThat(r.all(io.fabric8.kubernetes.api.model.Secret.class)).isEmpty();
        EnvVar fromSecret = envVars(container(r)).get("PGCLONE_OPERATOR_KEY");
        assertThat(fromSecret.getValueFrom().getSecretKeyRef().getName()).isEqualTo("vault-synced");
        assertThat(fromSecret.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("pgclone");
        assertThat(r.one(Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(render("operatorKey: {existingSecret: vault-synced}\npodAnnotations: {team: data}\n").one(Deployment.class)
                .getSpec().getTemplate().getMetadata().getAnnotations()).containsExactly(Map.entry("team", "data"));
    }

    @Test
    void allowedImagesBecomeTheOperatorsAllowListAndAllowEverythingOnlyWhenSaidSo() {
        assertThat(env(container(render("")))).containsEntry("PGCLONE_ALLOWED_IMAGES", "*");
        assertThat(env(container(render("allowedImages: [\"postgres:*\", \"ghcr.io/cloudnative-pg/postgresql:*\"]\n"))))
                .containsEntry("PGCLONE_ALLOWED_IMAGES", "postgres:*,ghcr.io/cloudnative-pg/postgresql:*");
        assertThatThrownBy(() -> render("allowedImages: []\n")).hasMessageContaining("[\"*\"] allows every image");
        assertThatThrownBy(() -> render("allowedImages: \"postgres:*\"\n")).hasMessageContaining("must be a list of image patterns");
        assertThatThrownBy(() -> render("allowedImages: [\"postgres:*,evil/*\"]\n")).hasMessageContaining("is not one image pattern");
        // what the operator makes of the value
        assertThat(dev.pgclone.operator.clone.ImageAllowList.of(env(container(render("allowedImages: [\"postgres:*\"]\n")))
                .get("PGCLONE_ALLOWED_IMAGES")).allows("postgres:16")).isTrue();
    }

    @Test
    void allowedMigrationImagesBecomeTheRehearsalsAllowListAndAllowEverythingOnlyWhenSaidSo() {
        assertThat(env(container(render("")))).containsEntry("PGCLONE_REHEARSAL_ALLOWED_IMAGES", "*");
        String flyway = env(container(render("rehearsal:\n  allowedMigrationImages: [\"flyway/flyway:*\", \"liquibase/liquibase:*\"]\n")))
                .get("PGCLONE_REHEARSAL_ALLOWED_IMAGES");
        assertThat(flyway).isEqualTo("flyway/flyway:*,liquibase/liquibase:*");
        assertThatThrownBy(() -> render("rehearsal:\n  allowedMigrationImages: []\n")).hasMessageContaining("[\"*\"] allows every image");
        assertThatThrownBy(() -> render("rehearsal:\n  allowedMigrationImages: \"flyway/flyway:*\"\n"))
                .hasMessageContaining("must be a list of image patterns");
        assertThatThrownBy(() -> render("rehearsal:\n  allowedMigrationImages: [\"flyway/*,evil/*\"]\n")).hasMessageContaining("is not one image pattern");
        // what the operator makes of the value: the config property the env var maps to, and the list it builds
        assertThat(dev.pgclone.operator.rehearsal.MigrationImages.PROPERTY.toUpperCase().replaceAll("[.-]", "_"))
                .isEqualTo("PGCLONE_REHEARSAL_ALLOWED_IMAGES");
        assertThat(dev.pgclone.operator.rehearsal.MigrationImages.of(flyway).allows("flyway/flyway:10")).isTrue();
        assertThat(dev.pgclone.operator.rehearsal.MigrationImages.of(flyway).allows("evil/tool:1")).isFalse();
    }

    @Test
    void theShareOfDatabaseWorkersPerNamespaceIsPassedOnWhenSet() {
        assertThat(env(container(render("")))).doesNotContainKey("PGCLONE_DATABASE_WORK_PER_NAMESPACE");
        assertThat(env(container(render("databaseWorkThreads: 8\ndatabaseWorkPerNamespace: 3\n"))))
                .containsEntry("PGCLONE_DATABASE_WORK_THREADS", "8").containsEntry("PGCLONE_DATABASE_WORK_PER_NAMESPACE", "3");
    }

    @Test
    void theNetworkPolicyAdmitsOnlyTheOperatorToUnpreparedClonesInEachWatchedNamespace() {
        assertThat(render("").all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class)).as("off by default").isEmpty();

        var policies = render("watchNamespaces: [team-a, team-b]\nnetworkPolicy: {enabled: true}\n")
                .all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
        assertThat(policies).extracting(p -> p.getMetadata().getNamespace()).containsExactly("team-a", "team-b");
        assertThat(policies).allSatisfy(p -> {
            assertThat(p.getMetadata().getName()).isEqualTo(FULLNAME + "-unprepared-clones");
            assertThat(p.getSpec().getPolicyTypes()).containsExactly("Ingress");
            assertThat(p.getSpec().getPodSelector().getMatchLabels()).isNullOrEmpty();
            assertThat(p.getSpec().getPodSelector().getMatchExpressions()).extracting(e -> e.getKey() + " " + e.getOperator() + " " + e.getValues())
                    .containsExactly("pgclone.dev/clone Exists []", "pgclone.dev/prepared NotIn [true]");
            assertThat(p.getSpec().getIngress()).singleElement().satisfies(rule -> {
                assertThat(rule.getPorts()).isNullOrEmpty();
                assertThat(rule.getFrom()).singleElement().satisfies(peer -> {
                    assertThat(peer.getIpBlock()).isNull();
                    assertThat(peer.getNamespaceSelector().getMatchLabels()).containsExactly(Map.entry("kubernetes.io/metadata.name", NAMESPACE));
                    assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(
                            render("").one(Deployment.class).getSpec().getSelector().getMatchLabels());
                });
            });
        });
        // the labels it relies on are the ones the operator sets
        assertThat(policies.get(0).getSpec().getPodSelector().getMatchExpressions()).extracting(e -> e.getKey())
                .containsExactly(dev.pgclone.operator.resources.Labels.CLONE, dev.pgclone.operator.resources.Labels.PREPARED);

        assertThat(render("watchNamespaces: own\nnetworkPolicy: {enabled: true}\n")
                .one(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class).getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(render("networkPolicy: {enabled: true, namespaces: [staging, qa]}\n")
                .all(io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class))
                .extracting(p -> p.getMetadata().getNamespace()).containsExactly("staging", "qa");
        assertThatThrownBy(() -> render("networkPolicy: {enabled: true}\n"))
                .hasMessageContaining("networkPolicy.enabled with watchNamespaces: all needs networkPolicy.namespaces");
    }

    static Map<String, String> env(Container c) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        c.getEnv().forEach(e -> out.put(e.getName(), Optional.ofNullable(e.getValue()).orElse("<from " + e.getValueFrom() + ">")));
        return out;
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
