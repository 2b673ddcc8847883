package dev.pgclone.operator.testing;

import dev.pgclone.testkit.cluster.ClusterStandIns;


import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.clone.CloneMetrics;
import dev.pgclone.operator.clone.ClonePodAddress;
import dev.pgclone.operator.clone.DatabaseCloneReconciler;
import dev.pgclone.operator.clone.BackgroundWork;
import dev.pgclone.operator.rehearsal.MigrationRehearsalReconciler;
import dev.pgclone.operator.rehearsal.MigrationImages;
import dev.pgclone.operator.rehearsal.RehearsalWork;
import dev.pgclone.operator.clone.ImageAllowList;
import dev.pgclone.operator.refresh.RefreshScheduleReconciler;
import dev.pgclone.operator.source.CloneSourceReconciler;
import dev.pgclone.operator.status.BackoffPolicy;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The real reconcilers on a plain JOSDK {@link Operator}, against the fabric8 mock API server in
 * CRUD mode with the {@link ClusterStandIns}. Unlike a @QuarkusTest this can stop the operator and
 * start a new one on the same cluster state, which is what restart tests need.
 */
public final class OperatorHarness implements AutoCloseable {


    public static final Path CRD_DIR = Path.of("..", "crds");

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final ClusterStandIns standIns;
    private final RecordingPreparer preparer = new RecordingPreparer();
    private Operator operator;
    private final RecordingCheckpointer checkpointer = new RecordingCheckpointer();
    private BackgroundWork work;
    private RehearsalWork rehearsalWork;
    /** What runs a rehearsal once its clone is Ready: tests script the evidence; the JDBC runner has its own tests. */
    private final ScriptedRehearsalRunner rehearsalRunner = new ScriptedRehearsalRunner();
    /** The RefreshSchedule reconciler's clock: tests of run times move it; the clone reconciler keeps the system clock. */
    private final Clock scheduleClock;
    /** The clock of the DatabaseClone and CloneSource reconcilers: snapshot-sharing tests move it to age snapshots. */
    private final Clock cloneClock;
    private final SimpleMeterRegistry scheduleMetrics = new SimpleMeterRegistry();
    /** The operator's pgclone.allowed-images; tests of the allow-list restart the operator with another. */
    private ImageAllowList allowedImages = ImageAllowList.allowAll();
    /** The operator's pgclone.rehearsal.allowed-images; tests of that list restart the operator with another. */
    private MigrationImages migrationImages = MigrationImages.allowAll();
    /**
     * Tests do not wait the operator's 5 s minimum backoff for a problem they have just fixed: the
     * reconcilers look again after {@link #BACKOFF}. The bounds themselves are BackoffPolicyTest's.
     */
    public static final BackoffPolicy BACKOFF = new BackoffPolicy(Duration.ofMillis(200), Duration.ofSeconds(2));
    private BackoffPolicy backoff = BACKOFF;

    private OperatorHarness(Clock scheduleClock, Clock cloneClock, KubernetesCrudDispatcher dispatcher) {
        this.scheduleClock = scheduleClock;
        this.cloneClock = cloneClock;
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init();
        client = server.createClient();
        applyCrds();
        standIns = StandIns.start(client);
        preparer.answerMasking(finishingBuildsOn(client));
    }

    /** A masking answer that succeeds and ends the build's Pod, as the bootstrap does once asked ({@link #endBuildPodsAt}). */
    public static java.util.function.Function<dev.pgclone.operator.postgres.MaskingRequest, dev.pgclone.operator.postgres.MaskingResult>
            finishingBuildsOn(KubernetesClient client) {
        return request -> {
            endBuildPodsAt(client, request.host());
            return dev.pgclone.operator.postgres.MaskingResult.finishing(java.util.List.of("app.public.customers"), java.util.List.of());
        };
    }

    /**
     * What a masked-snapshot build's bootstrap does once the operator asks it to finish: it stops
     * postgres, removes the WAL and exits 0, so its Pod (restartPolicy Never) ends Succeeded.
     */
    public static void endBuildPodsAt(KubernetesClient client, String podIp) {
        client.pods().inAnyNamespace().list().getItems().stream()
                .filter(p -> "Never".equals(p.getSpec().getRestartPolicy()) && p.getStatus() != null && podIp.equals(p.getStatus().getPodIP()))
                .filter(p -> p.getSpec().getContainers().get(0).getEnv().stream().anyMatch(e -> "PGCLONE_BUILD".equals(e.getName())))
                .forEach(p -> {
                    p.getStatus().setPhase("Succeeded");
                    p.getStatus().getContainerStatuses().forEach(c -> {
                        c.setReady(false);
                        c.setState(new io.fabric8.kubernetes.api.model.ContainerStateBuilder().withNewTerminated().withExitCode(0)
                                .withReason("Completed").withMessage("masked snapshot finished").endTerminated().build());
                    });
                    client.resource(p).updateStatus();
                });
    }

    public static OperatorHarness start() {
        return start(Clock.systemUTC());
    }

    public static OperatorHarness start(Clock scheduleClock) {
        return start(scheduleClock, Clock.systemUTC());
    }

    public static OperatorHarness start(Clock scheduleClock, Clock cloneClock) {
        OperatorHarness h = new OperatorHarness(scheduleClock, cloneClock, new KubernetesCrudDispatcher());
        h.startOperator();
        return h;
    }

    /** On a mock API server whose dispatcher adds checks of a real one (see {@link OldServiceNameRules}). */
    public static OperatorHarness start(KubernetesCrudDispatcher dispatcher) {
        OperatorHarness h = new OperatorHarness(Clock.systemUTC(), Clock.systemUTC(), dispatcher);
        h.startOperator();
        return h;
    }

    public synchronized void startOperator() {
        work = new BackgroundWork(4, 2, 2, 1000);
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .checkingCRDAndValidateLocalModel(false));
        operator.register(new DatabaseCloneReconciler(client, cloneClock, work, preparer, checkpointer, ClonePodAddress.podIp(),
                new CloneMetrics(new SimpleMeterRegistry()), allowedImages, TestOperatorKey.KEY, backoff));
        operator.register(new RefreshScheduleReconciler(client, scheduleClock, scheduleMetrics, TestOperatorKey.KEY, backoff));
        operator.register(new CloneSourceReconciler(client, cloneClock, TestOperatorKey.KEY));
        rehearsalWork = new RehearsalWork(2);
        operator.register(new MigrationRehearsalReconciler(client, cloneClock, TestOperatorKey.KEY, backoff, rehearsalWork, rehearsalRunner,
                ClonePodAddress.podIp(), migrationImages));
        operator.start();
    }

    /** Stops the operator and starts it again with this image allow-list, as an administrator changing the Helm value would. */
    public synchronized void restartWith(ImageAllowList images) {
        stopOperator();
        allowedImages = images;
        startOperator();
    }

    /** Stops the operator and starts it again with these migration images allowed, as an administrator changing the Helm value would. */
    public synchronized void restartWith(MigrationImages images) {
        stopOperator();
        migrationImages = images;
        startOperator();
    }

    /**
     * Stops the operator and starts it again with this backoff: a test that shows an event, not the
     * backoff timer, brings a reconcile back gives the timer the production bounds.
     */
    public synchronized void restartWith(BackoffPolicy policy) {
        stopOperator();
        backoff = policy;
        startOperator();
    }

    /** Stops the operator as a crash would: in-flight preparations are abandoned with the process. */
    public synchronized void stopOperator() {
        operator.stop();
        work.shutdown();
        rehearsalWork.shutdown();
        operator = null;
    }

    /** Creates a namespace, as its administrators would; returns its name. */
    public String namespace(String name) {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(name).endMetadata()
                .build()).create();
        return name;
    }

    /** A PVC holding a source's data (ReadWriteOnce, of this size and storage class); the provisioner stand-in binds it. */
    public void sourcePvc(String namespace, String name, String size, String storageClass) {
        client.resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
                .withNewResources().withRequests(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity(size))).endResources()
                .endSpec().build()).create();
    }

    public KubernetesClient client() { return client; }
    public ClusterStandIns cluster() { return standIns; }
    public RecordingPreparer preparer() { return preparer; }
    public RecordingCheckpointer checkpointer() { return checkpointer; }
    public ScriptedRehearsalRunner rehearsalRunner() { return rehearsalRunner; }
    public SimpleMeterRegistry scheduleMetrics() { return scheduleMetrics; }

    private void applyCrds() {
        try (var files = Files.list(CRD_DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("CRDs not found in " + CRD_DIR.toAbsolutePath() + ": run make crds", e);
        }
    }

    @Override
    public void close() {
        if (operator != null) {
            stopOperator();
        }
        standIns.close();
        client.close();
        server.destroy();
    }

    public static Class<DatabaseClone> cloneType() {
        return DatabaseClone.class;
    }
}
