package dev.pgclone.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgclone.testkit.cluster.AuditLog;
import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.OperatorProcess;
import dev.pgclone.testkit.cluster.Processes;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The trust boundary tried as an attacker would: someone who may create DatabaseClones,
 * RefreshSchedules, ConfigMaps and Services in a namespace and read its Secrets, working with
 * kubectl against the local cluster and the real operator jar. Each attack must be refused or
 * contained, and production (its volume, Secret, Service, masking ConfigMaps and running
 * postmaster) must come out of it untouched.
 *
 * <p>Every attack asserts softly, so a failing one reports everything it got through, not only the
 * first thing: that is the evidence of what an attack achieves on code that does not stop it.
 * Each attack's {@code @Order} is its number in the security model table of docs/security.md, which
 * cites them.
 *
 * <p>The attacks run on the {@link SharedCluster}, in namespaces of this class's own (production's
 * and one per attack), against the shared operator, whose image allow-list
 * ({@link SharedCluster#ALLOWED_IMAGES}) admits the postgres images every class uses and not the
 * attacker's. What other classes do meanwhile cannot pass for an attack's effect or hide one: every
 * check of the audit log is of the operator's requests to this class's namespaces and objects, and
 * the operator's log kept in {@code target/AttackIT-operator.log} is what it wrote during the attacks.
 *
 * <p>The attacks on a CloneSource's masking run for both of its masking modes ({@link Mode}): PerClone,
 * where each clone runs the masking on its own copy of production, and Snapshot, where clones restore
 * from a masked snapshot the operator built in production's namespace and run no masking at all. In
 * Snapshot mode the masking runs in the build, so what is tried against a clone's masking in PerClone
 * mode is tried against the build, and the consumer's own volume is searched for pre-masking values.
 */
@ExtendWith(SharedCluster.Resolver.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttackIT {

    /** Production's namespace; each namespace here is this class's own on the shared cluster. */
    static final String PROD = "a-prod";
    /** Attack 2's namespace, with a production of its own. */
    static final String VOLUME_NS = "a-volume";
    static final String API = "pgclone.dev/v1alpha1";
    /** CloudNativePG's read-write Service of cluster orders: production's own, which no clone may touch. */
    static final String PROD_SERVICE = "orders-rw";
    static final String MASKING = "orders-masking";
    static final String SLOW_MASKING = "orders-masking-slow";
    /** CloneSource with quick masking, allowed to every attack namespace. */
    static final String SOURCE = "orders";
    /** CloneSource whose mandatory masking sleeps first, so its clones stay unprepared for a while. */
    static final String SLOW_SOURCE = "orders-slow";
    /** As {@link #SOURCE}, in masking mode Snapshot: its clones restore from masked snapshots built in production's namespace. */
    static final String SNAPSHOT_SOURCE = "orders-snap";
    /** As {@link #SLOW_SOURCE}, in masking mode Snapshot; made by attack 7 itself, so that its build runs while the attack watches. */
    static final String SLOW_SNAPSHOT_SOURCE = "orders-slow-snap";
    /** Every production e-mail ends so; the masking replaces them all. */
    static final String PRODUCTION_VALUE = "@real-customer.example";
    /** A masked-snapshot build restores, starts, masks, rewrites, checks, stops and is snapshotted within this. */
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
    static final int SLOW_MASKING_SECONDS = 20;
    static final String EVIL_IMAGE = "evil/image:1";
    /** A refusal comes from the first reconciles; an attack that gets through shows within this too. */
    static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(60);
    /** Requests in flight while planting ConfigMaps: enough to hide the round trips, few enough for 2 shared cores. */
    static final int PLANTING_THREADS = 8;
    static final Duration READY_TIMEOUT = Duration.ofSeconds(150);
    /** Between two reads of what an attack waits for (a refusal, Ready, Pods gone): each wait ends up to this long after the fact. */
    static final Duration POLL = Duration.ofMillis(200);
    static final List<String> ATTACK_NAMESPACES = List.of("a-secret", "a-service", "a-bootstrap", "a-schedule", "a-derived", "a-login",
            "a-files", "a-params", "a-logs", "a-sleep", "a-planted", "a-image");

    private LocalCluster cluster;
    private SharedCluster.TestNamespaces namespaces;
    private SampleProduction prod;
    private OperatorProcess operator;
    private Kubectl kubectl;
    private Path manifests;
    private String appPassword;
    /** Where the shared operator's log stood when the attacks began: what it writes from there on is theirs. */
    private long operatorLogStart;
    /** RBAC refusals of the operator logged before the attacks (by other classes on the shared cluster). */
    private int refusedBefore;

    @BeforeAll
    void start(SharedCluster shared) throws IOException {
        cluster = shared.cluster();
        operator = shared.operator();
        operatorLogStart = Files.size(operator.log());
        refusedBefore = refusedRequests().size();
        namespaces = shared.namespaces(Stream.concat(Stream.of(PROD, VOLUME_NS), ATTACK_NAMESPACES.stream()).toArray(String[]::new));
        try {
            prod = SampleProduction.create(cluster, new SampleProduction.Options().namespace(PROD).scale(1));
            appPassword = "app-" + random();
            prod.psql("CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);"
                    + " INSERT INTO customers SELECT i, 'person' || i || '@real-customer.example' FROM generate_series(1, 500) i");
            prod.psql("CREATE ROLE app LOGIN PASSWORD '" + appPassword + "'");
            prod.psql("GRANT SELECT ON customers TO app");
            manifests = Files.createDirectories(cluster.workDir().resolve("attack-manifests"));
            kubectl = new Kubectl(cluster.kubeconfig());
            Kubectl.assumePresent();
            // production's owners: CloudNativePG's read-write Service, the masking, and two CloneSources open to every attack namespace
            apply("production", """
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: %1$s
                      namespace: %2$s
                    spec:
                      selector:
                        app.kubernetes.io/instance: orders
                      ports:
                      - port: 5432
                        targetPort: 5432
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: %3$s
                      namespace: %2$s
                    data:
                      10-customers.sql: "UPDATE customers SET email = 'customer' || id || '@example.test';"
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: %4$s
                      namespace: %2$s
                    data:
                      10-customers.sql: "SELECT pg_sleep(%5$d); UPDATE customers SET email = 'customer' || id || '@example.test';"
                    %6$s
                    %7$s
                    %8$s
                    """.formatted(PROD_SERVICE, PROD, MASKING, SLOW_MASKING, SLOW_MASKING_SECONDS,
                    cloneSource(SOURCE, MASKING, Mode.PER_CLONE), cloneSource(SLOW_SOURCE, SLOW_MASKING, Mode.PER_CLONE),
                    // its first build runs meanwhile, while the attacks that need no masked snapshot run
                    cloneSource(SNAPSHOT_SOURCE, MASKING, Mode.SNAPSHOT)));
        } catch (RuntimeException | IOException e) {
            stop();
            throw e;
        }
    }

    /**
     * The CloneSources' masking modes. In mode Snapshot the masked copy's e-mails (example.test) are
     * allowed by the PII check, so that the check reports nothing about the masking these attacks use.
     */
    enum Mode {
        PER_CLONE("PerClone", SOURCE, ""),
        SNAPSHOT("Snapshot", SNAPSHOT_SOURCE, "-snap");

        final String mode;
        /** The CloneSource with the quick masking in this mode. */
        final String source;
        private final String suffix;

        Mode(String mode, String source, String suffix) {
            this.mode = mode;
            this.source = source;
            this.suffix = suffix;
        }

        /** A clone's name for this mode: the modes' runs of an attack share its namespace, never a name. */
        String name(String clone) {
            return clone + suffix;
        }

        String maskingSpec() {
            return this == PER_CLONE ? "" : """
                      masking:
                        mode: Snapshot
                        piiCheck:
                          allowedEmailDomains: [example.test]
                    """;
        }

        @Override
        public String toString() {
            return mode;
        }
    }

    private String cloneSource(String name, String configMap, Mode mode) {
        return """
                ---
                apiVersion: %s
                kind: CloneSource
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  pvcName: %s
                  dataDirectory: %s
                  postgres:
                    image: %s
                    runAsUser: %d
                  allowedNamespaces: [%s]
                  postClone:
                    configMapName: %s
                %s""".formatted(API, name, PROD, prod.pvcName(), SampleProduction.DATA_DIRECTORY, prod.postgresImage(), prod.uid(),
                String.join(", ", ATTACK_NAMESPACES), configMap, mode.maskingSpec());
    }

    @AfterAll
    void stop() {
        SharedCluster.TestNamespaces mine = namespaces;
        if (mine == null) {
            return;
        }
        namespaces = null;
        try {
            if (prod != null) {
                prod.close();
            }
        } finally {
            mine.close();
            keepOperatorLog();
        }
        // the shared cluster checks again, for the whole run, when it closes (and that nothing is left on the machine)
        assertThat(refusedRequests().subList(refusedBefore, refusedRequests().size()))
                .as("requests of the operator that RBAC refused during the attacks: the chart lacks these permissions").isEmpty();
    }

    /** The operator's requests that RBAC refused so far, oldest first (none on the mock, which has no RBAC). */
    private List<AuditLog.Write> refusedRequests() {
        return cluster.controlPlane() == null ? List.of()
                : cluster.controlPlane().auditLog().forbidden(cluster.operatorAccess().orElseThrow().user());
    }

    // ------------------------------------------------------------------------------------ attacks

    /**
     * Where CloudNativePG runs cluster {@code orders}, its Secret {@code orders-superuser} holds
     * production's superuser password. A clone named {@code orders} would create a Secret of that
     * very name: it must refuse, not take production's Secret as its own.
     */
    @Test
    @Order(1)
    void cloneNamedLikeProductionsSuperuserSecretIsRefusedAndItsPasswordOpensNothing() throws Exception {
        Production before = Production.of(this, prod);
        Secret secret = cluster.client().secrets().inNamespace(PROD).withName(prod.secretName()).get();
        String clone = "orders";
        try {
            apply(clone, cloneOfPvc(clone, PROD, prod.pvcName(), prod.postgresImage(), ""));
            GenericKubernetesResource outcome = awaitOutcome(PROD, clone, "NameConflict");
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(loginsWith(PROD, clone, "postgres", prod.password())).as("logins into the clone's Pod with production's password")
                    .isEmpty();
            assertRefused(soft, PROD, "databaseclone", clone, outcome, "NameConflict", "Secret " + prod.secretName());
            soft.assertThat(cluster.client().secrets().inNamespace(PROD).withName(prod.secretName()).get())
                    .as("production's Secret").satisfies(s -> assertSameObject(s, secret));
            soft.assertThat(cluster.client().pods().inNamespace(PROD).withName(clone).get()).as("Pod of the refused clone").isNull();
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(PROD, clone);
        }
    }

    /**
     * A clone named like its own source PVC would make a PVC of the very name production's volume
     * has: mounting that would start a second postmaster on production's live files.
     */
    @Test
    @Order(2)
    void cloneNamedLikeItsSourcePvcIsRefusedAndNeverMountsProductionsVolume() throws Exception {
        String ns = VOLUME_NS;
        // a production of its own: on code that lets this attack through, this production does not survive it
        SampleProduction ledger = SampleProduction.create(cluster, new SampleProduction.Options().namespace(ns).name("ledger").scale(1));
        Production before = Production.of(this, ledger);
        String clone = ledger.pvcName();
        try {
            apply(clone, cloneOfPvc(clone, ns, ledger.pvcName(), ledger.postgresImage(), ""));
            GenericKubernetesResource outcome = awaitOutcome(ns, clone, "NameConflict");
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(cluster.client().pods().inNamespace(ns).list().getItems()).as("Pods mounting %s", ledger.pvcName())
                    .filteredOn(p -> p.getSpec().getVolumes().stream().anyMatch(v -> v.getPersistentVolumeClaim() != null
                            && ledger.pvcName().equals(v.getPersistentVolumeClaim().getClaimName())))
                    .extracting(p -> p.getMetadata().getName()).containsExactly(ledger.podName());
            assertRefused(soft, ns, "databaseclone", clone, outcome, "NameConflict", "PersistentVolumeClaim " + clone);
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
            ledger.close();
        }
    }

    @Test
    @Order(3)
    void cloneNamedLikeAForeignServiceIsRefusedAndTheServiceKeepsItsSelector() throws Exception {
        String ns = "a-service";
        String clone = "billing";
        Production before = Production.of(this, prod);
        apply("billing-service", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: billing
                  namespace: %s
                spec:
                  selector:
                    app: billing-api
                  ports:
                  - port: 8080
                """.formatted(ns));
        Service service = cluster.client().services().inNamespace(ns).withName("billing").get();
        try {
            apply(clone, cloneOfSource(clone, ns, SOURCE, ""));
            // a clone switches its Service only once prepared: where the attack gets through, wait for that
            GenericKubernetesResource outcome = await(READY_TIMEOUT, () -> clone(ns, clone), c -> settled(c, "NameConflict")
                    || !Map.of("app", "billing-api").equals(selectorOf(ns, "billing")));
            SoftAssertions soft = new SoftAssertions();
            Service after = cluster.client().services().inNamespace(ns).withName("billing").get();
            soft.assertThat(after.getSpec().getSelector()).as("selector of Service billing").isEqualTo(Map.of("app", "billing-api"));
            soft.assertThat(after).as("Service billing").satisfies(s -> assertSameObject(s, service));
            assertRefused(soft, ns, "databaseclone", clone, outcome, "NameConflict", "Service billing");
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /** A ConfigMap planted under the bootstrap's name would replace the script the clone's Pod runs. */
    @Test
    @Order(4)
    void plantedBootstrapConfigMapIsRefusedAndItsScriptNeverRuns() throws Exception {
        String ns = "a-bootstrap";
        String clone = "reports";
        String marker = "PLANTED-BOOTSTRAP-RAN-" + random();
        Production before = Production.of(this, prod);
        apply("planted-bootstrap", """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s-bootstrap
                  namespace: %s
                data:
                  clone-bootstrap.sh: |
                    echo %s
                    echo %s > "$PGCLONE_VOLUME/planted-marker"
                    exec sleep 600
                """.formatted(clone, ns, marker, marker));
        ConfigMap planted = cluster.client().configMaps().inNamespace(ns).withName(clone + "-bootstrap").get();
        try {
            apply(clone, cloneOfSource(clone, ns, SOURCE, ""));
            GenericKubernetesResource outcome = awaitOutcome(ns, clone, "NameConflict");
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(podLog(ns, clone)).as("output of Pod %s", clone).doesNotContain(marker);
            if (cluster.client().persistentVolumeClaims().inNamespace(ns).withName(clone).get() != null) {
                soft.assertThat(Volumes.hostPath(cluster.client(), ns, clone).resolve("planted-marker")).as("marker in the clone's volume")
                        .doesNotExist();
            }
            soft.assertThat(cluster.client().configMaps().inNamespace(ns).withName(clone + "-bootstrap").get()).as("the planted ConfigMap")
                    .satisfies(c -> assertSameObject(c, planted));
            assertRefused(soft, ns, "databaseclone", clone, outcome, "NameConflict", "ConfigMap " + clone + "-bootstrap");
            soft.assertThat(cluster.client().pods().inNamespace(ns).withName(clone).get()).as("Pod of the refused clone").isNull();
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /** A schedule's stable Service has the schedule's name: one named like an existing Service must not take it over. */
    @Test
    @Order(5)
    void refreshScheduleNamedLikeAnExistingServiceIsRefusedAndTheServiceKeepsItsSelector() throws Exception {
        String ns = "a-schedule";
        String schedule = "payments";
        Production before = Production.of(this, prod);
        apply("payments-service", """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  selector:
                    app: payments-api
                  ports:
                  - port: 8080
                """.formatted(schedule, ns));
        Service service = cluster.client().services().inNamespace(ns).withName(schedule).get();
        try {
            apply(schedule, """
                    apiVersion: %s
                    kind: RefreshSchedule
                    metadata:
                      name: %s
                      namespace: %s
                      annotations:
                        pgclone.dev/refresh-now: "1"
                    spec:
                      schedule: "0 6 * * *"
                      template:
                        spec:
                          source:
                            cloneSource:
                              name: %s
                              namespace: %s
                    """.formatted(API, schedule, ns, SOURCE, PROD));
            GenericKubernetesResource outcome = await(READY_TIMEOUT, () -> schedule(ns, schedule),
                    s -> hasConditionReason(s, "NameConflict") || !Objects.equals(selectorOf(ns, schedule), Map.of("app", "payments-api")));
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(selectorOf(ns, schedule)).as("selector of Service %s", schedule).isEqualTo(Map.of("app", "payments-api"));
            soft.assertThat(cluster.client().services().inNamespace(ns).withName(schedule).get()).as("Service %s", schedule)
                    .satisfies(s -> assertSameObject(s, service));
            soft.assertThat(conditionsWithReason(outcome, "NameConflict")).as("RefreshSchedule conditions with reason NameConflict; status: %s",
                    CloneScenarios.status(outcome)).isNotEmpty().anySatisfy(c -> assertThat(c.get("message").toString())
                    .contains("Service " + schedule));
            soft.assertThat(warnings(ns, schedule, "NameConflict")).as("Warning events NameConflict on %s", schedule).isNotEmpty();
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            kubectl.run(Duration.ofSeconds(60), "delete", "refreshschedule", schedule, "-n", ns, "--ignore-not-found");
            deleteClones(ns, cluster.client().genericKubernetesResources(API, "DatabaseClone").inNamespace(ns).list().getItems().stream()
                    .map(c -> c.getMetadata().getName()).toArray(String[]::new));
        }
    }

    /**
     * A masked clone's own volume and snapshot hold production's data as the CloneSource allowed
     * it; cloning them again by pvcName or snapshotName (even with isolation: none) would escape the
     * CloneSource's rules and its revocation. In mode Snapshot the clone's volume is a copy of the
     * masked snapshot, which is no licence either: the CloneSource may be revoked, or rebuilt.
     */
    @ParameterizedTest(name = "masking mode {0}")
    @EnumSource(Mode.class)
    @Order(6)
    void recloningACloneSourceCloneByPvcOrSnapshotIsRefused(Mode mode) throws Exception {
        String ns = "a-derived";
        String masked = mode.name("masked");
        Production before = Production.of(this, prod);
        List<String> reclones = Stream.of("again-by-pvc", "again-by-snapshot", "again-unisolated").map(mode::name).toList();
        awaitMaskedSnapshotOf(mode);
        try {
            apply(masked, cloneOfSource(masked, ns, mode.source, ""));
            awaitReady(ns, masked);
            List<VolumeSnapshot> snapshots = cluster.client().resources(VolumeSnapshot.class).inNamespace(ns).list().getItems();
            assertThat(snapshots).as("VolumeSnapshots of the masked clone in %s", ns).hasSize(1);
            String snapshot = snapshots.get(0).getMetadata().getName();
            apply(reclones.get(0), cloneOfPvc(reclones.get(0), ns, masked, prod.postgresImage(), ""));
            apply(reclones.get(1), cloneOfSnapshot(reclones.get(1), ns, snapshot, prod.postgresImage()));
            apply(reclones.get(2), cloneOfPvc(reclones.get(2), ns, masked, prod.postgresImage(), "  isolation: none\n"));
            SoftAssertions soft = new SoftAssertions();
            long deadline = System.nanoTime() + REFUSAL_TIMEOUT.toNanos();
            for (String reclone : reclones) {
                GenericKubernetesResource outcome = awaitOutcome(ns, reclone, "DerivedFromCloneSource",
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                assertRefused(soft, ns, "databaseclone", reclone, outcome, "DerivedFromCloneSource", mode.source);
                soft.assertThat(cluster.client().pods().inNamespace(ns).withName(reclone).get()).as("Pod of %s", reclone).isNull();
            }
            soft.assertThat(cluster.client().resources(VolumeSnapshot.class).inNamespace(ns).list().getItems())
                    .as("VolumeSnapshots in %s: only the masked clone's", ns).extracting(s -> s.getMetadata().getName()).containsExactly(snapshot);
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, reclones.toArray(String[]::new));
            deleteClones(ns, masked);
            // the other mode's run counts the VolumeSnapshots of this namespace
            await(Duration.ofSeconds(60), () -> cluster.client().resources(VolumeSnapshot.class).inNamespace(ns).list().getItems(), List::isEmpty);
        }
    }

    /**
     * While the CloneSource's mandatory masking sleeps before it masks, every Secret of the
     * namespace is tried against the clone's Pod: nobody may log in before preparation is done. A
     * login is judged by what the session finds: unmasked rows, or the masking session still at
     * work beside it. (Published credentials become valid as preparation's last step, a moment
     * before the Ready condition is written; a login in that moment sees only masked data.)
     */
    @Test
    @Order(7)
    void noSecretOfTheNamespaceLogsInWhileTheMandatoryMaskingRuns() throws Exception {
        String ns = "a-login";
        String clone = "early";
        Production before = Production.of(this, prod);
        try {
            apply(clone, cloneOfSource(clone, ns, SLOW_SOURCE, "  credentials:\n    roles: [app]\n"));
            List<String> breaches = new ArrayList<>();
            List<String> early = new ArrayList<>();
            int attemptsWhileUnready = 0;
            int reachedPostgres = 0;
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos() + Duration.ofSeconds(SLOW_MASKING_SECONDS).toNanos();
            while (!isReady(clone(ns, clone)) && System.nanoTime() < deadline) {
                String ip = podIp(ns, clone);
                if (ip != null) {
                    for (Secret s : cluster.client().secrets().inNamespace(ns).list().getItems()) {
                        String password = secretValue(s, "password");
                        if (password == null) {
                            continue;
                        }
                        for (String user : usersToTry(s)) {
                            attemptsWhileUnready++;
                            Login login = login(ip, user, password);
                            if (login.reachedPostgres()) {
                                reachedPostgres++;
                            }
                            if (login.duringPreparation()) {
                                breaches.add("Secret " + s.getMetadata().getName() + " as " + user + ": " + login.seen());
                            } else if (login.succeeded()) {
                                early.add("Secret " + s.getMetadata().getName() + " as " + user + ": " + login.seen());
                            }
                        }
                    }
                }
                Thread.sleep(300);
            }
            if (!early.isEmpty()) {
                System.out.println("[AttackIT] logins after the masking, before Ready=True was written: " + early);
            }
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(isReady(clone(ns, clone))).as("clone %s Ready; status %s", clone, CloneScenarios.status(clone(ns, clone))).isTrue();
            soft.assertThat(reachedPostgres).as("login attempts that reached postgres before Ready (of %d made)", attemptsWhileUnready)
                    .isPositive();
            soft.assertThat(breaches).as("logins into the clone before its mandatory masking had finished").isEmpty();
            try (Connection db = DriverManager.getConnection(jdbc(podIp(ns, clone)), "postgres", secretPassword(ns, clone + "-superuser"))) {
                soft.assertThat(CloneScenarios.single(db, "SELECT count(*) FROM customers")).isEqualTo("500");
                soft.assertThat(CloneScenarios.single(db, "SELECT count(*) FROM customers WHERE email LIKE '%@real-customer.example'"))
                        .as("unmasked rows seen with the published Secret after Ready").isEqualTo("0");
            }
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /**
     * Attack 7 in masking mode Snapshot, where the masking runs once, in a build in production's
     * namespace, and clones wait for its masked snapshot. While the build's masking sleeps before it
     * masks, every Secret of production's namespace (production's own, and whatever the build
     * publishes) and of the consumer's is tried against the build's Pod, and the consumer's against
     * the consumer's Pod: nobody may log in while the masking runs. The consumer has no masking of
     * its own to wait for: it must run no Pod before a masked snapshot is published, and its volume
     * must hold no pre-masking value, not even in old row versions or WAL.
     */
    @Test
    @Order(7)
    void noSecretLogsIntoTheMaskingBuildAndTheConsumerNeverRunsUnmaskedInModeSnapshot() throws Exception {
        String ns = "a-login";
        String clone = Mode.SNAPSHOT.name("early");
        Production before = Production.of(this, prod);
        try {
            apply(SLOW_SNAPSHOT_SOURCE, cloneSource(SLOW_SNAPSHOT_SOURCE, SLOW_MASKING, Mode.SNAPSHOT));
            apply(clone, cloneOfSource(clone, ns, SLOW_SNAPSHOT_SOURCE, "  credentials:\n    roles: [app]\n"));
            List<String> breaches = new ArrayList<>();
            List<String> consumerPodsUnpublished = new ArrayList<>();
            java.util.Set<String> builds = new java.util.LinkedHashSet<>();
            int attemptsOnBuild = 0;
            int buildReached = 0;
            long deadline = System.nanoTime() + BUILD_TIMEOUT.toNanos() + READY_TIMEOUT.toNanos();
            while (!isReady(clone(ns, clone)) && System.nanoTime() < deadline) {
                // read before the snapshots: a consumer Pod seen now ran while none of them was usable
                String consumerIp = podIp(ns, clone);
                boolean published = !usableMaskedSnapshots(SLOW_SNAPSHOT_SOURCE).isEmpty();
                if (consumerIp != null && !published) {
                    consumerPodsUnpublished.add("Pod " + clone + " at " + consumerIp);
                }
                List<Secret> secrets = new ArrayList<>(cluster.client().secrets().inNamespace(ns).list().getItems());
                if (consumerIp != null) {
                    breaches.addAll(breachesOf("consumer Pod " + clone, consumerIp, secrets).breaches());
                }
                secrets.addAll(cluster.client().secrets().inNamespace(PROD).list().getItems());
                for (GenericKubernetesResource build : builds(SLOW_SNAPSHOT_SOURCE)) {
                    String name = build.getMetadata().getName();
                    builds.add(name);
                    String ip = podIp(PROD, name);
                    if (ip != null && !published) {
                        Attempts tried = breachesOf("build Pod " + name, ip, secrets);
                        attemptsOnBuild += tried.made();
                        buildReached += tried.reachedPostgres();
                        breaches.addAll(tried.breaches());
                    }
                }
                Thread.sleep(300);
            }
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(isReady(clone(ns, clone))).as("clone %s Ready; status %s", clone, CloneScenarios.status(clone(ns, clone))).isTrue();
            soft.assertThat(builds).as("builds of CloneSource %s seen", SLOW_SNAPSHOT_SOURCE).isNotEmpty();
            soft.assertThat(buildReached).as("login attempts that reached the build's postgres before its snapshot was published (of %d made)",
                    attemptsOnBuild).isPositive();
            soft.assertThat(breaches).as("logins into the build or the consumer while the masking ran, or seeing unmasked rows").isEmpty();
            soft.assertThat(consumerPodsUnpublished).as("the consumer's Pod while no masked snapshot was published").isEmpty();
            soft.assertThat(CloneScenarios.map(CloneScenarios.status(clone(ns, clone)).get("snapshot")).get("name")).as("snapshot of %s", clone)
                    .isEqualTo(newestMaskedSnapshot(SLOW_SNAPSHOT_SOURCE));
            Map<String, String> value = Map.of("pre-masking value", PRODUCTION_VALUE);
            soft.assertThat(filesContaining(Volumes.hostPath(cluster.client(), PROD, prod.pvcName()), value).get("pre-masking value"))
                    .as("files of production holding %s", PRODUCTION_VALUE).isNotEmpty();
            soft.assertThat(filesContaining(Volumes.hostPath(cluster.client(), ns, clone), value).get("pre-masking value"))
                    .as("files of consumer %s holding %s", clone, PRODUCTION_VALUE).isEmpty();
            try (Connection db = DriverManager.getConnection(jdbc(podIp(ns, clone)), "postgres", secretPassword(ns, clone + "-superuser"))) {
                soft.assertThat(CloneScenarios.single(db, "SELECT count(*) FROM customers")).isEqualTo("500");
                soft.assertThat(CloneScenarios.single(db, "SELECT count(*) FROM customers WHERE email LIKE '%@example.test'"))
                        .as("masked rows seen with the published Secret after Ready").isEqualTo("500");
            }
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
            deleteCloneSource(SLOW_SNAPSHOT_SOURCE);
        }
    }

    /** Login attempts on one Pod: how many were made, how many reached postgres, and what each that got in saw during the masking. */
    record Attempts(int made, int reachedPostgres, List<String> breaches) {}

    /** Every password of these Secrets, as their username and as the superuser, against the Pod at {@code ip}. */
    private static Attempts breachesOf(String target, String ip, List<Secret> secrets) {
        int made = 0;
        int reached = 0;
        List<String> breaches = new ArrayList<>();
        for (Secret s : secrets) {
            String password = secretValue(s, "password");
            if (password == null) {
                continue;
            }
            for (String user : usersToTry(s)) {
                made++;
                Login login = login(ip, user, password);
                if (login.reachedPostgres()) {
                    reached++;
                }
                if (login.duringPreparation()) {
                    breaches.add(target + ", Secret " + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName() + " as " + user + ": "
                            + login.seen());
                }
            }
        }
        return new Attempts(made, reached, breaches);
    }

    /**
     * Production's password hashes and the passwords in a subscription's connection string and a
     * user mapping must be gone from every file of a prepared clone, WAL and old row versions
     * included; the same search finds them in production's own files, so it can see them. In mode
     * Snapshot the masked snapshot is rebuilt after they were made, and the clone restores from the
     * new one: then not even the values the masking replaced may be in any file of the clone.
     */
    @ParameterizedTest(name = "masking mode {0}")
    @EnumSource(Mode.class)
    @Order(8)
    void noFileOfAPreparedCloneHoldsProductionsCredentials(Mode mode) throws Exception {
        String ns = "a-files";
        String clone = mode.name("scrubbed");
        String publisherPassword = "publisher-" + random();
        String mappingPassword = "mapping-" + random();
        prod.psql("CREATE SUBSCRIPTION orders_feed CONNECTION 'host=publisher.example.internal port=5432 dbname=orders user=replicator password="
                + publisherPassword + "' PUBLICATION orders_pub WITH (connect = false)");
        prod.psql("CREATE EXTENSION IF NOT EXISTS postgres_fdw");
        prod.psql("CREATE SERVER billing_db FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'billing.example.internal', dbname 'billing')");
        prod.psql("CREATE USER MAPPING FOR postgres SERVER billing_db OPTIONS (user 'billing_reader', password '" + mappingPassword + "')");
        prod.psql("CHECKPOINT");
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String line : prod.psql("SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL").split("\n")) {
            String[] f = line.split(" ", 2);
            secrets.put("password hash of production role " + f[0], f[1]);
        }
        secrets.put("subscription publisher password", publisherPassword);
        secrets.put("user mapping password", mappingPassword);
        Production before = Production.of(this, prod);
        try {
            String masked = mode == Mode.SNAPSHOT ? rebuildMaskedSnapshot(SNAPSHOT_SOURCE, "attack-8-" + random()) : null;
            if (mode == Mode.SNAPSHOT) {
                // the values the masking replaced: in production's files, and in none of the clone's
                secrets.put("pre-masking value", PRODUCTION_VALUE);
            }
            apply(clone, cloneOfSource(clone, ns, mode.source, "  credentials:\n    roles: [app]\n"));
            awaitReady(ns, clone);
            Map<String, List<Path>> inProduction = filesContaining(Volumes.hostPath(cluster.client(), PROD, prod.pvcName()), secrets);
            Map<String, List<Path>> inClone = filesContaining(Volumes.hostPath(cluster.client(), ns, clone), secrets);
            SoftAssertions soft = new SoftAssertions();
            if (masked != null) {
                soft.assertThat(CloneScenarios.map(CloneScenarios.status(clone(ns, clone)).get("snapshot")).get("name"))
                        .as("snapshot of %s: the masked snapshot built after the credentials were made", clone).isEqualTo(masked);
            }
            secrets.keySet().forEach(what -> soft.assertThat(inProduction.get(what)).as("files of production holding the %s", what).isNotEmpty());
            secrets.keySet().forEach(what -> soft.assertThat(inClone.get(what)).as("files of clone %s holding the %s", clone, what).isEmpty());
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
            // the publisher does not exist: detach the subscription from its slot so DROP need not reach it
            prod.psql("ALTER SUBSCRIPTION orders_feed DISABLE");
            prod.psql("ALTER SUBSCRIPTION orders_feed SET (slot_name = NONE)");
            prod.psql("DROP SUBSCRIPTION orders_feed");
            prod.psql("DROP SERVER billing_db CASCADE");
        }
    }

    /**
     * Settings under which the mandatory masking would not do its job (triggers off) or would log what
     * it masks. In mode Snapshot the masking runs in a build whose settings only the CloneSource
     * decides, but the same settings are refused all the same: a consumer's allowed settings do not
     * depend on where the masking runs.
     */
    @ParameterizedTest(name = "masking mode {0}")
    @EnumSource(Mode.class)
    @Order(9)
    void cloneSourceConsumerParametersThatLoosenTheMaskingAreRefused(Mode mode) throws Exception {
        String ns = "a-params";
        Production before = Production.of(this, prod);
        Map<String, String> attempts = Map.of(mode.name("replica-role"), "session_replication_role: replica", mode.name("log-everything"),
                "log_statement: all");
        try {
            attempts.forEach((clone, parameter) -> apply(clone, cloneOfSource(clone, ns, mode.source,
                    "  postgres:\n    parameters:\n      " + parameter + "\n")));
            SoftAssertions soft = new SoftAssertions();
            attempts.forEach((clone, parameter) -> {
                GenericKubernetesResource outcome = awaitOutcome(ns, clone, "ParameterNotAllowed");
                assertRefused(soft, ns, "databaseclone", clone, outcome, "ParameterNotAllowed", parameter.split(":")[0]);
                soft.assertThat(cluster.client().pods().inNamespace(ns).withName(clone).get()).as("Pod of %s", clone).isNull();
            });
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, attempts.keySet().toArray(String[]::new));
        }
    }

    /**
     * Production's superuser logs every statement (ALTER ROLE ... SET log_statement = 'all'): the
     * statements that give the clone its passwords must not land in the clone Pod's log.
     */
    @Test
    @Order(10)
    void aProductionRoleLoggingEveryStatementPutsNoPasswordIntoTheClonesLog() throws Exception {
        String ns = "a-logs";
        String clone = "verbose";
        Production before = Production.of(this, prod);
        prod.psql("ALTER ROLE postgres SET log_statement = 'all'");
        try {
            apply(clone, cloneOfSource(clone, ns, SOURCE, "  credentials:\n    roles: [app]\n"));
            awaitReady(ns, clone);
            String log = podLog(ns, clone);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(log).as("the clone Pod's log (postgres writes to it)").contains("database system is ready to accept connections");
            soft.assertThat(log).as("clone Pod log: the published superuser password").doesNotContain(secretPassword(ns, clone + "-superuser"));
            soft.assertThat(log).as("clone Pod log: the published app password").doesNotContain(secretPassword(ns, clone + "-app"));
            soft.assertThat(log).as("clone Pod log: production's passwords").doesNotContain(prod.password(), appPassword);
            soft.assertThat(log).as("clone Pod log: SCRAM verifiers").doesNotContain("SCRAM-SHA-256$");
            soft.assertThat(log.lines().filter(l -> l.matches("(?i).*password\\s+'.*")).toList()).as("clone Pod log lines with a password literal")
                    .isEmpty();
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            prod.psql("ALTER ROLE postgres RESET log_statement");
            deleteClones(ns, clone);
        }
    }

    @Test
    @Order(11)
    void aPostCloneScriptThatSleepsForeverEndsInPostCloneTimeout() throws Exception {
        String ns = "a-sleep";
        String clone = "sleeper";
        Production before = Production.of(this, prod);
        try {
            long t0 = System.nanoTime();
            apply(clone, cloneOfSource(clone, ns, SOURCE, "  postClone:\n    sql: \"SELECT pg_sleep(1e9)\"\n    timeout: 5s\n"));
            // the clone is restored, started and masked before its own script even begins: give it the time a clone takes to get Ready
            GenericKubernetesResource outcome = await(READY_TIMEOUT, () -> clone(ns, clone), c -> settled(c, "PostCloneTimeout"));
            long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
            SoftAssertions soft = new SoftAssertions();
            assertRefused(soft, ns, "databaseclone", clone, outcome, "PostCloneTimeout", "spec.postClone.timeout");
            soft.assertThat(seconds).as("seconds from create to PostCloneTimeout (a clone here is Ready in about 15)").isLessThan(90);
            Service service = cluster.client().services().inNamespace(ns).withName(clone).get();
            if (service != null && service.getSpec().getSelector() != null) {
                soft.assertThat(cluster.client().pods().inNamespace(ns).withLabels(service.getSpec().getSelector()).list().getItems())
                        .as("Pods Service %s selects", clone).isEmpty();
            }
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /**
     * Objects anyone can label as the operator's are not the operator's: 2000 planted ConfigMaps
     * with its labels stay exactly as they were, and a clone named after their label still works
     * and goes without taking them along. (What they cost the operator's memory is not measured
     * here: the operator exposes no count of the objects it ignores.)
     */
    @Test
    @Order(12)
    void thousandsOfPlantedConfigMapsWithTheOperatorsLabelsAreIgnored() throws Exception {
        String ns = "a-planted";
        String clone = "x";
        int count = 2000;
        Production before = Production.of(this, prod);
        // every label the operator selects its informers on, the mark included (with a value only the operator could compute right)
        String forged = "forged-" + random();
        // Created by a few concurrent clients: one by one (as `kubectl create -f` sends them) the 2000
        // requests took two minutes, and what the attack needs is the ConfigMaps, not their order.
        List<ConfigMap> plants = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            plants.add(new ConfigMapBuilder().withNewMetadata().withName("planted-%04d".formatted(i)).withNamespace(ns)
                    .addToLabels("app.kubernetes.io/managed-by", "pgclone-operator")
                    .addToLabels("pgclone.dev/clone", clone)
                    .addToLabels("pgclone.dev/mark", forged).endMetadata()
                    .addToData("filler", "x".repeat(1024)).build());
        }
        createConcurrently(plants, PLANTING_THREADS);
        Map<String, String> planted = plantedVersions(ns);
        assertThat(planted).as("planted ConfigMaps").hasSize(count);
        try {
            apply(clone, cloneOfSource(clone, ns, SOURCE, ""));
            awaitReady(ns, clone);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(plantedVersions(ns)).as("planted ConfigMaps (name -> resourceVersion) while the clone serves").isEqualTo(planted);
            deleteClones(ns, clone);
            soft.assertThat(plantedVersions(ns)).as("planted ConfigMaps after the clone was deleted").isEqualTo(planted);
            soft.assertThat(cluster.client().configMaps().inNamespace(ns).withLabel("pgclone.dev/clone", clone).list().getItems())
                    .as("planted ConfigMaps with ownerReferences").filteredOn(c -> !c.getMetadata().getOwnerReferences().isEmpty()).isEmpty();
            soft.assertThat(operator.alive()).as("operator alive").isTrue();
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /** Creates the objects with {@code threads} requests in flight; fails with the first error once all are done. */
    private void createConcurrently(List<? extends HasMetadata> objects, int threads) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> created = new ArrayList<>();
            for (HasMetadata o : objects) {
                created.add(pool.submit(() -> cluster.client().resource(o).create()));
            }
            for (Future<?> f : created) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("planting ConfigMaps failed: " + e.getMessage(), e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Order(13)
    void anImageOutsideTheAllowListIsRefusedAndNothingIsCreated() throws Exception {
        String ns = "a-image";
        String clone = "evil";
        Production before = Production.of(this, prod);
        Volumes.createBound(cluster.client(), ns, "data", "1Gi");
        try {
            apply(clone, cloneOfPvc(clone, ns, "data", EVIL_IMAGE, ""));
            GenericKubernetesResource outcome = awaitOutcome(ns, clone, "ImageNotAllowed");
            SoftAssertions soft = new SoftAssertions();
            assertRefused(soft, ns, "databaseclone", clone, outcome, "ImageNotAllowed", EVIL_IMAGE);
            KubernetesClient client = cluster.client();
            soft.assertThat(client.pods().inNamespace(ns).list().getItems()).as("Pods in %s", ns).isEmpty();
            soft.assertThat(client.resources(VolumeSnapshot.class).inNamespace(ns).list().getItems()).as("VolumeSnapshots in %s", ns).isEmpty();
            soft.assertThat(client.persistentVolumeClaims().inNamespace(ns).list().getItems()).as("PVCs in %s", ns)
                    .extracting(p -> p.getMetadata().getName()).containsExactly("data");
            soft.assertThat(client.secrets().inNamespace(ns).list().getItems()).as("Secrets in %s", ns).isEmpty();
            // kube-root-ca.crt: the control plane publishes it into every namespace
            soft.assertThat(client.configMaps().inNamespace(ns).list().getItems()).as("ConfigMaps in %s", ns)
                    .extracting(c -> c.getMetadata().getName()).allMatch("kube-root-ca.crt"::equals);
            if (cluster.controlPlane() != null) {
                String operator = cluster.operatorAccess().orElseThrow().user();
                soft.assertThat(cluster.controlPlane().auditLog().writes()).as("objects the operator (%s) created in %s", operator, ns)
                        .filteredOn(w -> w.user().equals(operator) && w.namespace().equals(ns) && w.verb().equals("create"))
                        .extracting(AuditLog.Write::resource).allMatch("events"::equals);
            }
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(ns, clone);
        }
    }

    /**
     * Mode Snapshot's own attack: someone who may create DatabaseClones in production's namespace
     * dresses one up as a masked-snapshot build (the build label naming the CloneSource, the
     * operator's labels with a forged mark, a controller reference to the CloneSource), to have the
     * copy it gets published as a masked snapshot that every consumer namespace would then restore.
     * It must stay an ordinary clone: its Pod not in build mode, no snapshot published, and the
     * CloneSource's build status not naming it.
     */
    @Test
    @Order(14)
    void aCloneDressedUpAsAMaskedSnapshotBuildPublishesNothing() throws Exception {
        String fake = SNAPSHOT_SOURCE + "-mask-209901010000";
        String serving = awaitMaskedSnapshotOf(Mode.SNAPSHOT);
        String uid = cloneSourceObject(SNAPSHOT_SOURCE).getMetadata().getUid();
        List<String> maskedBefore = maskedSnapshotNames();
        Production before = Production.of(this, prod);
        try {
            apply(fake, """
                    apiVersion: %1$s
                    kind: DatabaseClone
                    metadata:
                      name: %2$s
                      namespace: %3$s
                      labels:
                        app.kubernetes.io/managed-by: pgclone-operator
                        app.kubernetes.io/component: masking-build
                        pgclone.dev/masking-build: %4$s
                        pgclone.dev/mark: forged-%5$s
                      ownerReferences:
                      - apiVersion: %1$s
                        kind: CloneSource
                        name: %4$s
                        uid: %6$s
                        controller: true
                    spec:
                      source:
                        cloneSource:
                          name: %4$s
                          namespace: %3$s
                    """.formatted(API, fake, PROD, SNAPSHOT_SOURCE, random(), uid));
            // a build publishes its snapshot before it is Ready; an ordinary clone is Ready without one
            GenericKubernetesResource outcome = await(READY_TIMEOUT, () -> clone(PROD, fake),
                    c -> isReady(c) || "Failed".equals(CloneScenarios.status(c).get("phase")));
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(maskedSnapshotNames()).as("VolumeSnapshots labelled pgclone.dev/masked=true in %s", PROD).isEqualTo(maskedBefore);
            soft.assertThat(cluster.client().resources(VolumeSnapshot.class).inNamespace(PROD).list().getItems())
                    .as("VolumeSnapshots of the look-alike's volume").filteredOn(v -> v.getSpec().getSource() != null
                            && fake.equals(v.getSpec().getSource().getPersistentVolumeClaimName())).isEmpty();
            Pod pod = cluster.client().pods().inNamespace(PROD).withName(fake).get();
            if (pod != null) {
                soft.assertThat(pod.getSpec().getRestartPolicy()).as("restartPolicy of Pod %s", fake).isEqualTo("Always");
                soft.assertThat(pod.getSpec().getContainers().get(0).getEnv()).as("environment of Pod %s", fake)
                        .noneMatch(e -> "PGCLONE_BUILD".equals(e.getName()));
            }
            soft.assertThat(CloneScenarios.map(CloneScenarios.status(cloneSourceObject(SNAPSHOT_SOURCE)).get("build")).get("name"))
                    .as("status.build of CloneSource %s", SNAPSHOT_SOURCE).isNotEqualTo(fake);
            soft.assertThat(isReady(outcome)).as("the look-alike Ready as an ordinary clone; status %s", CloneScenarios.status(outcome)).isTrue();
            soft.assertThat(CloneScenarios.map(CloneScenarios.status(outcome).get("snapshot")).get("name"))
                    .as("the look-alike restored from the masked snapshot, as any clone of %s", SNAPSHOT_SOURCE).isEqualTo(serving);
            before.assertUntouched(soft);
            soft.assertAll();
        } finally {
            deleteClones(PROD, fake);
        }
    }

    // ------------------------------------------------------------------------------------ masked snapshots

    private GenericKubernetesResource cloneSourceObject(String name) {
        return cluster.client().genericKubernetesResources(API, "CloneSource").inNamespace(PROD).withName(name).get();
    }

    /** Mode Snapshot: waits until the CloneSource serves a masked snapshot and returns its name; mode PerClone: null. */
    private String awaitMaskedSnapshotOf(Mode mode) {
        return mode == Mode.SNAPSHOT ? awaitMaskedSnapshot(mode.source) : null;
    }

    private String awaitMaskedSnapshot(String source) {
        GenericKubernetesResource s = await(BUILD_TIMEOUT, () -> cloneSourceObject(source), c -> newestMasked(c) != null
                && "True".equals(CloneScenarios.condition(c, "MaskedSnapshotReady").get("status")));
        assertThat(newestMasked(s)).as("CloneSource %s serving a masked snapshot within %d s; status %s", source, BUILD_TIMEOUT.toSeconds(),
                CloneScenarios.status(s)).isNotNull();
        return newestMasked(s);
    }

    /** The newest masked snapshot the CloneSource's status lists as ready, or null. */
    private static String newestMasked(GenericKubernetesResource source) {
        return CloneScenarios.status(source).get("maskedSnapshots") instanceof List<?> l ? l.stream().map(CloneScenarios::map)
                .filter(m -> Boolean.TRUE.equals(m.get("readyToUse"))).map(m -> Objects.toString(m.get("name"))).findFirst().orElse(null) : null;
    }

    private String newestMaskedSnapshot(String source) {
        return newestMasked(cloneSourceObject(source));
    }

    /**
     * Asks for a new masked snapshot with the rebuild annotation, as production's owners would, and
     * waits until it is published; returns its name.
     */
    private String rebuildMaskedSnapshot(String source, String request) {
        String previous = awaitMaskedSnapshot(source);
        kubectl.ok("annotate", "clonesource", source, "-n", PROD, "--overwrite", "pgclone.dev/rebuild-masked-snapshot=" + request);
        GenericKubernetesResource s = await(BUILD_TIMEOUT, () -> cloneSourceObject(source), c -> request.equals(CloneScenarios.status(c)
                .get("lastRebuildRequest")) && "Published".equals(CloneScenarios.map(CloneScenarios.status(c).get("build")).get("state"))
                && newestMasked(c) != null && !previous.equals(newestMasked(c)));
        assertThat(newestMasked(s)).as("CloneSource %s: a masked snapshot newer than %s within %d s of the rebuild annotation; status %s", source,
                previous, BUILD_TIMEOUT.toSeconds(), CloneScenarios.status(s)).isNotNull().isNotEqualTo(previous);
        return newestMasked(s);
    }

    /** The source's masked snapshots that a clone could restore from now. */
    private List<VolumeSnapshot> usableMaskedSnapshots(String source) {
        return cluster.client().resources(VolumeSnapshot.class).inNamespace(PROD).withLabel("pgclone.dev/masked", "true")
                .withLabel("pgclone.dev/clone-source", source).list().getItems().stream()
                .filter(v -> v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse())).toList();
    }

    /** Names of every VolumeSnapshot in production's namespace labelled as masked, sorted. */
    private List<String> maskedSnapshotNames() {
        return cluster.client().resources(VolumeSnapshot.class).inNamespace(PROD).withLabel("pgclone.dev/masked", "true").list().getItems()
                .stream().map(v -> v.getMetadata().getName()).sorted().toList();
    }

    /** The source's masked-snapshot builds (DatabaseClones in production's namespace). */
    private List<GenericKubernetesResource> builds(String source) {
        return cluster.client().genericKubernetesResources(API, "DatabaseClone").inNamespace(PROD).withLabel("pgclone.dev/masking-build", source)
                .list().getItems();
    }

    /** Deletes a CloneSource and waits until its builds and masked snapshots are gone with it. */
    private void deleteCloneSource(String name) {
        kubectl.run(Duration.ofSeconds(60), "delete", "clonesource", name, "-n", PROD, "--ignore-not-found", "--wait=false");
        await(Duration.ofSeconds(90), () -> cloneSourceObject(name) != null || !builds(name).isEmpty()
                || !cluster.client().resources(VolumeSnapshot.class).inNamespace(PROD).withLabel("pgclone.dev/clone-source", name).list().getItems()
                .isEmpty(), held -> !held);
    }

    // ------------------------------------------------------------------------------------ manifests

    private String cloneOfPvc(String name, String ns, String pvc, String image, String extraSpec) {
        return cloneOf(name, ns, "pvcName", pvc, image, extraSpec);
    }

    private String cloneOfSnapshot(String name, String ns, String snapshot, String image) {
        return cloneOf(name, ns, "snapshotName", snapshot, image, "");
    }

    /** A clone of the sample production's layout naming a volume or snapshot of its own namespace ({@code field}). */
    private String cloneOf(String name, String ns, String field, String source, String image, String extraSpec) {
        return """
                apiVersion: %s
                kind: DatabaseClone
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    %s: %s
                    dataDirectory: %s
                  postgres:
                    image: %s
                    runAsUser: %d
                %s""".formatted(API, name, ns, field, source, SampleProduction.DATA_DIRECTORY, image, prod.uid(), extraSpec);
    }

    private String cloneOfSource(String name, String ns, String source, String extraSpec) {
        return prod.cloneOfSourceYaml(name, ns, source, extraSpec);
    }

    /** kubectl apply -f, as the attacker (or production's owners) would. */
    private void apply(String what, String yaml) {
        try {
            Path file = Files.createTempFile(manifests, what + "-", ".yaml");
            Files.writeString(file, yaml);
            kubectl.ok("apply", "-f", file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------ waiting

    private GenericKubernetesResource clone(String ns, String name) {
        return cluster.client().genericKubernetesResources(API, "DatabaseClone").inNamespace(ns).withName(name).get();
    }

    private GenericKubernetesResource schedule(String ns, String name) {
        return cluster.client().genericKubernetesResources(API, "RefreshSchedule").inNamespace(ns).withName(name).get();
    }

    /**
     * Waits until the clone is refused with {@code reason}, or is Ready, or its Pod serves (the
     * attack got through), or the time is up; returns the clone as it then is, for the assertions
     * to say which.
     */
    private GenericKubernetesResource awaitOutcome(String ns, String name, String reason) {
        return awaitOutcome(ns, name, reason, REFUSAL_TIMEOUT);
    }

    /** As {@link #awaitOutcome(String, String, String)}; a clone that failed for another reason has its outcome too. */
    private GenericKubernetesResource awaitOutcome(String ns, String name, String reason, Duration timeout) {
        return await(timeout, () -> clone(ns, name), c -> settled(c, reason) || podReady(cluster.client().pods().inNamespace(ns).withName(name).get()));
    }

    /** Refused with {@code reason}, Ready, or failed otherwise. */
    private static boolean settled(GenericKubernetesResource c, String reason) {
        return reason.equals(CloneScenarios.condition(c, "Ready").get("reason")) || isReady(c) || "Failed".equals(CloneScenarios.status(c).get("phase"));
    }

    private void awaitReady(String ns, String name) {
        GenericKubernetesResource c = await(READY_TIMEOUT, () -> clone(ns, name), AttackIT::isReady);
        assertThat(isReady(c)).as("DatabaseClone %s/%s Ready; status: %s", ns, name, CloneScenarios.status(c)).isTrue();
    }

    private static <T> T await(Duration timeout, java.util.function.Supplier<T> read, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T now = read.get();
        while ((now == null || !done.test(now)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            now = read.get();
        }
        return now;
    }

    private static boolean podReady(Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean isReady(GenericKubernetesResource c) {
        return "True".equals(CloneScenarios.condition(c, "Ready").get("status"));
    }

    // ------------------------------------------------------------------------------------ what the user sees

    /**
     * The refusal as the attacker sees it: Ready=False with the reason (kubectl's jsonpath view), a
     * message naming {@code subject}, and a Warning event of that reason.
     */
    private void assertRefused(SoftAssertions soft, String ns, String kind, String name, GenericKubernetesResource outcome, String reason,
                               String subject) {
        String jsonpath = "jsonpath={.status.conditions[?(@.type==\"Ready\")]}";
        String ready = kubectl.run(Duration.ofSeconds(30), "get", kind, name, "-n", ns, "-o", jsonpath).stdout();
        Map<String, Object> condition = CloneScenarios.condition(outcome, "Ready");
        soft.assertThat(condition.get("reason")).as("%s %s/%s Ready reason (kubectl: %s); status: %s", kind, ns, name, ready,
                CloneScenarios.status(outcome)).isEqualTo(reason);
        soft.assertThat(condition.get("status")).as("%s %s/%s Ready status", kind, ns, name).isEqualTo("False");
        soft.assertThat(Objects.toString(condition.get("message"))).as("%s %s/%s Ready message", kind, ns, name).contains(subject);
        soft.assertThat(ready).as("kubectl get %s %s -o %s", kind, name, jsonpath).contains(reason);
        soft.assertThat(warnings(ns, name, reason)).as("Warning events %s on %s/%s", reason, ns, name).isNotEmpty();
    }

    private List<Event> warnings(String ns, String name, String reason) {
        return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()) && reason.equals(e.getReason()))
                .toList();
    }

    private static boolean hasConditionReason(GenericKubernetesResource r, String reason) {
        return !conditionsWithReason(r, reason).isEmpty();
    }

    private static List<Map<String, Object>> conditionsWithReason(GenericKubernetesResource r, String reason) {
        Object conditions = CloneScenarios.status(r).get("conditions");
        if (!(conditions instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().map(CloneScenarios::map).filter(c -> reason.equals(c.get("reason"))).toList();
    }

    private Map<String, String> selectorOf(String ns, String service) {
        Service s = cluster.client().services().inNamespace(ns).withName(service).get();
        return s == null ? null : s.getSpec().getSelector();
    }

    private Map<String, String> plantedVersions(String ns) {
        return cluster.client().configMaps().inNamespace(ns).list().getItems().stream().filter(c -> c.getMetadata().getName().startsWith("planted-"))
                .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getMetadata().getResourceVersion()));
    }

    /** An object left alone: the same resourceVersion (the API server bumps it on every write) and the same owners. */
    private static void assertSameObject(HasMetadata now, HasMetadata before) {
        assertThat(now).as("%s %s", before.getKind(), before.getMetadata().getName()).isNotNull();
        assertThat(now.getMetadata().getResourceVersion()).as("resourceVersion of %s %s", before.getKind(), before.getMetadata().getName())
                .isEqualTo(before.getMetadata().getResourceVersion());
        assertThat(now.getMetadata().getOwnerReferences()).as("ownerReferences of %s %s", before.getKind(), before.getMetadata().getName())
                .isEqualTo(before.getMetadata().getOwnerReferences());
    }

    private String podLog(String ns, String pod) throws IOException {
        Path log = cluster.kubelet().logFile(ns, pod).orElse(null);
        return log == null || !Files.exists(log) ? "" : Files.readString(log, StandardCharsets.ISO_8859_1);
    }

    private String podIp(String ns, String pod) {
        Pod p = cluster.client().pods().inNamespace(ns).withName(pod).get();
        return p == null || p.getStatus() == null ? null : p.getStatus().getPodIP();
    }

    private String secretPassword(String ns, String name) {
        Secret s = cluster.client().secrets().inNamespace(ns).withName(name).get();
        assertThat(s).as("Secret %s/%s", ns, name).isNotNull();
        return secretValue(s, "password");
    }

    private static String secretValue(Secret s, String key) {
        String v = s.getData() == null ? null : s.getData().get(key);
        return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    /** The Secret's username, and the superuser's name as well: an attacker tries every password with both. */
    private static List<String> usersToTry(Secret s) {
        String user = secretValue(s, "username");
        return user == null || user.equals("postgres") ? List.of("postgres") : List.of(user, "postgres");
    }

    // ------------------------------------------------------------------------------------ logins

    /**
     * One login; when it succeeds, what the session could see: whether unmasked rows were readable
     * and whether the mandatory script was still running beside it.
     */
    record Login(boolean succeeded, String sqlState, String seen, long unmaskedRows, long maskingSessions) {
        boolean reachedPostgres() {
            return succeeded || (sqlState != null && sqlState.startsWith("28"));
        }

        boolean duringPreparation() {
            return succeeded && (unmaskedRows > 0 || maskingSessions > 0);
        }
    }

    private static Login login(String host, String user, String password) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "3");
        p.setProperty("socketTimeout", "10");
        try (Connection db = DriverManager.getConnection(jdbc(host), p)) {
            long unmasked = Long.parseLong(CloneScenarios.single(db, "SELECT count(*) FROM customers WHERE email LIKE '%@real-customer.example'"));
            long running = Long.parseLong(CloneScenarios.single(db,
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"));
            return new Login(true, null, "logged in; unmasked rows readable: " + unmasked + ", masking sessions running: " + running, unmasked,
                    running);
        } catch (SQLException e) {
            return new Login(false, e.getSQLState(), e.getMessage(), 0, 0);
        }
    }

    /** Logins with this password into every Pod the clone runs (none when it runs none). */
    private List<String> loginsWith(String ns, String clone, String user, String password) {
        List<String> opened = new ArrayList<>();
        for (Pod p : cluster.client().pods().inNamespace(ns).withLabel("pgclone.dev/clone", clone).list().getItems()) {
            String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
            if (ip != null) {
                Properties props = new Properties();
                props.setProperty("user", user);
                props.setProperty("password", password);
                props.setProperty("connectTimeout", "3");
                try (Connection ignored = DriverManager.getConnection(jdbc(ip), props)) {
                    opened.add("Pod " + p.getMetadata().getName() + " at " + ip);
                } catch (SQLException refused) {
                    // what must happen
                }
            }
        }
        return opened;
    }

    private static String jdbc(String host) {
        return "jdbc:postgresql://" + host + ":5432/postgres";
    }

    // ------------------------------------------------------------------------------------ files

    /** For each secret, the files under {@code root} whose bytes contain it. */
    static Map<String, List<Path>> filesContaining(Path root, Map<String, String> secrets) throws IOException {
        Map<String, List<Path>> found = new LinkedHashMap<>();
        secrets.keySet().forEach(k -> found.put(k, new ArrayList<>()));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String bytes;
            try {
                bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            } catch (IOException gone) {
                continue;
            }
            secrets.forEach((what, value) -> {
                if (bytes.contains(value)) {
                    found.get(what).add(root.relativize(f));
                }
            });
        }
        return found;
    }

    // ------------------------------------------------------------------------------------ production

    /**
     * What production is before an attack: its objects and the postmaster serving its files.
     * Untouched afterwards means: what production's owner wrote in its objects the same (on the
     * mock, where nothing else writes, every byte and resourceVersion); on the real API server no
     * write of the operator's to them carried out, per the audit log, while Kubernetes' own
     * controllers may have written theirs; production still answering; and no other postmaster
     * working on its data directory.
     */
    record Production(AttackIT test, SampleProduction db, Map<String, HasMetadata> objects, String pidFile, long postmaster, Path dataDir) {

        static Production of(AttackIT test, SampleProduction db) throws IOException {
            KubernetesClient client = test.cluster.client();
            String ns = db.namespace();
            Map<String, HasMetadata> objects = new LinkedHashMap<>();
            objects.put("PersistentVolumeClaim " + db.pvcName(), client.persistentVolumeClaims().inNamespace(ns).withName(db.pvcName()).get());
            objects.put("Secret " + db.secretName(), client.secrets().inNamespace(ns).withName(db.secretName()).get());
            // the objects of masked-snapshot builds (mode Snapshot) are their DatabaseClones', which come and go: not production's
            for (Service s : client.services().inNamespace(ns).list().getItems()) {
                if (!ownedByAClone(s)) {
                    objects.put("Service " + s.getMetadata().getName(), s);
                }
            }
            for (ConfigMap c : client.configMaps().inNamespace(ns).list().getItems()) {
                if (!ownedByAClone(c)) {
                    objects.put("ConfigMap " + c.getMetadata().getName(), c);
                }
            }
            Path dataDir = Volumes.hostPath(client, ns, db.pvcName()).resolve(SampleProduction.DATA_DIRECTORY);
            String pidFile = Files.readString(dataDir.resolve("postmaster.pid"));
            return new Production(test, db, objects, pidFile, Long.parseLong(pidFile.lines().findFirst().orElseThrow().strip()), dataDir);
        }

        private static boolean ownedByAClone(HasMetadata o) {
            return o.getMetadata().getOwnerReferences().stream().anyMatch(r -> "DatabaseClone".equals(r.getKind()));
        }

        void assertUntouched(SoftAssertions soft) throws IOException {
            KubernetesClient client = test.cluster.client();
            String ns = db.namespace();
            var audit = test.cluster.controlPlane() == null ? null : test.cluster.controlPlane().auditLog();
            // read once: the writes that matter all happened before this check
            List<AuditLog.Write> logged = audit == null ? List.of() : audit.writes();
            String operator = test.cluster.operatorAccess().map(a -> a.user()).orElse(null);
            objects.forEach((what, before) -> {
                HasMetadata now = client.resource(before).get();
                soft.assertThat(now).as("production's %s", what).isNotNull();
                if (now != null && audit == null) {
                    // the mock: nothing but the operator could have written, so not a byte may differ
                    soft.assertThat(now.getMetadata().getResourceVersion()).as("resourceVersion of production's %s", what)
                            .isEqualTo(before.getMetadata().getResourceVersion());
                    soft.assertThat(client.getKubernetesSerialization().asJson(now)).as("production's %s", what)
                            .isEqualTo(client.getKubernetesSerialization().asJson(before));
                } else if (now != null) {
                    soft.assertThat(essence(client, now)).as("production's %s", what).isEqualTo(essence(client, before));
                }
                if (audit != null) {
                    // on the real API server, whose writes they were: Kubernetes' controllers may write
                    // to production's objects (the snapshot controller's finalizer on a snapshot's
                    // source PVC, the binder's status); the operator may not. Its creates refused
                    // with 409 (the name is taken: NameConflict follows) changed nothing.
                    soft.assertThat(AuditLog.writesTo(logged, operator, ns, HasMetadata.getPlural(before.getClass()), before.getMetadata().getName()))
                            .as("write requests of the operator (%s) to production's %s that the server carried out", operator, what)
                            .filteredOn(AuditLog.Write::accepted).isEmpty();
                }
            });
            if (audit != null) {
                soft.assertThat(logged).as("collections the operator deleted in production's namespace %s", ns)
                        .filteredOn(w -> w.user().equals(operator) && w.namespace().equals(ns) && w.verb().equals("deletecollection")
                                && w.accepted()).isEmpty();
            }
            Path pid = dataDir.resolve("postmaster.pid");
            soft.assertThat(Files.exists(pid) ? Files.readString(pid) : "(missing)").as("production's postmaster.pid").isEqualTo(pidFile);
            soft.assertThat(Processes.alive(postmaster)).as("production's postmaster (pid %d) alive", postmaster).isTrue();
            List<String> strangers = Processes.withWorkingDirectoryUnder(dataDir).stream()
                    .filter(p -> p != postmaster && parent(p) != postmaster).map(p -> p + " " + commandLine(p)).toList();
            soft.assertThat(strangers).as("processes working on production's files that are not its postmaster's").isEmpty();
            String answer;
            try {
                answer = db.psql("SELECT 'still serving'");
            } catch (RuntimeException e) {
                answer = e.getMessage();
            }
            soft.assertThat(answer).as("production answers").isEqualTo("still serving");
            soft.assertThat(client.pods().inNamespace(ns).withName(db.podName()).get()).as("production's Pod").isNotNull();
        }

        /**
         * An object as its owner wrote it: everything but what the API server and Kubernetes'
         * controllers maintain (resourceVersion, managedFields, status, and the snapshot
         * controller's protection finalizer, present only while a snapshot of it is being taken).
         */
        private static String essence(KubernetesClient client, HasMetadata o) {
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) client.getKubernetesSerialization()
                    .convertValue(o, com.fasterxml.jackson.databind.JsonNode.class);
            var metadata = (com.fasterxml.jackson.databind.node.ObjectNode) tree.path("metadata");
            metadata.remove(List.of("resourceVersion", "managedFields"));
            if (metadata.has("finalizers")) {
                var kept = metadata.putArray("finalizers");
                o.getMetadata().getFinalizers().stream().filter(f -> !f.startsWith("snapshot.storage.kubernetes.io/")).forEach(kept::add);
            }
            tree.remove("status");
            return tree.toString();
        }

        private static long parent(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
            } catch (IOException | RuntimeException gone) {
                return -1;
            }
        }

        private static String commandLine(long pid) {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
            } catch (IOException gone) {
                return "(gone)";
            }
        }
    }

    // ------------------------------------------------------------------------------------ clean-up

    /** Deletes the clones and waits until their Pods are gone, so the next attack has the machine to itself. */
    private void deleteClones(String ns, String... names) {
        for (String name : names) {
            kubectl.run(Duration.ofSeconds(60), "delete", "databaseclone", name, "-n", ns, "--ignore-not-found", "--wait=false");
        }
        await(Duration.ofSeconds(90), () -> Stream.of(names).filter(n -> clone(ns, n) != null
                || !cluster.client().pods().inNamespace(ns).withLabel("pgclone.dev/clone", n).list().getItems().isEmpty()).toList(), List::isEmpty);
    }

    /**
     * The part of the shared operator's log written during the attacks outlives the cluster's work
     * directory, for reading what an attack did.
     */
    private void keepOperatorLog() {
        Path target = Path.of("target", "AttackIT-operator.log");
        try (var in = java.nio.channels.FileChannel.open(operator.log())) {
            Files.createDirectories(target.getParent());
            in.position(Math.min(operatorLogStart, in.size()));
            Files.copy(java.nio.channels.Channels.newInputStream(in), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.out.println("operator log not kept: " + e);
        }
    }

    private static String random() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
