package dev.pgclone.testkit.cluster;

import dev.pgclone.testkit.postgres.LocalPostgresInstall;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A "production" PostgreSQL in the local cluster, set up the way real ones are and with what makes
 * cloning them hazardous: its data directory on a PVC (in a pgdata subdirectory, as the official
 * image's docs recommend), WAL archiving into an archive directory, wal_level=logical, scram
 * passwords, a plain postgres Pod (not the clone bootstrap) serving it on its Pod IP, pgbench data
 * and optionally a steady pgbench write load. A Secret with CloudNativePG's key layout lets a
 * DatabaseClone run a CHECKPOINT on it.
 */
public final class SampleProduction implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SampleProduction.class);
    public static final String DATA_DIRECTORY = "pgdata";
    public static final String MOUNT = "/var/lib/postgresql/data";
    /** Where the WAL volume is mounted in the walVolume layout (CloudNativePG's), with pg_wal inside it. */
    public static final String WAL_MOUNT = "/var/lib/postgresql/wal";

    /** Settings; defaults make a small database quickly. */
    public static final class Options {
        String namespace = "default";
        String name = "orders";
        long uid = defaultUid();
        int scale = 10;
        String size = "10Gi";
        boolean walVolume;
        boolean standby;

        public Options namespace(String ns) {
            this.namespace = ns;
            return this;
        }

        public Options name(String name) {
            this.name = name;
            return this;
        }

        /** The uid owning the data files and running postgres (999 as in the official image). */
        public Options uid(long uid) {
            this.uid = uid;
            return this;
        }

        /**
         * CloudNativePG's layout with walStorage: instance {@code <name>-1} with data PVC
         * {@code <name>-1} and WAL PVC {@code <name>-1-wal} (labelled as CloudNativePG labels them),
         * pg_wal a link into the WAL volume, and a Pod labelled as the cluster's primary.
         */
        public Options walVolume() {
            this.walVolume = true;
            return this;
        }

        /**
         * With {@link #walVolume()}: a second instance {@code <name>-2}, a streaming standby of the
         * first made with pg_basebackup, on data and WAL PVCs of its own, labelled as a replica.
         */
        public Options standby() {
            this.walVolume = true;
            this.standby = true;
            return this;
        }

        /** pgbench scale factor: about 15 MB per unit. */
        public Options scale(int scale) {
            this.scale = scale;
            return this;
        }
    }

    private final LocalCluster cluster;
    private final Options options;
    private final String major;
    private final String password;
    private Process load;
    private Path loadLog;

    private SampleProduction(LocalCluster cluster, Options options, String major) {
        this.cluster = cluster;
        this.options = options;
        this.major = major;
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        this.password = HexFormat.of().formatHex(b);
    }

    public static SampleProduction create(LocalCluster cluster, Options options) {
        SampleProduction p = new SampleProduction(cluster, options, LocalPostgresInstall.requireMajor());
        try {
            p.setUp();
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void setUp() {
        long t0 = System.nanoTime();
        KubernetesClient client = cluster.client();
        Volumes.createBound(client, options.namespace, pvcName(), options.size);
        Path volume = Volumes.hostPath(client, options.namespace, pvcName());
        Path data = volume.resolve(DATA_DIRECTORY);
        Path wal = null;
        if (options.walVolume) {
            Volumes.createBound(client, options.namespace, walPvcName(), "2Gi");
            labelAsInstanceVolume(pvcName(), "PG_DATA");
            labelAsInstanceVolume(walPvcName(), "PG_WAL");
            wal = Volumes.hostPath(client, options.namespace, walPvcName()).resolve("pg_wal");
        }
        Path archive = cluster.workDir().resolve("wal-archive").resolve(options.namespace + "-" + options.name);
        try {
            Files.createDirectories(data);
            Files.createDirectories(archive);
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(archive.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            chown(data);
            chown(archive);
            if (wal != null) {
                // initdb makes the directory and links pg_wal to it, as CloudNativePG's instance manager does
                chown(wal.getParent());
            }
            initdb(data, wal);
            Files.writeString(data.resolve("postgresql.conf"), productionSettings(archive), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            // initdb's host lines cover 127.0.0.1 only; pods have their own 127.0.0.N
            Files.writeString(data.resolve("pg_hba.conf"), "host all all 0.0.0.0/0 scram-sha-256\n"
                    + "host replication all 0.0.0.0/0 scram-sha-256\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client.pods().inNamespace(options.namespace).resource(pod(podName(), pvcName(), walPvcName(), "primary")).create();
        Pod ready = client.pods().inNamespace(options.namespace).withName(podName()).waitUntilCondition(SampleProduction::isReady,
                90, TimeUnit.SECONDS);
        String host = ready.getStatus().getPodIP();
        client.secrets().inNamespace(options.namespace).resource(new SecretBuilder()
                .withNewMetadata().withName(secretName()).withNamespace(options.namespace).endMetadata()
                .withType("kubernetes.io/basic-auth")
                .withStringData(new LinkedHashMap<>(Map.of("username", "postgres", "password", password, "host", host, "port", "5432",
                        "dbname", "postgres", "uri", "postgresql://postgres:" + password + "@" + host + ":5432/postgres")))
                .build()).create();
        pgbench(Duration.ofMinutes(20), "-i", "-q", "-s", Integer.toString(options.scale), "--foreign-keys");
        if (options.standby) {
            startStandby(host);
        }
        LOG.info("sample production database {}/{} ready at {}:5432 (pgbench scale {}) in {} s", options.namespace, podName(), host,
                options.scale, (System.nanoTime() - t0) / 1_000_000_000);
    }

    private String productionSettings(Path archive) {
        return """

                # ---- production-like settings (pgclone local cluster sample) ----
                wal_level = logical
                archive_mode = on
                archive_command = 'test ! -f %1$s/%%f && cp %%p %1$s/%%f'
                max_wal_senders = 10
                shared_buffers = 128MB
                max_wal_size = 1GB
                password_encryption = scram-sha-256
                log_line_prefix = '%%m [%%p] '
                """.formatted(archive);
    }

    /** CloudNativePG's labels on an instance's PVC. */
    private void labelAsInstanceVolume(String pvc, String role) {
        labelAsInstanceVolume(pvc, podName(), role);
    }

    private void labelAsInstanceVolume(String pvc, String instance, String role) {
        // a merge patch: the volume controllers update the claim meanwhile, and its labels are ours alone
        cluster.client().persistentVolumeClaims().inNamespace(options.namespace).withName(pvc).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"labels\":{\"cnpg.io/cluster\":\"" + options.name + "\",\"cnpg.io/instanceName\":\"" + instance
                        + "\",\"cnpg.io/pvcRole\":\"" + role + "\"}}}");
    }

    /** The second instance: pg_basebackup of the primary onto its own data and WAL volumes, started as a streaming standby. */
    private void startStandby(String primaryHost) {
        KubernetesClient client = cluster.client();
        String instance = standbyName();
        Volumes.createBound(client, options.namespace, instance, options.size);
        Volumes.createBound(client, options.namespace, instance + "-wal", "2Gi");
        labelAsInstanceVolume(instance, instance, "PG_DATA");
        labelAsInstanceVolume(instance + "-wal", instance, "PG_WAL");
        Path data = Volumes.hostPath(client, options.namespace, instance).resolve(DATA_DIRECTORY);
        Path wal = Volumes.hostPath(client, options.namespace, instance + "-wal").resolve("pg_wal");
        chown(data.getParent());
        chown(wal.getParent());
        List<String> cmd = new ArrayList<>(asUser());
        // -R: standby.signal and primary_conninfo, as CloudNativePG's replicas have them
        cmd.addAll(List.of(LocalPostgresInstall.bin(major, "pg_basebackup").toString(), "-d",
                "host=" + primaryHost + " port=5432 user=postgres password=" + password, "-D", data.toString(), "--waldir=" + wal,
                "-X", "stream", "-R", "-c", "fast", "--no-sync"));
        try {
            Exec.run(Duration.ofMinutes(5), cmd, nssEnv()).ok();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client.pods().inNamespace(options.namespace).resource(pod(instance, instance, instance + "-wal", "replica")).create();
        client.pods().inNamespace(options.namespace).withName(instance).waitUntilCondition(SampleProduction::isReady, 90, TimeUnit.SECONDS);
        LOG.info("standby {}/{} streaming from {}", options.namespace, instance, podName());
    }

    private void initdb(Path data, Path wal) throws IOException {
        Path pwfile = data.getParent().resolve(".pwfile-" + options.name);
        Files.writeString(pwfile, password + "\n");
        try {
            chown(pwfile);
            List<String> cmd = new ArrayList<>(asUser());
            cmd.addAll(List.of(LocalPostgresInstall.bin(major, "initdb").toString(), "-D", data.toString(), "-U", "postgres",
                    "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"));
            if (wal != null) {
                cmd.add("--waldir=" + wal);
            }
            Exec.run(Duration.ofMinutes(2), cmd, nssEnv()).ok();
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    /** initdb looks up its own uid: give it the image's view of the user database, as the kubelet does for pods. */
    private Map<String, String> nssEnv() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        var lib = cluster.kubelet().nssWrapper();
        if (lib.isPresent() && Exec.isRoot()) {
            Path dir = cluster.workDir().resolve("nss-" + options.name);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("passwd"), "postgres:x:" + options.uid + ":" + options.uid + ":PostgreSQL:/:/bin/sh\n");
            Files.writeString(dir.resolve("group"), "postgres:x:" + options.uid + ":\n");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            env.put("LD_PRELOAD", lib.get().toString());
            env.put("NSS_WRAPPER_PASSWD", dir.resolve("passwd").toString());
            env.put("NSS_WRAPPER_GROUP", dir.resolve("group").toString());
        }
        return env;
    }

    private List<String> asUser() {
        return Exec.isRoot() ? List.of("setpriv", "--reuid=" + options.uid, "--regid=" + options.uid, "--clear-groups", "--") : List.of();
    }

    private void chown(Path p) {
        if (Exec.isRoot()) {
            Exec.ok(Duration.ofSeconds(30), "chown", options.uid + ":" + options.uid, p.toString());
        }
    }

    private Pod pod(String name, String dataPvc, String walPvc, String role) {
        Map<String, String> labels = new LinkedHashMap<>(Map.of("app.kubernetes.io/name", "postgres", "app.kubernetes.io/instance", options.name));
        if (options.walVolume) {
            labels.putAll(Map.of("cnpg.io/cluster", options.name, "cnpg.io/instanceName", name, "cnpg.io/instanceRole", role));
        }
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(options.namespace).withLabels(labels).endMetadata()
                .withNewSpec()
                    .withRestartPolicy("Always")
                    .withTerminationGracePeriodSeconds(30L)
                    .withNewSecurityContext().withRunAsUser(options.uid).withRunAsGroup(options.uid).withRunAsNonRoot(true).endSecurityContext()
                    .addNewContainer()
                        .withName("postgres")
                        .withImage("postgres:" + major)
                        .withCommand("postgres")
                        .withArgs("-D", MOUNT + "/" + DATA_DIRECTORY, "-k", "/var/run/postgresql", "-c", "listen_addresses=$(POD_IP)")
                        .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv()
                        .addNewPort().withName("postgres").withContainerPort(5432).endPort()
                        .withNewReadinessProbe()
                            .withNewExec().withCommand("pg_isready", "-q", "-h", "/var/run/postgresql", "-p", "5432", "-U", "postgres").endExec()
                            .withPeriodSeconds(1).withTimeoutSeconds(5)
                        .endReadinessProbe()
                        .addNewVolumeMount().withName("data").withMountPath(MOUNT).endVolumeMount()
                        .addNewVolumeMount().withName("run").withMountPath("/var/run/postgresql").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("data").withNewPersistentVolumeClaim().withClaimName(dataPvc).endPersistentVolumeClaim().endVolume()
                    .addNewVolume().withName("run").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .build();
        if (options.walVolume) {
            pod.getSpec().getContainers().get(0).getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                    .withName("wal").withMountPath(WAL_MOUNT).build());
            pod.getSpec().getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("wal")
                    .withNewPersistentVolumeClaim().withClaimName(walPvc).endPersistentVolumeClaim().build());
        }
        return pod;
    }

    static boolean isReady(Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    // ------------------------------------------------------------------------------------ load

    /** Starts a steady write load (pgbench TPC-B-like, 2 clients) for at most {@code duration}; {@link #stopLoad()} ends it early. */
    public synchronized void startLoad(Duration duration) {
        stopLoad();
        try {
            loadLog = cluster.workDir().resolve("pgbench-" + options.name + ".log");
            ProcessBuilder pb = new ProcessBuilder(pgbenchCommand("-c", "2", "-j", "2", "-T", Long.toString(duration.toSeconds()),
                    "-n", "-P", "10"));
            pb.environment().put("PGPASSWORD", password);
            pb.redirectErrorStream(true).redirectOutput(loadLog.toFile());
            load = pb.start();
            LOG.info("write load on {}: pgbench -c 2 for up to {} s (output {})", podName(), duration.toSeconds(), loadLog);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized boolean loadRunning() {
        return load != null && load.isAlive();
    }

    public synchronized void stopLoad() {
        if (load != null) {
            load.destroy();
            try {
                if (!load.waitFor(10, TimeUnit.SECONDS)) {
                    load.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            load = null;
        }
    }

    private void pgbench(Duration timeout, String... args) {
        Exec.run(timeout, pgbenchCommand(args), Map.of("PGPASSWORD", password)).ok();
    }

    private List<String> pgbenchCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LocalPostgresInstall.bin(major, "pgbench").toString(), "-h", host(), "-p", "5432",
                "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return cmd;
    }

    // ------------------------------------------------------------------------------------ access

    public String host() {
        return cluster.client().pods().inNamespace(options.namespace).withName(podName()).get().getStatus().getPodIP();
    }

    public String password() {
        return password;
    }

    public String namespace() {
        return options.namespace;
    }

    public String pvcName() {
        return options.walVolume ? podName() : "data-" + options.name + "-0";
    }

    /** The WAL volume in the walVolume layout, else null. */
    public String walPvcName() {
        return options.walVolume ? podName() + "-wal" : null;
    }

    /** The standby instance of {@link Options#standby()}. */
    public String standbyName() {
        return options.name + "-2";
    }

    /** The standby's Pod IP. */
    public String standbyHost() {
        return cluster.client().pods().inNamespace(options.namespace).withName(standbyName()).get().getStatus().getPodIP();
    }

    /** Runs SQL on the standby (read-only), as {@link #psql} does on the primary. */
    public String psqlStandby(String sql) {
        return Exec.run(Duration.ofMinutes(2), List.of(LocalPostgresInstall.bin(major, "psql").toString(), "-X", "-At", "-v",
                "ON_ERROR_STOP=1", "-h", standbyHost(), "-U", "postgres", "-d", "postgres", "-c", sql), Map.of("PGPASSWORD", password)).ok().strip();
    }

    /**
     * A CloudNativePG Cluster object describing this database in the walVolume layout: what
     * CloudNativePG would write (the fields the operator reads, docs/cloudnativepg.md), so that
     * spec.source.cloudNativePG can name it. The API server must know the kind
     * ({@link #defineCloudNativePGKinds}).
     */
    public void writeCloudNativePGCluster() {
        List<String> instances = options.standby ? List.of(podName(), standbyName()) : List.of(podName());
        var cluster = new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
        cluster.setApiVersion("postgresql.cnpg.io/v1");
        cluster.setKind("Cluster");
        cluster.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(options.name).withNamespace(options.namespace).build());
        cluster.setAdditionalProperty("spec", Map.of("instances", instances.size(), "imageName", postgresImage(), "postgresUID", options.uid,
                "enableSuperuserAccess", true, "walStorage", Map.of("size", "2Gi")));
        cluster.setAdditionalProperty("status", Map.of("currentPrimary", podName(), "targetPrimary", podName(), "image", postgresImage(),
                "instanceNames", instances, "readyInstances", instances.size(), "instancesStatus", Map.of("healthy", instances)));
        var created = this.cluster.client().genericKubernetesResources(CLOUDNATIVEPG_CLUSTERS).inNamespace(options.namespace)
                .resource(cluster).create();
        // CloudNativePG owns the <cluster>-superuser Secret it generates
        this.cluster.client().secrets().inNamespace(options.namespace).withName(secretName()).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":\"Cluster\",\"name\":\""
                        + options.name + "\",\"uid\":\"" + created.getMetadata().getUid() + "\",\"controller\":true}]}}");
    }

    /**
     * A volume-snapshot Backup as CloudNativePG takes one of the primary (online, walVolume layout):
     * pg_backup_start in a session held open, a VolumeSnapshot {@code <name>} of the data PVC,
     * waited for until ready, pg_backup_stop, a VolumeSnapshot {@code <name>-wal} of the WAL PVC;
     * both labelled and annotated as CloudNativePG does (the label base64 in
     * {@code cnpg.io/backupLabelFile}), and the Backup object, completed. Returns the label.
     */
    public String takeCloudNativePGBackup(String name) throws java.sql.SQLException {
        KubernetesClient client = cluster.client();
        String label;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), "postgres", password);
             java.sql.Statement st = c.createStatement()) {
            st.execute("SELECT pg_backup_start('" + name + "', true)");
            snapshotForBackup(name, name, pvcName(), "PG_DATA");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                rs.next();
                label = rs.getString(1);
            }
        }
        String encoded = java.util.Base64.getEncoder().encodeToString(label.getBytes(StandardCharsets.UTF_8));
        snapshotForBackup(name, name + "-wal", walPvcName(), "PG_WAL");
        for (String snapshot : List.of(name, name + "-wal")) {
            client.resources(io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class).inNamespace(options.namespace).withName(snapshot).patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"cnpg.io/backupLabelFile\":\"" + encoded + "\"}}}");
        }
        var backup = new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
        backup.setApiVersion("postgresql.cnpg.io/v1");
        backup.setKind("Backup");
        backup.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(options.namespace).build());
        backup.setAdditionalProperty("spec", Map.of("cluster", Map.of("name", options.name), "method", "volumeSnapshot"));
        backup.setAdditionalProperty("status", Map.of("phase", "completed", "method", "volumeSnapshot", "online", true,
                "majorVersion", Integer.parseInt(major), "instanceID", Map.of("podName", podName()), "backupLabelFile", encoded,
                "snapshotBackupStatus", Map.of("elements", List.of(Map.of("name", name, "type", "PG_DATA"),
                        Map.of("name", name + "-wal", "type", "PG_WAL")))));
        client.genericKubernetesResources(CLOUDNATIVEPG_BACKUPS).inNamespace(options.namespace).resource(backup).create();
        return label;
    }

    private void snapshotForBackup(String backup, String snapshot, String pvc, String role) {
        KubernetesClient client = cluster.client();
        client.resources(io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class).inNamespace(options.namespace).resource(
                new io.fabric8.volumesnapshot.api.model.VolumeSnapshotBuilder().withNewMetadata().withName(snapshot).withNamespace(options.namespace)
                        .withLabels(Map.of("cnpg.io/cluster", options.name, "cnpg.io/backupName", backup, "cnpg.io/majorVersion", major))
                        .withAnnotations(Map.of("cnpg.io/instanceName", podName(), "cnpg.io/pvcRole", role)).endMetadata()
                        .withNewSpec().withNewSource().withPersistentVolumeClaimName(pvc).endSource().endSpec().build()).create();
        client.resources(io.fabric8.volumesnapshot.api.model.VolumeSnapshot.class).inNamespace(options.namespace).withName(snapshot)
                .waitUntilCondition(v -> v != null && v.getStatus() != null && Boolean.TRUE.equals(v.getStatus().getReadyToUse()), 60, TimeUnit.SECONDS);
    }

    private static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext CLOUDNATIVEPG_BACKUPS =
            new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder().withGroup("postgresql.cnpg.io").withVersion("v1")
                    .withKind("Backup").withPlural("backups").withNamespaced(true).build();

    private static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext CLOUDNATIVEPG_CLUSTERS =
            new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder().withGroup("postgresql.cnpg.io").withVersion("v1")
                    .withKind("Cluster").withPlural("clusters").withNamespaced(true).build();

    /**
     * Definitions of CloudNativePG's Cluster and Backup kinds that make an API server serve them:
     * names and scope, any content (not CloudNativePG's CRDs, which the repository does not copy).
     */
    public static void defineCloudNativePGKinds(KubernetesClient client) {
        for (String kind : List.of("Cluster", "Backup")) {
            String plural = kind.toLowerCase() + "s";
            var crd = new io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName(plural + ".postgresql.cnpg.io").endMetadata()
                    .withNewSpec().withGroup("postgresql.cnpg.io").withScope("Namespaced")
                    .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase()).withListKind(kind + "List").endNames()
                    .addNewVersion().withName("v1").withServed(true).withStorage(true)
                    .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
                    .endOpenAPIV3Schema().endSchema().endVersion()
                    .endSpec().build();
            client.apiextensions().v1().customResourceDefinitions().resource(crd).createOr(existing -> existing.update());
        }
        // served once the API server's discovery lists them
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var served = client.getApiResources("postgresql.cnpg.io/v1");
            if (served != null && served.getResources().stream().filter(r -> r.getKind().equals("Cluster") || r.getKind().equals("Backup")).count() == 2) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the API server does not serve postgresql.cnpg.io/v1 Cluster and Backup 30 s after their definitions");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    public String podName() {
        return options.name + (options.walVolume ? "-1" : "-0");
    }

    /** CloudNativePG-style Secret (username, password, host, port, uri): usable as spec.source.checkpoint.secretName. */
    public String secretName() {
        return options.name + "-superuser";
    }

    public String postgresImage() {
        return "postgres:" + major;
    }

    /**
     * The {@code source} and {@code postgres} fields of a clone spec of this database, in YAML: its
     * PVC and data directory, a CHECKPOINT through its superuser Secret, its image and uid. The first
     * line is not indented (it goes where a {@code %s} stands in a manifest); the others start at
     * {@code column}, the column of that {@code %s}.
     */
    public String cloneSpecYaml(int column) {
        String at = " ".repeat(column);
        return "source:\n"
                + at + "  pvcName: " + pvcName() + "\n"
                + (options.walVolume ? at + "  walPvcName: " + walPvcName() + "\n" : "")
                + at + "  dataDirectory: " + DATA_DIRECTORY + "\n"
                + at + "  checkpoint:\n"
                + at + "    secretName: " + secretName() + "\n"
                + at + "postgres:\n"
                + at + "  image: " + postgresImage() + "\n"
                + at + "  runAsUser: " + uid();
    }

    /**
     * A CloneSource of this production, in its namespace: its volume, data directory, CHECKPOINT
     * Secret, image and uid, the namespaces it allows, then {@code extraSpec} (more spec fields,
     * indented by two spaces, e.g. its postClone and masking).
     */
    public String cloneSourceYaml(String name, java.util.List<String> allowedNamespaces, String extraSpec) {
        return """
                apiVersion: pgclone.dev/v1alpha1
                kind: CloneSource
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  pvcName: %s
                  dataDirectory: %s
                  checkpoint:
                    secretName: %s
                  postgres:
                    image: %s
                    runAsUser: %d
                  allowedNamespaces: [%s]
                %s""".formatted(name, namespace(), pvcName(), DATA_DIRECTORY, secretName(), postgresImage(), uid(),
                String.join(", ", allowedNamespaces), extraSpec);
    }

    /** A DatabaseClone in {@code namespace} of the CloneSource {@code source} of this production, then {@code extraSpec}. */
    public String cloneOfSourceYaml(String name, String namespace, String source, String extraSpec) {
        return """
                apiVersion: pgclone.dev/v1alpha1
                kind: DatabaseClone
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    cloneSource:
                      name: %s
                      namespace: %s
                %s""".formatted(name, namespace, source, namespace(), extraSpec);
    }

    public String major() {
        return major;
    }

    public long uid() {
        return options.uid;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":5432/" + database;
    }

    /** Runs SQL with psql over TCP as the superuser; returns unaligned, tuples-only output. */
    public String psql(String sql) {
        return Exec.run(Duration.ofMinutes(2), List.of(LocalPostgresInstall.bin(major, "psql").toString(), "-X", "-At", "-v",
                "ON_ERROR_STOP=1", "-h", host(), "-U", "postgres", "-d", "postgres", "-c", sql), Map.of("PGPASSWORD", password)).ok().strip();
    }

    @Override
    public void close() {
        stopLoad();
    }

    /**
     * 999, the official image's postgres uid, when this machine can resolve it for initdb (through
     * libnss-wrapper, or an /etc/passwd entry); else the postgres OS user's uid, which Debian's
     * postgresql package creates; as non-root, our own uid (we cannot switch).
     */
    static long defaultUid() {
        if (!Exec.isRoot()) {
            return currentUid();
        }
        if (Kubelet.findNssWrapper().isPresent() || passwdUid("999") != null) {
            return 999;
        }
        Long postgres = passwdUid("postgres");
        if (postgres != null) {
            LOG.warn("libnss-wrapper is not installed: the sample database runs as the postgres OS user (uid {}) instead of 999", postgres);
            return postgres;
        }
        return 999;
    }

    /** The uid of a passwd entry given by name or uid, or null. */
    private static Long passwdUid(String nameOrUid) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 2 && (f[0].equals(nameOrUid) || f[2].equals(nameOrUid))) {
                    return Long.parseLong(f[2]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }

    private static long currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            return 0;
        }
    }
}
