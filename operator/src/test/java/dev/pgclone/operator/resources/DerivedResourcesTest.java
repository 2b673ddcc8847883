package dev.pgclone.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloudNativePGStatus;
import dev.pgclone.operator.sourcesnapshots.MaskedSnapshots;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.RefreshSchedule;
import dev.pgclone.operator.clone.EffectiveClone;
import dev.pgclone.operator.clone.PostCloneScripts;
import dev.pgclone.operator.postgres.SqlScript;
import dev.pgclone.operator.refresh.ScheduleResources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshot;
import io.fabric8.volumesnapshot.api.model.VolumeSnapshotContent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files: a DatabaseClone (or a RefreshSchedule) as a user writes it, and every object the
 * builders derive from it, as reviewed YAML. A change to any builder, or to a default, shows up here
 * as a diff of what lands in the cluster.
 *
 * <p>Each directory under {@code src/test/resources/golden/} is one case of one of two kinds.
 *
 * <p>A clone case:
 * <ul>
 *   <li>{@code input.yaml}: the DatabaseClone, with metadata.uid and namespace set so owner
 *       references are deterministic. It is read exactly as written (no CRD defaults applied) and
 *       then goes through {@link EffectiveClone}, as in the reconciler: the defaults in the
 *       expected files (uid 999, isolation strict, ClusterIP...) are the ones that really run.</li>
 *   <li>{@code clone-source.yaml}, only for a clone of a CloneSource: the granted CloneSource. Its
 *       location and server settings reach the objects through {@link EffectiveClone}, and the
 *       snapshot comes from {@link SourceSnapshots}: {@code source-snapshot.yaml} (in the source
 *       namespace), {@code snapshot-content.yaml} (cluster-scoped) and {@code snapshot.yaml}.</li>
 *   <li>A masked-snapshot build (CloneSource masking mode Snapshot) has no {@code input.yaml}: the
 *       CloneSource controller writes the DatabaseClone ({@code build.yaml}, from
 *       {@code inputs.yaml}'s {@code build.startedAt}); its Pod runs the bootstrap in build mode, and
 *       {@code masked-snapshot.yaml} is what it publishes (annotations from {@code build.maskedSnapshot}).</li>
 *   <li>{@code configmaps.yaml}, when a spec.postClone names a ConfigMap (the clone's, or its
 *       CloneSource's): a {@code kind: List} of those ConfigMaps, as the operator would read them.
 *       Every one must be read: a ConfigMap no script list reads fails the case, as a stale file does.</li>
 *   <li>{@code inputs.yaml}: the builder arguments that are not in the CR. In the operator they come
 *       from the cluster (the snapshot's status, the source PVC, the CHECKPOINT); here they are fixed:
 *       {@code snapshot.checkpointNote}, {@code volume.snapshotName/size/storageClassName/sourceDescription}
 *       and, for a CloneSource, {@code sourceSnapshot.takenAt/dataAsOf} and {@code sourceContent}
 *       (the VolumeSnapshotContent of the source snapshot, as the CSI driver made it); for a
 *       source with a WAL volume {@code wal.backupLabel/size/storageClassName} (the label
 *       pg_backup_stop returned, the WAL volume's restore size and class). For a clone of a
 *       CloudNativePG Backup, {@code cloudNativePG} (status.cloudNativePG as the resolver found the
 *       Backup) and {@code backupLabel} (its decoded label; absent for an offline backup) go through
 *       {@link EffectiveClone} as in the reconciler, and {@code wal.size/storageClassName} size the
 *       WAL volume restored from its WAL snapshot.</li>
 *   <li>one expected file per derived object: {@code snapshot.yaml} (for a pvcName source or a
 *       CloneSource: a given snapshot is not the operator's to create), {@code volume.yaml},
 *       {@code pod.yaml}, {@code service.yaml}, {@code bootstrap-configmap.yaml} (the script itself
 *       replaced by {@link #SCRIPT_MARKER}: it has its own tests against real PostgreSQL), and
 *       {@code secret-superuser.yaml} plus {@code secret-<role>.yaml} per role; with a WAL volume
 *       also {@code wal-snapshot.yaml} and {@code wal-volume.yaml}. Secrets are built
 *       with {@link #PASSWORD} instead of a random one, and compared as the builder makes them
 *       (base64 data): CloneSecretsTest checks the decoded values. And {@code post-clone-scripts.yaml}:
 *       the SQL the preparation is handed ({@link PostCloneScripts#forClone}), in the order it runs,
 *       each script with its name (as {@code status.steps} shows it), timeout and SQL; {@code []}
 *       when nothing runs.</li>
 * </ul>
 *
 * <p>A schedule case: {@code schedule.yaml}, the RefreshSchedule, and {@code inputs.yaml} with
 * {@code run.time} (the run whose clone is built) and {@code activeClone} (the clone the stable
 * Service selects). Expected: {@code clone.yaml} (the DatabaseClone the run creates),
 * {@code secret-passwords.yaml}, one stable {@code secret-<role>.yaml} per role and the stable
 * {@code service.yaml}; passwords are {@link #PASSWORD}.
 *
 * Files are compared as parsed YAML trees, so formatting and key order do not matter but types do
 * ({@code "5432"} is not {@code 5432}). A case fails on an expected file that is missing and on a
 * file that no builder produced (a stale fixture would otherwise pass forever, testing nothing).
 *
 * <p>To regenerate the expected files after an intended change, run
 * <pre>./mvnw -o test -pl operator -Dtest=DerivedResourcesTest -Dgolden.update=true</pre>
 * from the repository root: it rewrites the expected files in the source tree (not in target/) and
 * deletes unused ones. Then review the diff with {@code git diff operator/src/test/resources/golden}:
 * the diff is the point of the exercise.
 */
class DerivedResourcesTest {

    private static final String SCRIPT_MARKER = "<clone-bootstrap.sh: tested in BootstrapScriptTest>";
    /** The bootstrap's files, each replaced by a marker naming its tests. */
    private static final Map<String, String> BOOTSTRAP_MARKERS = bootstrapMarkers();
    private static final String PASSWORD = "golden-password";
    private static final String VERIFIER = dev.pgclone.operator.postgres.ScramVerifier.of("golden-operator-password", new byte[16]);
    private static final String INPUT = "input.yaml";
    private static final String INPUTS = "inputs.yaml";
    private static final String CLONE_SOURCE = "clone-source.yaml";
    private static final String SCHEDULE = "schedule.yaml";
    private static final String CONFIG_MAPS = "configmaps.yaml";
    /** The source tree, so that an update writes the files that are committed. Surefire runs in the module directory. */
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    /** Writes what a person can review: block literals for multi-line strings, quotes only where YAML needs them. */
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .build();
    /** Only for failure messages: sorted keys, so the diff shows differing values, not differing order. */
    private static final YAMLMapper SORTED_YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    @TestFactory
    Stream<DynamicNode> derivedResourcesMatchTheGoldenFiles() throws IOException {
        assertThat(GOLDEN).as("golden directory (tests must run with the operator module as working directory)").isDirectory();
        List<Path> cases;
        try (Stream<Path> dirs = Files.list(GOLDEN)) {
            cases = dirs.filter(Files::isDirectory).sorted().toList();
        }
        // A renamed or emptied golden directory must not turn this test into one that checks nothing.
        assertThat(cases).as("golden cases").hasSizeGreaterThanOrEqualTo(9);
        return cases.stream().map(DerivedResourcesTest::goldenCase);
    }

    private static DynamicNode goldenCase(Path dir) {
        String name = dir.getFileName().toString();
        Map<String, Object> produced;
        try {
            produced = derive(dir);
        } catch (RuntimeException | AssertionError e) {
            // one unreadable case fails as itself instead of hiding the other cases
            return DynamicTest.dynamicTest(name, () -> { throw e; });
        }
        List<DynamicNode> checks = new ArrayList<>();
        produced.forEach((file, object) ->
                checks.add(DynamicTest.dynamicTest(file, () -> compareOrUpdate(dir.resolve(file), object))));
        checks.add(DynamicTest.dynamicTest("no unused fixtures", () -> {
            List<String> unused = unusedFixtures(dir, produced.keySet());
            if (UPDATE) {
                for (String file : unused) {
                    Files.delete(dir.resolve(file));
                }
            } else {
                assertThat(unused).as("files in %s that no builder produced: delete them, or run with -Dgolden.update=true", dir).isEmpty();
            }
        }));
        return DynamicContainer.dynamicContainer(name, checks);
    }

    /** Every derived object of one case, keyed by the file it is expected in. */
    static Map<String, Object> derive(Path dir) {
        return Files.exists(dir.resolve(SCHEDULE)) ? deriveSchedule(dir) : deriveClone(dir);
    }

    private static Map<String, Object> deriveClone(Path dir) {
        CloneSource source = Files.exists(dir.resolve(CLONE_SOURCE)) ? read(dir.resolve(CLONE_SOURCE), CloneSource.class) : null;
        JsonNode inputs = readTree(dir.resolve(INPUTS));
        Map<String, Object> produced = new LinkedHashMap<>();
        // a masked-snapshot build has no input.yaml: the CloneSource controller writes it (build.yaml)
        JsonNode build = inputs.path("build");
        DatabaseClone written;
        if (build.isObject()) {
            assertThat(source).as("%s: a build needs %s", dir, CLONE_SOURCE).isNotNull();
            written = MaskedSnapshots.build(source, Instant.parse(required(build, "startedAt", dir)));
            produced.put("build.yaml", SERIALIZATION.convertValue(written, DatabaseClone.class));
            written.getMetadata().setUid(required(build, "uid", dir));
            written.getMetadata().setCreationTimestamp(required(build, "createdAt", dir));
        } else {
            written = read(dir.resolve(INPUT), DatabaseClone.class);
        }
        // what the reconciler hands every builder: the builders decide no default of their own
        JsonNode cloudNativePG = inputs.path("cloudNativePG");
        DatabaseClone clone = cloudNativePG.isObject()
                ? EffectiveClone.of(written, source, SERIALIZATION.convertValue(cloudNativePG, CloudNativePGStatus.class),
                        text(inputs.path("backupLabel")))
                : EffectiveClone.of(written, source);
        String checkpointNote = text(inputs.at("/snapshot/checkpointNote"));
        if (source != null) {
            JsonNode taken = inputs.path("sourceSnapshot");
            String name = source.getSpec().getSnapshotMaxAge() == null ? Names.privateSourceSnapshot(source, clone)
                    : Names.sharedSnapshot(source, Instant.parse(required(taken, "takenAt", dir)));
            VolumeSnapshot sourceSnapshot = SourceSnapshots.source(source, name, clone, checkpointNote);
            JsonNode content = inputs.path("sourceContent");
            assertThat(content.isObject()).as("%s: sourceContent in %s", dir, INPUTS).isTrue();
            produced.put("source-snapshot.yaml", sourceSnapshot);
            produced.put("snapshot-content.yaml", SourceSnapshots.boundContent(clone, sourceSnapshot,
                    SERIALIZATION.convertValue(content, VolumeSnapshotContent.class)));
            produced.put("snapshot.yaml", SourceSnapshots.bound(clone, sourceSnapshot, required(taken, "dataAsOf", dir)));
        } else if (clone.getSpec().getSource().getPvcName() != null) {
            produced.put("snapshot.yaml", CloneSnapshots.desired(clone, checkpointNote));
        }
        JsonNode volume = inputs.path("volume");
        produced.put("volume.yaml", CloneVolumes.desired(clone,
                required(volume, "snapshotName", dir),
                new Quantity(required(volume, "size", dir)),
                text(volume.path("storageClassName")),
                required(volume, "sourceDescription", dir)));
        String backupLabel = null;
        if (clone.getSpec().getSource().getWalPvcName() != null) {
            // a source with a WAL volume: the label pg_backup_stop returned, and the WAL volume's own size and class
            JsonNode wal = inputs.path("wal");
            backupLabel = required(wal, "backupLabel", dir);
            produced.put("wal-snapshot.yaml", CloneSnapshots.desiredWal(clone, backupLabel));
            produced.put("wal-volume.yaml", CloneVolumes.desiredWal(clone, new Quantity(required(wal, "size", dir)),
                    text(wal.path("storageClassName")), required(volume, "sourceDescription", dir)));
        } else if (CloneVolumes.walSnapshot(clone) != null) {
            // a given WAL snapshot (a CloudNativePG Backup's): restored, never taken; its label, if any, is the Backup's
            JsonNode wal = inputs.path("wal");
            backupLabel = clone.getSpec().getSource().getBackupLabel();
            produced.put("wal-volume.yaml", CloneVolumes.desiredWal(clone, new Quantity(required(wal, "size", dir)),
                    text(wal.path("storageClassName")), required(volume, "sourceDescription", dir)));
        } else {
            backupLabel = clone.getSpec().getSource().getBackupLabel();
        }
        produced.put("bootstrap-configmap.yaml", CloneBootstrap.desired(clone, BOOTSTRAP_MARKERS, backupLabel));
        produced.put("secret-superuser.yaml", CloneSecrets.superuser(clone, PASSWORD));
        var credentials = clone.getSpec().getCredentials();
        if (credentials != null && credentials.getRoles() != null) {
            for (String role : credentials.getRoles()) {
                produced.put("secret-" + role + ".yaml", CloneSecrets.role(clone, role, PASSWORD));
            }
        }
        produced.put("pod.yaml", ClonePods.desired(clone, VERIFIER, build.isObject()));
        if (build.isObject()) {
            JsonNode masked = build.path("maskedSnapshot");
            assertThat(masked.path("annotations").isObject()).as("%s: build.maskedSnapshot.annotations in %s", dir, INPUTS).isTrue();
            Map<String, String> annotations = new LinkedHashMap<>();
            masked.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
            produced.put("masked-snapshot.yaml", MaskedSnapshots.desired(source, clone, Names.volume(clone), annotations));
        }
        produced.put("service.yaml", CloneServices.desired(clone));
        produced.put("post-clone-scripts.yaml", postCloneScripts(dir, written, source, clone));
        return produced;
    }

    /** As the reconciler gets them: the grant reads the CloneSource's scripts, the preparation adds the clone's own. */
    private static List<Map<String, String>> postCloneScripts(Path dir, DatabaseClone written, CloneSource source, DatabaseClone clone) {
        FixtureConfigMaps configMaps = FixtureConfigMaps.of(dir.resolve(CONFIG_MAPS));
        List<SqlScript> mandatory = source == null ? List.of()
                : PostCloneScripts.mandatory(configMaps, written.getSpec().getSource().getCloneSource(), source.getSpec().getPostClone())
                        .orElseThrow(() -> new AssertionError(dir + ": the CloneSource's ConfigMap is not in " + CONFIG_MAPS));
        List<SqlScript> scripts = PostCloneScripts.forClone(mandatory, configMaps, clone)
                .orElseThrow(() -> new AssertionError(dir + ": the clone's ConfigMap is not in " + CONFIG_MAPS));
        configMaps.assertAllRead(dir);
        List<Map<String, String>> listed = new ArrayList<>();
        for (SqlScript script : scripts) {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("name", script.name());
            entry.put("timeout", script.timeout().toString());
            entry.put("sql", script.sql());
            listed.add(entry);
        }
        return listed;
    }

    /** The ConfigMaps of a case's {@code configmaps.yaml}, remembering which were read. */
    private static final class FixtureConfigMaps implements PostCloneScripts.ConfigMaps {

        private final Map<String, ConfigMap> byName = new LinkedHashMap<>();
        private final Set<String> read = new TreeSet<>();

        static FixtureConfigMaps of(Path file) {
            FixtureConfigMaps fixtures = new FixtureConfigMaps();
            if (Files.exists(file)) {
                for (HasMetadata item : DerivedResourcesTest.read(file, KubernetesList.class).getItems()) {
                    assertThat(item).as("%s: items must be ConfigMaps", file).isInstanceOf(ConfigMap.class);
                    fixtures.byName.put(key(item.getMetadata().getNamespace(), item.getMetadata().getName()), (ConfigMap) item);
                }
            }
            return fixtures;
        }

        @Override
        public ConfigMap get(String namespace, String name) {
            read.add(key(namespace, name));
            return byName.get(key(namespace, name));
        }

        void assertAllRead(Path dir) {
            Set<String> unread = new TreeSet<>(byName.keySet());
            unread.removeAll(read);
            assertThat(unread).as("ConfigMaps in %s that no spec.postClone names: delete them", dir.resolve(CONFIG_MAPS)).isEmpty();
        }

        private static String key(String namespace, String name) {
            return namespace + "/" + name;
        }
    }

    /** What a schedule's run creates, and the objects that stay while its clones come and go. */
    private static Map<String, Object> deriveSchedule(Path dir) {
        RefreshSchedule schedule = read(dir.resolve(SCHEDULE), RefreshSchedule.class);
        JsonNode inputs = readTree(dir.resolve(INPUTS));
        Map<String, Object> produced = new LinkedHashMap<>();
        produced.put("clone.yaml", ScheduleResources.clone(schedule, Instant.parse(required(inputs.path("run"), "time", dir))));
        Map<String, String> passwords = new LinkedHashMap<>();
        ScheduleResources.roles(schedule).forEach(role -> passwords.put(role, PASSWORD));
        produced.put("secret-passwords.yaml", ScheduleResources.passwords(schedule, passwords));
        for (String role : ScheduleResources.roles(schedule)) {
            produced.put("secret-" + role + ".yaml", ScheduleResources.roleSecret(schedule, role, PASSWORD));
        }
        produced.put("service.yaml", ScheduleResources.service(schedule, required(inputs, "activeClone", dir)));
        return produced;
    }

    /** Files in a case directory that are neither an input nor produced by a builder. */
    static List<String> unusedFixtures(Path dir, Set<String> produced) throws IOException {
        Set<String> unused = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString()).forEach(unused::add);
        }
        unused.remove(INPUT);
        unused.remove(INPUTS);
        unused.remove(CLONE_SOURCE);
        unused.remove(SCHEDULE);
        unused.remove(CONFIG_MAPS);
        unused.removeAll(produced);
        return List.copyOf(unused);
    }

    static void compareOrUpdate(Path expectedFile, Object object) throws IOException {
        String yaml = YAML.writeValueAsString(SERIALIZATION.convertValue(object, JsonNode.class));
        // Parsed back, so that both sides are trees of YAML scalars: a Long 30 and a parsed 30 are the same number.
        JsonNode actual = YAML.readTree(yaml);
        if (UPDATE) {
            Files.writeString(expectedFile, yaml);
        }
        if (!Files.exists(expectedFile)) {
            fail("missing expected file " + expectedFile + "; write it by hand, or run with -Dgolden.update=true and review it. The builder made:\n" + yaml);
        }
        JsonNode expected = readTree(expectedFile);
        // The sorted text gives a readable diff; the tree comparison also catches a 5432 where "5432" belongs.
        assertThat(sorted(actual)).as(expectedFile.toString()).isEqualTo(sorted(expected));
        assertThat(actual).as(expectedFile.toString()).isEqualTo(expected);
    }

    /** The checks above must be able to fail: a copy of a real case with one file too many and one missing. */
    @Test
    void aStaleFixtureAndAMissingOneAreBothReported(@TempDir Path tmp) throws IOException {
        assumeFalse(UPDATE, "an update writes missing files instead of reporting them");
        Path real = GOLDEN.resolve("minimal-pvc");
        Path copy = tmp.resolve("minimal-pvc");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(real)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Files.writeString(copy.resolve("secret-app.yaml"), "kind: Secret\n");
        Files.delete(copy.resolve("service.yaml"));
        Map<String, Object> produced = derive(copy);

        assertThat(unusedFixtures(copy, produced.keySet())).containsExactly("secret-app.yaml");
        assertThat(catchThrowable(() -> compareOrUpdate(copy.resolve("service.yaml"), produced.get("service.yaml"))))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("missing expected file");
    }

    /** The ConfigMap fixtures are held to the same rule: one nothing reads fails the case, and so does one missing. */
    @Test
    void aConfigMapFixtureNothingReadsAndAMissingOneAreBothReported(@TempDir Path tmp) throws IOException {
        Path real = GOLDEN.resolve("clone-source");
        Path copy = tmp.resolve("clone-source");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(real)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        assertThat(derive(copy)).containsKey("post-clone-scripts.yaml");
        String fixtures = Files.readString(copy.resolve(CONFIG_MAPS));
        Files.writeString(copy.resolve(CONFIG_MAPS), fixtures + """
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: left-over, namespace: prod}
                    data: {old.sql: "SELECT 1;"}
                """);
        assertThat(catchThrowable(() -> derive(copy))).isInstanceOf(AssertionError.class).hasMessageContaining("prod/left-over");

        Files.writeString(copy.resolve(CONFIG_MAPS), "apiVersion: v1\nkind: List\nitems: []\n");
        assertThat(catchThrowable(() -> derive(copy))).isInstanceOf(AssertionError.class)
                .hasMessageContaining("the CloneSource's ConfigMap is not in " + CONFIG_MAPS);
    }

    /** And a changed field must be a failure, not only a missing file. */
    @Test
    void aDifferenceInOneFieldFails(@TempDir Path tmp) throws IOException {
        assumeFalse(UPDATE, "an update overwrites the difference");
        Path real = GOLDEN.resolve("minimal-pvc");
        Object produced = derive(real).get("service.yaml");
        Path service = tmp.resolve("service.yaml");
        Files.copy(real.resolve("service.yaml"), service);
        compareOrUpdate(service, produced);

        Files.writeString(service, Files.readString(service).replace("ClusterIP", "NodePort"));
        assertThat(catchThrowable(() -> compareOrUpdate(service, produced)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("type: NodePort")
                .hasMessageContaining("type: ClusterIP");

        // a label value must be the string "true"; an unquoted true is a boolean the API server rejects
        Files.copy(real.resolve("service.yaml"), service, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(service, Files.readString(service).replace("pgclone.dev/prepared: \"true\"", "pgclone.dev/prepared: true"));
        assertThat(Files.readString(service)).contains("pgclone.dev/prepared: true");
        assertThat(catchThrowable(() -> compareOrUpdate(service, produced))).isInstanceOf(AssertionError.class);
    }

    /** Key order sorts only for maps, not for JSON trees: go through a plain Map. */
    private static String sorted(JsonNode tree) throws IOException {
        return SORTED_YAML.writeValueAsString(SORTED_YAML.convertValue(tree, Object.class));
    }

    private static String required(JsonNode node, String field, Path dir) {
        String value = text(node.path(field));
        assertThat(value).as("%s: %s in %s", dir, field, INPUTS).isNotBlank();
        return value;
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static <T> T read(Path file, Class<T> type) {
        try (InputStream in = Files.newInputStream(file)) {
            return SERIALIZATION.unmarshal(in, type);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static JsonNode readTree(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }

    private static Map<String, String> bootstrapMarkers() {
        Map<String, String> markers = new java.util.LinkedHashMap<>();
        for (String name : CloneBootstrap.FILES) {
            markers.put(name, name.equals(CloneBootstrap.SCRIPT_KEY) ? SCRIPT_MARKER
                    : "<" + name + ": tested in " + (name.endsWith(".sql") ? "BootstrapSqlTest" : "BootstrapFunctionsTest") + ">");
        }
        return markers;
    }
}
