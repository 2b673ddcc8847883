package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.Defaults;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;

/**
 * The clone's postgres Pod. It runs the image from the spec with the operator's bootstrap script as
 * its command, as spec.postgres.runAsUser, under the restricted Pod Security profile: the data files
 * are used as they are (no fsGroup, no chown: relabelling every inode of a large volume takes hours).
 * Like every builder here it takes the effective clone ({@code clone.EffectiveClone}): the defaults
 * are filled in there, not here.
 */
public final class ClonePods {

    public static final int PORT = Defaults.PORT;
    public static final String CONTAINER = "postgres";
    public static final String VOLUME_MOUNT = "/pgclone/volume";
    public static final String BOOTSTRAP_MOUNT = "/pgclone/bootstrap";
    /** Where the clone's WAL volume is mounted, for a source with spec.source.walPvcName. */
    public static final String WAL_MOUNT = "/pgclone/wal";
    public static final String SOCKET_DIR = "/var/run/postgresql";
    public static final String WORK_DIR = "/tmp/pgclone";
    /** PGCLONE_BUILD of a masked-snapshot build's Pod. */
    public static final String MASKED_SNAPSHOT_BUILD = "masked-snapshot";

    private ClonePods() {}

    /**
     * @param superuserVerifier SCRAM verifier of the password only the operator knows; the
     *                          bootstrap gives it to the superuser, so nobody but the operator can
     *                          log in until preparation publishes the clone's own passwords
     */
    public static Pod desired(DatabaseClone clone, String superuserVerifier) {
        return desired(clone, superuserVerifier, false);
    }

    /**
     * @param maskingBuild the clone builds a masked snapshot: its bootstrap stops postgres cleanly and
     *                     removes the WAL when asked, then exits 0, and the Pod is not restarted
     *                     (docs/bootstrap.md, "Masked-snapshot build")
     */
    public static Pod desired(DatabaseClone clone, String superuserVerifier, boolean maskingBuild) {
        var pg = clone.getSpec().getPostgres();
        long uid = pg.getRunAsUser();
        List<EnvVar> env = env(clone, superuserVerifier);
        if (maskingBuild) {
            env.add(plain("PGCLONE_BUILD", MASKED_SNAPSHOT_BUILD));
        }
        Pod pod = new PodBuilder()
                .withMetadata(Owners.owned(clone, Names.pod(clone), "database"))
                .withNewSpec()
                    .withRestartPolicy(maskingBuild ? "Never" : "Always")
                    .withEnableServiceLinks(false)
                    .withAutomountServiceAccountToken(false)
                    .withTerminationGracePeriodSeconds(30L)
                    .withNewSecurityContext()
                        .withRunAsNonRoot(true)
                        .withRunAsUser(uid)
                        .withRunAsGroup(uid)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                    .endSecurityContext()
                    .addNewContainer()
                        .withName(CONTAINER)
                        .withImage(pg.getImage())
                        .withCommand("sh", BOOTSTRAP_MOUNT + "/" + CloneBootstrap.SCRIPT_KEY)
                        .withEnv(env)
                        .addNewPort().withName("postgres").withContainerPort(PORT).withProtocol("TCP").endPort()
                        .withResources(pg.getResources())
                        .withNewSecurityContext()
                            .withAllowPrivilegeEscalation(false)
                            .withReadOnlyRootFilesystem(true)
                            .withRunAsNonRoot(true)
                            .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .endSecurityContext()
                        .withNewReadinessProbe()
                            .withNewExec().withCommand(readinessCommand(clone)).endExec()
                            .withPeriodSeconds(2)
                            .withTimeoutSeconds(5)
                            .withFailureThreshold(3)
                        .endReadinessProbe()
                        .withTerminationMessagePath("/dev/termination-log")
                        .withTerminationMessagePolicy("FallbackToLogsOnError")
                        .addNewVolumeMount().withName("data").withMountPath(VOLUME_MOUNT).endVolumeMount()
                        .addNewVolumeMount().withName("bootstrap").withMountPath(BOOTSTRAP_MOUNT).withReadOnly(true).endVolumeMount()
                        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                        .addNewVolumeMount().withName("run").withMountPath(SOCKET_DIR).endVolumeMount()
                        .addNewVolumeMount().withName("shm").withMountPath("/dev/shm").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("data")
                        .withNewPersistentVolumeClaim().withClaimName(Names.volume(clone)).endPersistentVolumeClaim()
                    .endVolume()
                    .addNewVolume().withName("bootstrap")
                        .withNewConfigMap().withName(Names.bootstrapConfigMap(clone)).withDefaultMode(0444).endConfigMap()
                    .endVolume()
                    .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewVolume().withName("run").withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewVolume().withName("shm")
                        .withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("1Gi")).endEmptyDir()
                    .endVolume()
                .endSpec()
                .build();
        var container = pod.getSpec().getContainers().get(0);
        if (CloneVolumes.walSnapshot(clone) != null) {
            // the bootstrap points pg_wal at the restored WAL directory
            env.add(plain("PGCLONE_WAL_VOLUME", WAL_MOUNT));
            env.add(plain("PGCLONE_WAL_DIRECTORY", clone.getSpec().getSource().getWalDirectory()));
            container.getVolumeMounts().add(1, new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("wal").withMountPath(WAL_MOUNT).build());
            pod.getSpec().getVolumes().add(1, new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("wal")
                    .withNewPersistentVolumeClaim().withClaimName(Names.walVolume(clone)).endPersistentVolumeClaim().build());
        }
        if (hasBackupLabel(clone)) {
            // and installs the label of the online backup the snapshots were taken in (an offline one has none)
            env.add(plain("PGCLONE_BACKUP_LABEL_FILE", BOOTSTRAP_MOUNT + "/" + CloneBootstrap.BACKUP_LABEL_KEY));
        }
        container.setEnv(env);
        return pod;
    }

    /**
     * Whether the bootstrap ConfigMap holds a backup label for the clone: always for a source with
     * spec.source.walPvcName (its snapshots are taken inside the operator's online backup), and for
     * a CloudNativePG Backup taken online.
     */
    static boolean hasBackupLabel(DatabaseClone clone) {
        var source = clone.getSpec().getSource();
        return source.getWalPvcName() != null && !source.getWalPvcName().isBlank() || source.getBackupLabel() != null;
    }

    /**
     * Ready means phase 2: the phase-1 server (recovery and isolation) listens on another socket dir.
     * {@code -U} because without it libpq asks the passwd database for the uid's name, and uids
     * such as 26 (CloudNativePG data) have no entry in the official image: the probe would never pass.
     */
    public static List<String> readinessCommand(DatabaseClone clone) {
        return List.of("pg_isready", "-q", "-h", SOCKET_DIR, "-p", Integer.toString(PORT), "-U", CloneSecrets.superuserName(clone));
    }

    public static String dataDirectory(DatabaseClone clone) {
        String dir = clone.getSpec().getSource().getDataDirectory();
        return dir == null || dir.isBlank() ? VOLUME_MOUNT : VOLUME_MOUNT + "/" + dir.replaceAll("^/+|/+$", "");
    }

    private static List<EnvVar> env(DatabaseClone clone, String superuserVerifier) {
        List<EnvVar> env = new ArrayList<>();
        env.add(plain("PGDATA", dataDirectory(clone)));
        env.add(plain("PGCLONE_VOLUME", VOLUME_MOUNT));
        env.add(plain("PGCLONE_WORK_DIR", WORK_DIR));
        env.add(plain("PGCLONE_SOCKET_DIR", SOCKET_DIR));
        env.add(plain("PGCLONE_PORT", Integer.toString(PORT)));
        env.add(plain("PGCLONE_SUPERUSER", CloneSecrets.superuserName(clone)));
        // a verifier, not a password: whoever reads the Pod spec still cannot log in, and the published
        // Secret <clone>-superuser opens nothing before preparation has run the masking
        env.add(plain("PGCLONE_SUPERUSER_VERIFIER", superuserVerifier));
        env.add(plain("PGCLONE_PARAMETERS_FILE", BOOTSTRAP_MOUNT + "/" + CloneBootstrap.PARAMETERS_KEY));
        env.add(plain("PGCLONE_ISOLATION", clone.getSpec().getIsolation()));
        // marks the copy as isolated for this clone, so a container restart keeps the passwords the
        // operator set; a copy restored from anywhere else carries no (or another) id and is isolated again
        env.add(plain("PGCLONE_CLONE_ID", clone.getMetadata().getUid()));
        return env;
    }

    private static EnvVar plain(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
