package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MigrationRehearsal on the local cluster, with the real operator jar: production holds an
 * {@code orders} table of a million rows and is written to by pgbench meanwhile; each rehearsal
 * clones it, runs the application's reads and writes against the clone, runs a migration and ends
 * Passed or Failed with its report. The risky version of a NOT NULL column backfill fails on the
 * AccessExclusiveLock it holds for the whole backfill; the safe version (nullable column, batched
 * backfill, NOT VALID constraint validated afterwards, CREATE INDEX CONCURRENTLY) passes; a plain
 * CREATE INDEX is reported for its ShareLock and a lock held about 2 seconds is caught; the Job path
 * runs psql from the postgres image.
 */
@ExtendWith(SharedCluster.Resolver.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationRehearsalEndToEndIT {

    static final String NS = "e2e-rehearsal";
    static final long ROWS = 1_000_000;
    static final ObjectMapper JSON = new ObjectMapper();

    private SharedCluster shared;
    private SharedCluster.TestNamespaces namespaces;
    private SampleProduction prod;

    @BeforeAll
    void production(SharedCluster shared) {
        this.shared = shared;
        namespaces = shared.namespaces(NS);
        prod = SampleProduction.create(shared.cluster(), new SampleProduction.Options().namespace(NS).scale(1));
        long started = System.nanoTime();
        prod.psql("""
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
                                     created_at timestamptz NOT NULL, total numeric(10,2) NOT NULL);
                INSERT INTO orders (customer_id, status, created_at, total)
                  SELECT i %% 20000, 'complete', now() - i * interval '1 second', i %% 1000
                  FROM generate_series(1, %d) i;
                CREATE INDEX orders_customer ON orders (customer_id);
                ANALYZE orders;
                """.formatted(ROWS));
        System.out.printf("production's orders table: %s rows in %.1f s%n", prod.psql("SELECT count(*) FROM orders"),
                (System.nanoTime() - started) / 1e9);
        prod.startLoad(Duration.ofMinutes(10));
    }

    @AfterAll
    void cleanUp() {
        if (prod != null) {
            prod.close();
        }
        if (namespaces != null) {
            namespaces.close();
        }
    }

    @Test
    void theRiskyBackfillFailsOnItsAccessExclusiveLockAndTheReportSaysWhoWaited() throws Exception {
        GenericKubernetesResource done = rehearse("risky", """
                    sql:
                      inline: |
                        BEGIN;
                        ALTER TABLE orders ADD COLUMN processed_at timestamptz;
                        UPDATE orders SET processed_at = created_at WHERE status = 'complete';
                        ALTER TABLE orders ALTER COLUMN processed_at SET NOT NULL;
                        COMMIT;
                """, WORKLOAD, LIMITS);
        assertThat(verdict(done)).isEqualTo("Failed");
        assertThat(reasons(done)).anySatisfy(r -> assertThat(r).contains("AccessExclusiveLock").contains("public.orders"));
        JsonNode report = reportJson("risky");
        String md = report("risky").getData().get("report.md");
        System.out.println(md);
        assertThat(md).contains("AccessExclusiveLock").contains("public.orders").contains("recent-orders");
        assertThat(report.toString()).contains("AccessExclusiveLockTooLong");
        assertThat(conditionStatus(done, "Complete")).isEqualTo("True");
        assertThat(conditionStatus(done, "Failed")).isEqualTo("True");
        assertWellFormedJunit("risky");
        assertThat(prod.psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'processed_at'"))
                .as("production never sees the rehearsal's migration").isEqualTo("0");
    }

    @Test
    void theSafeVersionPassesWithShortLocks() throws Exception {
        StringBuilder batches = new StringBuilder();
        for (long from = 1; from <= ROWS; from += 50_000) {
            batches.append("        UPDATE orders SET processed_at = created_at WHERE status = 'complete' AND id BETWEEN ")
                    .append(from).append(" AND ").append(from + 49_999).append(";\n");
        }
        GenericKubernetesResource done = rehearse("safe", """
                    sql:
                      inline: |
                        ALTER TABLE orders ADD COLUMN processed_at timestamptz;
                """ + batches + """
                        ALTER TABLE orders ADD CONSTRAINT orders_processed_at_set CHECK (status <> 'complete' OR processed_at IS NOT NULL) NOT VALID;
                        ALTER TABLE orders VALIDATE CONSTRAINT orders_processed_at_set;
                        CREATE INDEX CONCURRENTLY orders_processed_at ON orders (processed_at);
                """, WORKLOAD, LIMITS);
        System.out.println(report("safe").getData().get("report.md"));
        assertThat(verdict(done)).as("reasons %s", reasons(done)).isEqualTo("Passed");
        assertThat(conditionStatus(done, "Passed")).isEqualTo("True");
    }

    @Test
    void aPlainCreateIndexIsReportedForItsShareLockAndATwoSecondLockIsCaught() throws Exception {
        GenericKubernetesResource done = rehearse("index-and-lock", """
                    sql:
                      inline: |
                        CREATE INDEX orders_total ON orders (total);
                        BEGIN;
                        LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;
                        SELECT pg_sleep(2);
                        COMMIT;
                """, "", """
                  limits:
                    maxAccessExclusiveLock: 1s
                """);
        assertThat(verdict(done)).isEqualTo("Failed");
        JsonNode report = reportJson("index-and-lock");
        String md = report("index-and-lock").getData().get("report.md");
        System.out.println(md);
        assertThat(md).contains("ShareLock");
        double held = longestHold(report, "AccessExclusiveLock");
        assertThat(held).as("the LOCK TABLE held for about 2 s, sampled every 100 ms").isBetween(1.6, 3.0);
    }

    @Test
    void theJobPathRunsPsqlFromThePostgresImage() throws Exception {
        KubernetesClient client = shared.client();
        client.configMaps().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("job-migrations").endMetadata()
                .withData(Map.of("migrate.sql", "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_status ON orders (status);\n"))
                .build()).create();
        GenericKubernetesResource done = rehearse("job", """
                    job:
                      image: %s
                      command: [psql, -v, ON_ERROR_STOP=1, -f, /migrations/migrate.sql]
                      configMapName: job-migrations
                """.formatted(prod.postgresImage()), "", "");
        String md = report("job").getData().get("report.md");
        System.out.println(md);
        assertThat(conditionStatus(done, "Complete")).isEqualTo("True");
        assertThat(conditionStatus(done, "Migrated")).as("the Job ran psql to its end; reasons %s", reasons(done)).isEqualTo("True");
        assertThat(md).contains("ShareLock").contains("public.orders");
        // the index the migration builds is invisible to everyone else until it commits: its own lock is not evidence
        assertThat(md).doesNotContain("public.orders_status");
    }

    @Test
    void aMigrationImageOutsideTheOperatorsListIsRefusedBeforeAnythingIsCreated() {
        GenericKubernetesResource done = rehearse("evil", """
                    job:
                      image: evil/tool:1
                      command: [sh, -c, "true"]
                """, "", "");
        assertThat(verdict(done)).isEqualTo("Failed");
        assertThat(reasons(done)).singleElement().asString().contains("spec.migration.job.image evil/tool:1").contains("postgres:*");
        KubernetesClient client = shared.client();
        assertThat(client.genericKubernetesResources("pgclone.dev/v1alpha1", "DatabaseClone").inNamespace(NS).withName("evil-clone").get())
                .as("refused before its clone is created").isNull();
        assertThat(client.batch().v1().jobs().inNamespace(NS).withName("evil-migration").get()).isNull();
    }

    static final String WORKLOAD = """
              workload:
                baseline: 3s
                queries:
                  - name: recent-orders
                    sql: SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20
                    rate: 20
                    concurrency: 2
                pgbench:
                  script: |
                    \\set id random(1, 1000000)
                    UPDATE orders SET total = total WHERE id = :id;
                  rate: 10
              checks:
                validations:
                  - name: complete-orders-processed
                    sql: SELECT count(*) FROM orders WHERE status = 'complete' AND processed_at IS NULL
                    value: "0"
                explain:
                  - name: recent-orders
                    sql: SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20
            """;

    static final String LIMITS = """
              limits:
                maxAccessExclusiveLock: 1s
                maxWriteBlockingLock: 1s
                maxWorkloadLockWait: 5s
            """;

    /** Applies a rehearsal of production's volume and waits until it is Complete. */
    private GenericKubernetesResource rehearse(String name, String migration, String workloadAndChecks, String limits) {
        String manifest = """
                apiVersion: pgclone.dev/v1alpha1
                kind: MigrationRehearsal
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  clone:
                    spec:
                      %s
                  migration:
                %s%s%s""".formatted(name, NS, prod.cloneSpecYaml(6), migration, workloadAndChecks, limits);
        KubernetesClient client = shared.client();
        client.load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8))).createOrReplace();
        long started = System.nanoTime();
        GenericKubernetesResource done = client.genericKubernetesResources("pgclone.dev/v1alpha1", "MigrationRehearsal").inNamespace(NS)
                .withName(name).waitUntilCondition(r -> r != null && "True".equals(conditionStatus(r, "Complete")), 300, TimeUnit.SECONDS);
        System.out.printf("rehearsal %s: %s in %.1f s, reasons %s%n", name, verdict(done), (System.nanoTime() - started) / 1e9, reasons(done));
        return done;
    }

    private ConfigMap report(String rehearsal) {
        ConfigMap cm = shared.client().configMaps().inNamespace(NS).withName(rehearsal + "-report").get();
        assertThat(cm).as("report ConfigMap of %s", rehearsal).isNotNull();
        return cm;
    }

    private JsonNode reportJson(String rehearsal) throws Exception {
        return JSON.readTree(report(rehearsal).getData().get("report.json"));
    }

    private void assertWellFormedJunit(String rehearsal) throws Exception {
        byte[] xml = report(rehearsal).getData().get("junit.xml").getBytes(StandardCharsets.UTF_8);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        assertThat(doc.getElementsByTagName("failure").getLength()).as("junit.xml failures").isPositive();
    }

    /** The longest hold in this mode in report.json, in seconds (searched by field name, whatever the nesting). */
    private static double longestHold(JsonNode report, String mode) {
        double longest = 0;
        for (JsonNode node : report.findParents("mode")) {
            if (mode.equals(node.path("mode").asText()) && node.has("heldSeconds")) {
                longest = Math.max(longest, node.path("heldSeconds").asDouble());
            }
        }
        return longest;
    }

    @SuppressWarnings("unchecked")
    static String verdict(GenericKubernetesResource r) {
        Object status = r.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> m ? (String) ((Map<String, Object>) m).get("verdict") : null;
    }

    @SuppressWarnings("unchecked")
    static List<String> reasons(GenericKubernetesResource r) {
        Object status = r.getAdditionalProperties().get("status");
        Object reasons = status instanceof Map<?, ?> m ? ((Map<String, Object>) m).get("reasons") : null;
        return reasons instanceof List<?> l ? (List<String>) l : List.of();
    }

    @SuppressWarnings("unchecked")
    static String conditionStatus(GenericKubernetesResource r, String type) {
        Object status = r.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> m) || !(m.get("conditions") instanceof List<?> conditions)) {
            return null;
        }
        for (Object c : conditions) {
            Map<String, Object> condition = (Map<String, Object>) c;
            if (type.equals(condition.get("type"))) {
                return (String) condition.get("status");
            }
        }
        return null;
    }
}
