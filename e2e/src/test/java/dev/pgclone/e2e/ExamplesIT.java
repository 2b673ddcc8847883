package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every manifest in examples/ applied, as a user would with {@code kubectl apply -f examples/}
 * (file by file, in name order), to the local cluster running the real operator jar, and each one
 * reaching what its comment promises. The sources are what the examples name: the sample production
 * database {@code orders} (PVC data-orders-0, Secret orders-superuser) with a database {@code orders}
 * holding personal data, and a CloudNativePG-like instance (uid 26, PGDATA in pgdata) whose
 * VolumeSnapshot is made with the name and labels of the example. For the CloneSource examples,
 * production's owners live in namespace {@code prod} (a second sample {@code orders} with the same
 * data, beside the CloneSource) and the clone in {@code staging}; the test creates both namespaces,
 * as their administrators would. The only changes to the files are those the local cluster forces,
 * made in {@link #forThisCluster} and printed.
 */
@ExtendWith(SharedCluster.Resolver.class)
class ExamplesIT {

    /** Where the examples without a namespace go (as kubectl apply -n e2e-examples): this test's own on the shared cluster. */
    static final String NS = "e2e-examples";
    /** Where clonesource.yaml and clone-from-clonesource.yaml put production and its clone. */
    static final String PROD = "prod";
    static final String STAGING = "staging";
    static final Path EXAMPLES = Path.of(System.getProperty("pgclone.examples.dir", "../examples"));
    static final String API_VERSION = "pgclone.dev/v1alpha1";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(240);

    /** What each example must reach; a new example without an entry here fails the test. */
    private final Map<String, Check> checks = Map.ofEntries(
            Map.entry("clone-from-pvc.yaml", this::cloneFromPvc),
            Map.entry("migration-rehearsal.yaml", this::migrationRehearsal),
            Map.entry("clone-from-volumesnapshot.yaml", this::cloneFromVolumeSnapshot),
            Map.entry("clone-from-cloudnativepg.yaml", this::cloneFromCloudNativePg),
            Map.entry("clone-from-cloudnativepg-backup.yaml", this::cloneFromCloudNativePgBackup),
            Map.entry("pull-request-clone.yaml", this::pullRequestClone),
            Map.entry("masking-configmap.yaml", this::maskingConfigMap),
            Map.entry("masked-clone.yaml", this::maskedClone),
            Map.entry("nightly-refresh.yaml", this::nightlyRefresh),
            Map.entry("clonesource.yaml", this::cloneSource),
            Map.entry("clone-from-clonesource.yaml", this::cloneFromCloneSource));

    @FunctionalInterface
    interface Check {
        void check(List<HasMetadata> applied) throws Exception;
    }

    private LocalCluster cluster;
    private KubernetesClient client;
    private SampleProduction orders;
    private SampleProduction cnpg;
    private SampleProduction prodOrders;
    private SampleProduction shop;
    private final List<String> originalEmails = new ArrayList<>();
    /** The storage snapshot behind the CloneSource's VolumeSnapshot: deleting the examples must remove it. */
    private String sourceStorageSnapshot;

    @Test
    void everyExampleAppliedToTheSandboxReachesWhatItPromises(SharedCluster shared) throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(EXAMPLES)) {
            files = list.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files.stream().map(f -> f.getFileName().toString()).toList()).as("examples/*.yaml, each with a check in this test")
                .containsExactlyInAnyOrderElementsOf(checks.keySet());

        LocalCluster cluster = shared.cluster();
        OperatorProcess operator = shared.operator();
        this.cluster = cluster;
        client = cluster.client();
        Path workDir = Files.createDirectories(cluster.workDir().resolve(NS));
        try (SharedCluster.TestNamespaces namespaces = shared.namespaces(NS, PROD, STAGING);
             SampleProduction orders = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).scale(1));
             // CloudNativePG runs postgres as uid 26 with PGDATA in pgdata, as SampleProduction lays it out
             SampleProduction cnpg = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).name("cnpg-orders").uid(26)
                     .scale(1));
             // clonesource.yaml's production: data-orders-0 and Secret orders-superuser in prod
             SampleProduction prodOrders = SampleProduction.create(cluster, new SampleProduction.Options().namespace(PROD).scale(1));
             // clone-from-cloudnativepg.yaml's Cluster shop: instance shop-1 with walStorage, uid 26, superuser access
             SampleProduction shop = SampleProduction.create(cluster, new SampleProduction.Options().namespace(NS).name("shop").uid(26)
                     .walVolume().scale(1))) {
            this.shop = shop;
            SampleProduction.defineCloudNativePGKinds(client);
            shop.writeCloudNativePGCluster();
            shop.psql("CREATE TABLE shop_marker (note text); INSERT INTO shop_marker VALUES ('in the shop cluster')");
            // clone-from-cloudnativepg-backup.yaml's Backup, taken as CloudNativePG takes one; a row after it is not in its clone
            shop.takeCloudNativePGBackup("shop-nightly");
            shop.psql("INSERT INTO shop_marker VALUES ('after the backup')");
            this.orders = orders;
            this.cnpg = cnpg;
            this.prodOrders = prodOrders;
            originalEmails.addAll(prepareOrders(orders));
            assertThat(prepareOrders(prodOrders)).as("prod's orders hold the same rows").isEqualTo(originalEmails);
            prepareCloudNativePgBackup(Files.readString(EXAMPLES.resolve("clone-from-volumesnapshot.yaml")));

            Map<String, List<HasMetadata>> applied = new LinkedHashMap<>();
            Path localCopies = Files.createDirectories(workDir.resolve("examples"));
            for (Path file : files) {
                String name = file.getFileName().toString();
                String local = forThisCluster(name, Files.readString(file));
                Files.writeString(localCopies.resolve(name), local);
                // as kubectl apply -n e2e-examples: a document's own metadata.namespace wins (prod, staging)
                List<HasMetadata> objects = client.load(new ByteArrayInputStream(local.getBytes(StandardCharsets.UTF_8))).items();
                objects.stream().filter(o -> o.getMetadata().getNamespace() == null).forEach(o -> o.getMetadata().setNamespace(NS));
                applied.put(name, client.resourceList(objects).create());
                assertThat(applied.get(name)).as("objects in %s", name).isNotEmpty();
            }
            long started = System.nanoTime();
            for (var e : applied.entrySet()) {
                System.out.printf("checking %s (%.1f s after the examples were applied)%n", e.getKey(), (System.nanoTime() - started) / 1e9);
                checks.get(e.getKey()).check(e.getValue());
            }
            System.out.printf("all %d examples reached what they promise %.1f s after they were applied%n", applied.size(),
                    (System.nanoTime() - started) / 1e9);

            deleteAll(applied);
            assertThat(orders.psql("SELECT 1")).as("production still serves").isEqualTo("1");
            assertThat(prodOrders.psql("SELECT 1")).as("production in prod still serves").isEqualTo("1");
            assertThat(operator.alive()).as("operator alive").isTrue();
            EndToEnd.assertOperatorNeverForbidden(cluster);
        }
    }

    // ------------------------------------------------------------------------------ substitutions

    private static final Pattern IMAGE_MAJOR = Pattern.compile("(?m)^(\\s*image:\\s*\\S*postgres(?:ql)?):(\\d+)\\s*$");
    private static final Pattern RUN_AS_999 = Pattern.compile("(?m)^(\\s*runAsUser:\\s*)999\\s*$");

    /**
     * What the local cluster must differ in, and nothing else: it has one PostgreSQL major
     * installed, so images name that major; and where libnss-wrapper is missing the sample database
     * cannot run as 999, so the examples' runAsUser 999 becomes the uid it runs as.
     */
    private String forThisCluster(String file, String manifest) {
        List<String> changes = new ArrayList<>();
        Matcher m = IMAGE_MAJOR.matcher(manifest);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (!m.group(2).equals(orders.major())) {
                changes.add("image major " + m.group(2) + " -> " + orders.major());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + ":" + orders.major()));
        }
        m.appendTail(out);
        String local = out.toString();
        if (orders.uid() != 999 && RUN_AS_999.matcher(local).find()) {
            changes.add("runAsUser 999 -> " + orders.uid());
            local = RUN_AS_999.matcher(local).replaceAll("$1" + orders.uid());
        }
        System.out.printf("%s: %s%n", file, changes.isEmpty() ? "applied as it is" : "applied with " + String.join(", ", changes));
        return local;
    }

    // ------------------------------------------------------------------------------ the sources

    /** The database the examples name: orders, with personal data to mask, and the login role app; returns its e-mails. */
    private static List<String> prepareOrders(SampleProduction orders) throws SQLException {
        List<String> originalEmails = new ArrayList<>();
        orders.psql("CREATE ROLE app LOGIN PASSWORD 'production-app-password'");
        orders.psql("CREATE DATABASE orders");
        try (Connection db = DriverManager.getConnection(orders.jdbcUrl("orders"), "postgres", orders.password());
             Statement st = db.createStatement()) {
            st.execute("CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL, email text NOT NULL UNIQUE, phone text, birth_date date)");
            st.execute("CREATE TABLE payments (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, iban text NOT NULL, amount numeric(12,2))");
            st.execute("CREATE TABLE user_sessions (token text PRIMARY KEY, customer_id bigint REFERENCES customers, expires timestamptz)");
            st.execute("INSERT INTO customers SELECT g, 'Real Person ' || g, 'person' || g || '@realmail.example.com',"
                    + " '+49 170 ' || lpad(g::text, 7, '0'), date '1980-01-01' + g FROM generate_series(1, 200) g");
            st.execute("INSERT INTO payments SELECT g, g, 'DE89370400440532' || lpad(g::text, 6, '0'), g * 1.5 FROM generate_series(1, 200) g");
            st.execute("INSERT INTO user_sessions SELECT md5(g::text), g, now() + interval '1 day' FROM generate_series(1, 50) g");
            st.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
            try (ResultSet rs = st.executeQuery("SELECT email FROM customers ORDER BY id")) {
                while (rs.next()) {
                    originalEmails.add(rs.getString(1));
                }
            }
        }
        assertThat(originalEmails).hasSize(200);
        return originalEmails;
    }

    /**
     * What a CloudNativePG volume-snapshot backup leaves: a ready VolumeSnapshot of the instance's
     * data volume, named and labelled as the example's header says, of an instance with the role
     * and database app.
     */
    private void prepareCloudNativePgBackup(String example) throws SQLException {
        Matcher name = Pattern.compile("(?m)^\\s*snapshotName:\\s*(\\S+)\\s*$").matcher(example);
        assertThat(name.find()).as("spec.source.snapshotName in clone-from-volumesnapshot.yaml").isTrue();
        String snapshot = name.group(1);
        cnpg.psql("CREATE ROLE app LOGIN PASSWORD 'cnpg-app-password'");
        cnpg.psql("CREATE DATABASE app OWNER app");
        try (Connection db = DriverManager.getConnection(cnpg.jdbcUrl("app"), "postgres", cnpg.password()); Statement st = db.createStatement()) {
            st.execute("CREATE TABLE backup_marker (note text)");
            st.execute("INSERT INTO backup_marker VALUES ('in the nightly backup')");
            st.execute("GRANT SELECT ON backup_marker TO app");
            st.execute("CHECKPOINT");
        }
        client.resource(new VolumeSnapshotBuilder()
                .withNewMetadata().withName(snapshot).withNamespace(NS)
                    .withLabels(Map.of("cnpg.io/cluster", "orders", "cnpg.io/backupName", snapshot, "cnpg.io/backupDate", "20250601"))
                .endMetadata()
                .withNewSpec().withNewSource().withPersistentVolumeClaimName(cnpg.pvcName()).endSource().endSpec()
                .build()).create();
        client.resources(VolumeSnapshot.class).inNamespace(NS).withName(snapshot).waitUntilCondition(
                v -> v != null && v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()), 60, TimeUnit.SECONDS);
        try (Connection db = DriverManager.getConnection(cnpg.jdbcUrl("app"), "postgres", cnpg.password()); Statement st = db.createStatement()) {
            st.execute("INSERT INTO backup_marker VALUES ('written after the backup')");
        }
    }

    // ------------------------------------------------------------------------------ the checks

    private void cloneFromPvc(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        Map<String, Object> status = awaitReady(clone);
        assertThat(map(status.get("snapshot")).get("name")).as("the operator's own snapshot of the PVC").isEqualTo(clone);
        try (Connection db = asRole(clone, "app"); Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT current_database()")).isEqualTo("orders");
            assertThat(single(st, "SELECT count(*) FROM customers")).isEqualTo("200");
            assertThat(single(st, "SELECT email FROM customers WHERE id = 1")).as("not masked: this example has no postClone")
                    .isEqualTo(originalEmails.get(0));
        }
    }

    private void cloneFromVolumeSnapshot(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        GenericKubernetesResource resource = clone(clone).get();
        String snapshot = (String) map(map(resource.getAdditionalProperties().get("spec")).get("source")).get("snapshotName");
        Map<String, Object> status = awaitReady(clone);
        assertThat(map(status.get("snapshot")).get("name")).as("status.snapshot.name").isEqualTo(snapshot);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(NS).withName(clone).get()).as("no snapshot of its own").isNull();
        Pod pod = client.pods().inNamespace(NS).withName(clone).get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).as("runs as CloudNativePG's uid").isEqualTo(26L);
        try (Connection db = asRole(clone, "app"); Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT current_database()")).isEqualTo("app");
            assertThat(single(st, "SELECT string_agg(note, ',') FROM backup_marker")).as("the data as of the backup")
                    .isEqualTo("in the nightly backup");
        }
    }

    private void cloneFromCloudNativePg(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        Map<String, Object> status = awaitReady(clone);
        assertThat(map(status.get("cloudNativePG"))).as("status.cloudNativePG").containsEntry("instance", "shop-1")
                .containsEntry("role", "primary").containsEntry("data", "shop-1").containsEntry("wal", "shop-1-wal");
        Pod pod = client.pods().inNamespace(NS).withName(clone).get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).as("runs as the Cluster's uid").isEqualTo(26L);
        try (Connection db = asRole(clone, "superuser"); Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT string_agg(note, ',' ORDER BY note DESC) FROM shop_marker")).as("the Cluster's data now")
                    .isEqualTo("in the shop cluster,after the backup");
        }
    }

    private void cloneFromCloudNativePgBackup(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        Map<String, Object> status = awaitReady(clone);
        assertThat(map(status.get("cloudNativePG"))).as("status.cloudNativePG").containsEntry("backup", "shop-nightly")
                .containsEntry("data", "shop-nightly").containsEntry("wal", "shop-nightly-wal");
        try (Connection db = asRole(clone, "superuser"); Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT string_agg(note, ',') FROM shop_marker")).as("the data as of the backup's end")
                    .isEqualTo("in the shop cluster");
        }
    }

    private void pullRequestClone(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        Map<String, Object> status = awaitReady(clone);
        GenericKubernetesResource resource = clone(clone).get();
        assertThat(resource.getMetadata().getLabels()).as("labels for the pull request").containsKey("pgclone.dev/pull-request");
        String ttl = (String) map(resource.getAdditionalProperties().get("spec")).get("ttl");
        assertThat(ttl).isEqualTo("24h");
        assertThat(status.get("expiresAt")).as("status.expiresAt").isNotNull();
        Instant created = Instant.parse(resource.getMetadata().getCreationTimestamp());
        assertThat(Duration.between(created, Instant.parse((String) status.get("expiresAt")))).as("expiresAt - creation")
                .isEqualTo(Duration.ofHours(24));
        try (Connection db = asRole(clone, "app")) {
            assertThat(db.isValid(5)).isTrue();
        }
    }

    private void migrationRehearsal(List<HasMetadata> applied) throws Exception {
        String name = only(applied, "MigrationRehearsal");
        Resource<GenericKubernetesResource> rehearsal = client.genericKubernetesResources(API_VERSION, "MigrationRehearsal").inNamespace(NS)
                .withName(name);
        GenericKubernetesResource done = rehearsal.waitUntilCondition(r -> r != null && conditionTrue(map(r.getAdditionalProperties()
                .get("status")), "Complete"), READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        Map<String, Object> status = map(done.getAdditionalProperties().get("status"));
        String report = client.configMaps().inNamespace(NS).withName(name + "-report").get().getData().get("report.md");
        assertThat(status.get("verdict")).as("verdict; reasons %s; report:%n%s", status.get("reasons"), report).isEqualTo("Passed");
        // both scripts ran, in key order, under the workload, and the check saw the new column
        assertThat(report).containsSubsequence("`V1__add_opt_in.sql:1`", "`V2__index_birth_date.sql:1`")
                .contains("`customer-by-email`").contains("| `every-customer-has-an-opt-in` | passed | value = 0 | 0 |");
        // the rehearsal's clone goes when it ends (no keepClone), and production never saw the migration
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(clone(name + "-clone").get()).as("the rehearsal's clone").isNull());
        try (Connection db = DriverManager.getConnection(orders.jdbcUrl("orders"), "postgres", orders.password());
             Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers'"
                    + " AND column_name = 'marketing_opt_in'")).as("the new column in production's customers").isEqualTo("0");
        }
    }

    private void maskingConfigMap(List<HasMetadata> applied) {
        String name = only(applied, "ConfigMap");
        assertThat(client.configMaps().inNamespace(NS).withName(name).get().getData().keySet()).as("scripts").isNotEmpty();
        // what the scripts do is checked through the clones that use them: masked-clone.yaml and nightly-refresh.yaml
    }

    private void maskedClone(List<HasMetadata> applied) throws Exception {
        String clone = only(applied, "DatabaseClone");
        Map<String, Object> status = awaitReady(clone);
        List<String> steps = new ArrayList<>();
        for (Object s : (List<?>) status.get("steps")) {
            Map<String, Object> step = map(s);
            assertThat(step.get("error")).as("error of step %s", step.get("name")).isNull();
            steps.add((String) step.get("name"));
            if (String.valueOf(step.get("name")).endsWith("/10-customers.sql")) {
                assertThat(((Number) step.get("rows")).longValue()).as("customers masked").isEqualTo(200);
            }
        }
        assertThat(steps).as("status.steps, in order").containsSubsequence("orders-masking/10-customers.sql",
                "orders-masking/20-payments.sql", "orders-masking/30-sessions.sql", "orders-masking/90-check.sql");
        try (Connection db = asRole(clone, "app")) {
            assertMasked(db, orders);
        }
    }

    private void nightlyRefresh(List<HasMetadata> applied) throws Exception {
        String schedule = only(applied, "RefreshSchedule");
        Resource<GenericKubernetesResource> resource = client.genericKubernetesResources(API_VERSION, "RefreshSchedule").inNamespace(NS)
                .withName(schedule);
        // the first scheduled run is hours away: ask for one now, as the example's header says
        resource.edit(s -> {
            s.getMetadata().getAnnotations().put("pgclone.dev/refresh-now", "examples-it");
            return s;
        });
        GenericKubernetesResource ready = resource.waitUntilCondition(s -> {
            Map<String, Object> st = map(s == null ? null : s.getAdditionalProperties().get("status"));
            return conditionTrue(st, "Ready") && st.get("activeClone") != null;
        }, READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String child = (String) map(ready.getAdditionalProperties().get("status")).get("activeClone");
        assertThat(child).startsWith(schedule + "-");
        awaitReady(child);

        Service service = await().atMost(Duration.ofSeconds(10)).until(() -> client.services().inNamespace(NS).withName(schedule).get(),
                s -> s != null && s.getSpec().getClusterIP() != null && !s.getSpec().getClusterIP().isBlank());
        Pod childPod = client.pods().inNamespace(NS).withName(child).get();
        assertThat(childPod.getMetadata().getLabels()).as("the child's Pod carries the stable Service's selector")
                .containsAllEntriesOf(service.getSpec().getSelector());
        for (Pod other : client.pods().inNamespace(NS).list().getItems()) {
            if (!other.getMetadata().getName().equals(child)) {
                assertThat(other.getMetadata().getLabels().entrySet().containsAll(service.getSpec().getSelector().entrySet()))
                        .as("Service %s selects pod %s", schedule, other.getMetadata().getName()).isFalse();
            }
        }
        String password = secret(schedule + "-app", "password");
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://" + service.getSpec().getClusterIP() + ":5432/"
                + secret(schedule + "-app", "dbname") + "?connectTimeout=10", "app", password)) {
            try (Statement st = db.createStatement()) {
                assertThat(single(st, "SELECT host(inet_server_addr())")).as("the stable address reaches the child")
                        .isEqualTo(childPod.getStatus().getPodIP());
            }
            assertMasked(db, orders);
        }
    }

    /**
     * The clone in staging: it may be applied before its CloneSource (file-name order), so until
     * that exists it is refused with CloneSourceNotFound, then becomes Ready by itself, with the
     * image and uid of the CloneSource's defaults, a snapshot taken in prod, and masked rows: the
     * source's scripts ran although the clone names none.
     */
    private void cloneFromCloneSource(List<HasMetadata> applied) throws Exception {
        HasMetadata object = applied.stream().filter(o -> "DatabaseClone".equals(o.getKind())).findFirst().orElseThrow();
        assertThat(object.getMetadata().getNamespace()).as("the clone's namespace").isEqualTo(STAGING);
        String clone = object.getMetadata().getName();
        Map<String, Object> status = awaitReady(STAGING, clone, Set.of("CloneSourceNotFound", "SourcePostCloneNotFound"));
        Map<String, Object> snapshot = map(status.get("snapshot"));
        assertThat(snapshot.get("namespace")).as("status.snapshot.namespace: taken beside production").isEqualTo(PROD);
        assertThat(client.resources(VolumeSnapshot.class).inNamespace(PROD).withName((String) snapshot.get("name")).get()
                .getMetadata().getLabels()).as("labels of the source snapshot").containsEntry("pgclone.dev/clone-source", "orders");

        List<String> steps = new ArrayList<>();
        for (Object s : (List<?>) status.get("steps")) {
            Map<String, Object> step = map(s);
            assertThat(step.get("error")).as("error of step %s", step.get("name")).isNull();
            steps.add((String) step.get("name"));
            if (String.valueOf(step.get("name")).endsWith("/10-customers.sql")) {
                assertThat(((Number) step.get("rows")).longValue()).as("customers masked").isEqualTo(200);
            }
        }
        String prefix = "cloneSource " + PROD + "/orders: orders-masking/";
        assertThat(steps).as("status.steps: the CloneSource's scripts, in order").containsSubsequence(prefix + "10-customers.sql",
                prefix + "20-payments.sql", prefix + "30-sessions.sql", prefix + "90-check.sql");

        Pod pod = client.pods().inNamespace(STAGING).withName(clone).get();
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).as("runAsUser from the CloneSource").isEqualTo(prodOrders.uid());
        assertThat(pod.getSpec().getContainers()).as("image from the CloneSource")
                .anySatisfy(c -> assertThat(c.getImage()).isEqualTo(prodOrders.postgresImage()));
        assertThat(client.secrets().inNamespace(STAGING).withName(prodOrders.secretName()).get())
                .as("production's checkpoint Secret is not copied to staging").isNull();
        try (Connection db = asRole(STAGING, clone, "app")) {
            assertMasked(db, prodOrders);
        }
    }

    /** The CloneSource in prod: Ready, counting the one clone that uses its one snapshot. */
    private void cloneSource(List<HasMetadata> applied) {
        String configMap = only(applied, "ConfigMap");
        assertThat(client.configMaps().inNamespace(PROD).withName(configMap).get()).as("ConfigMap %s in prod", configMap).isNotNull();
        String name = only(applied, "CloneSource");
        GenericKubernetesResource source = client.genericKubernetesResources(API_VERSION, "CloneSource").inNamespace(PROD).withName(name)
                .waitUntilCondition(s -> {
                    Map<String, Object> st = map(s == null ? null : s.getAdditionalProperties().get("status"));
                    return conditionTrue(st, "Ready") && Integer.valueOf(1).equals(st.get("clones"));
                }, 30, TimeUnit.SECONDS);
        List<?> snapshots = (List<?>) map(source.getAdditionalProperties().get("status")).get("snapshots");
        assertThat(snapshots).as("status.snapshots").hasSize(1);
        Map<String, Object> shared = map(snapshots.get(0));
        assertThat(shared.get("users")).as("users of %s", shared.get("name")).isEqualTo(1);
        List<GenericKubernetesResource> clones = client.genericKubernetesResources(API_VERSION, "DatabaseClone").inNamespace(STAGING).list().getItems();
        assertThat(clones).as("clones in staging").hasSize(1);
        assertThat(map(map(clones.get(0).getAdditionalProperties().get("status")).get("snapshot")).get("name"))
                .as("the clone's snapshot").isEqualTo(shared.get("name"));
        VolumeSnapshot snapshot = client.resources(VolumeSnapshot.class).inNamespace(PROD).withName((String) shared.get("name")).get();
        sourceStorageSnapshot = client.resources(VolumeSnapshotContent.class).withName(snapshot.getStatus().getBoundVolumeSnapshotContentName())
                .get().getStatus().getSnapshotHandle();
        assertThat(cluster.storage().hasSnapshot(sourceStorageSnapshot)).as("storage snapshot %s", sourceStorageSnapshot).isTrue();
    }

    /** What masking-configmap.yaml promises, seen as the app role, and the production it came from unchanged. */
    private void assertMasked(Connection db, SampleProduction production) throws SQLException {
        try (Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM customers")).isEqualTo("200");
            assertThat(single(st, "SELECT count(*) FROM customers WHERE email LIKE '%@example.test' AND phone IS NULL"
                    + " AND full_name LIKE 'Customer %'")).as("masked customers").isEqualTo("200");
            assertThat(single(st, "SELECT email FROM customers WHERE id = 7")).isEqualTo("customer7@example.test");
            assertThat(single(st, "SELECT count(*) FROM payments WHERE iban LIKE 'XX00TEST%'")).as("masked IBANs").isEqualTo("200");
            List<String> emails = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT email FROM customers")) {
                while (rs.next()) {
                    emails.add(rs.getString(1));
                }
            }
            assertThat(emails).as("production's e-mail addresses in the clone").doesNotContainAnyElementsOf(originalEmails);
            assertThat(single(st, "SELECT count(*) FROM payments WHERE iban LIKE 'DE89%'")).as("production's IBANs").isEqualTo("0");
        }
        try (Connection prod = DriverManager.getConnection(production.jdbcUrl("orders"), "postgres", production.password());
             Statement st = prod.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM customers WHERE email LIKE '%@realmail.example.com'"))
                    .as("production keeps its data").isEqualTo("200");
            assertThat(single(st, "SELECT count(*) FROM user_sessions")).isEqualTo("50");
        }
        try (Statement st = db.createStatement()) {
            assertThat(single(st, "SELECT count(*) FROM user_sessions")).as("sessions truncated in the clone").isEqualTo("0");
        } catch (SQLException e) {
            throw new AssertionError("user_sessions in the clone: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private Map<String, Object> awaitReady(String clone) {
        return awaitReady(NS, clone, Set.of());
    }

    /** Ready within READY_TIMEOUT; Failed fails at once unless Ready's reason is one of {@code waitingOut}. */
    private Map<String, Object> awaitReady(String namespace, String clone, Set<String> waitingOut) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> status = Map.of();
        while (System.nanoTime() < deadline) {
            GenericKubernetesResource c = clone(namespace, clone).get();
            status = map(c == null ? null : c.getAdditionalProperties().get("status"));
            if (conditionTrue(status, "Ready")) {
                return status;
            }
            if ("Failed".equals(status.get("phase")) && !waitingOut.contains(readyReason(status))) {
                fail("DatabaseClone " + namespace + "/" + clone + " Failed: " + status.get("conditions"));
            }
            sleep(500);
        }
        return fail("DatabaseClone " + namespace + "/" + clone + " not Ready after " + READY_TIMEOUT.toSeconds() + " s; status: " + status);
    }

    private Resource<GenericKubernetesResource> clone(String name) {
        return clone(NS, name);
    }

    private Resource<GenericKubernetesResource> clone(String namespace, String name) {
        return client.genericKubernetesResources(API_VERSION, "DatabaseClone").inNamespace(namespace).withName(name);
    }

    private Connection asRole(String clone, String role) throws SQLException {
        return asRole(NS, clone, role);
    }

    private Connection asRole(String namespace, String clone, String role) throws SQLException {
        String ip = client.pods().inNamespace(namespace).withName(clone).get().getStatus().getPodIP();
        String secret = clone + "-" + role;
        return DriverManager.getConnection("jdbc:postgresql://" + ip + ":5432/" + secret(namespace, secret, "dbname") + "?connectTimeout=10",
                secret(namespace, secret, "username"), secret(namespace, secret, "password"));
    }

    private String secret(String name, String key) {
        return secret(NS, name, key);
    }

    private String secret(String namespace, String name, String key) {
        Secret s = client.secrets().inNamespace(namespace).withName(name).get();
        assertThat(s).as("Secret %s", name).isNotNull();
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }

    /**
     * kubectl delete -f examples/: everything at once, the CloneSource together with its clone (its
     * finalizer waits for the clone to let go of the snapshot). Then nothing the operator made may
     * be left in any of the namespaces, nor a VolumeSnapshotContent bound for a clone, nor the
     * storage snapshot of prod's VolumeSnapshot.
     */
    private void deleteAll(Map<String, List<HasMetadata>> applied) {
        Map<String, Set<String>> productionPods = Map.of(NS, Set.of(orders.podName(), cnpg.podName(), shop.podName()),
                PROD, Set.of(prodOrders.podName()), STAGING, Set.of());
        Map<String, Set<String>> productionPvcs = Map.of(NS, Set.of(orders.pvcName(), cnpg.pvcName(), shop.pvcName(), shop.walPvcName()),
                PROD, Set.of(prodOrders.pvcName()), STAGING, Set.of());
        applied.values().forEach(objects -> client.resourceList(objects).delete());
        client.resources(VolumeSnapshot.class).inNamespace(NS).delete();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(client.genericKubernetesResources(API_VERSION, "DatabaseClone").inAnyNamespace().list().getItems()).as("clones").isEmpty();
            assertThat(client.genericKubernetesResources(API_VERSION, "CloneSource").inAnyNamespace().list().getItems()).as("clone sources").isEmpty();
            for (String ns : List.of(NS, PROD, STAGING)) {
                assertThat(client.pods().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getName())
                        .filter(n -> !productionPods.get(ns).contains(n)).toList()).as("clone pods in %s", ns).isEmpty();
                assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getName())
                        .filter(n -> !productionPvcs.get(ns).contains(n)).toList()).as("clone PVCs in %s", ns).isEmpty();
                assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).as("snapshots in %s", ns).isEmpty();
            }
            assertThat(client.resources(VolumeSnapshotContent.class).list().getItems()).extracting(c -> c.getMetadata().getName())
                    .as("contents bound for clones of the CloneSource").noneMatch(n -> n.startsWith("pgclone-"));
            assertThat(sourceStorageSnapshot).as("storage snapshot of the CloneSource's snapshot, recorded by its check").isNotNull();
            assertThat(cluster.storage().hasSnapshot(sourceStorageSnapshot)).as("storage snapshot %s", sourceStorageSnapshot).isFalse();
        });
    }

    private static String only(List<HasMetadata> applied, String kind) {
        List<String> names = applied.stream().filter(o -> kind.equals(o.getKind())).map(o -> o.getMetadata().getName()).toList();
        assertThat(names).as("%s objects", kind).hasSize(1);
        return names.get(0);
    }

    private static String readyReason(Map<String, Object> status) {
        return status.get("conditions") instanceof List<?> conditions ? conditions.stream()
                .filter(o -> o instanceof Map<?, ?> m && "Ready".equals(m.get("type"))).map(o -> String.valueOf(((Map<?, ?>) o).get("reason")))
                .findFirst().orElse(null) : null;
    }

    private static boolean conditionTrue(Map<String, Object> status, String type) {
        return status.get("conditions") instanceof List<?> conditions
                && conditions.stream().anyMatch(o -> o instanceof Map<?, ?> m && type.equals(m.get("type")) && "True".equals(m.get("status")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
