package dev.pgclone.e2e.bench;

import dev.pgclone.testkit.cluster.LocalCluster;
import dev.pgclone.testkit.cluster.SampleProduction;
import dev.pgclone.testkit.cluster.Volumes;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Creating a DatabaseClone of a sample production database, timing it to Ready, and deleting it completely. */
final class BenchClones {

    static final String API_VERSION = "pgclone.dev/v1alpha1";
    static final String KIND = "DatabaseClone";

    /** One clone's measurement: client-observed create → Ready, the operator's status.timings, the clone's pod log. */
    record Measured(String name, double createToReadySeconds, Map<String, Object> timings, long exclusiveBytes, String podLog) {
        double timing(String key) {
            Object v = timings.get(key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }

    private BenchClones() {}

    static String manifest(String name, SampleProduction prod, boolean checkpoint) {
        return """
                apiVersion: %s
                kind: %s
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  source:
                    pvcName: %s
                    dataDirectory: %s
                %s  postgres:
                    image: %s
                    runAsUser: %d
                """.formatted(API_VERSION, KIND, name, prod.namespace(), prod.pvcName(), SampleProduction.DATA_DIRECTORY,
                checkpoint ? "    checkpoint:\n      secretName: " + prod.secretName() + "\n" : "", prod.postgresImage(), prod.uid());
    }

    /**
     * Creates the clone, waits for Ready (watching, so the time is the client's view to within
     * milliseconds), reads what it costs in storage, then deletes it and waits until its pod and
     * volume are gone, so the next measurement starts from the same state.
     */
    static Measured createMeasureDelete(LocalCluster cluster, SampleProduction prod, String name, boolean checkpoint, Duration timeout) {
        return createMeasureDelete(cluster, prod.namespace(), name, manifest(name, prod, checkpoint), timeout);
    }

    /** As {@link #createMeasureDelete(LocalCluster, SampleProduction, String, boolean, Duration)}, for a clone of any manifest. */
    static Measured createMeasureDelete(LocalCluster cluster, String namespace, String name, String manifest, Duration timeout) {
        KubernetesClient client = cluster.client();
        var dbc = client.genericKubernetesResources(API_VERSION, KIND).inNamespace(namespace);
        GenericKubernetesResource resource = client.getKubernetesSerialization().unmarshal(manifest, GenericKubernetesResource.class);
        long start = System.nanoTime();
        client.resource(resource).create();
        GenericKubernetesResource ready;
        try {
            ready = dbc.withName(name).waitUntilCondition(c -> c != null && readyTrue(c), timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            GenericKubernetesResource now = dbc.withName(name).get();
            throw new IllegalStateException("clone " + name + " was not Ready within " + timeout.toSeconds() + " s; status "
                    + (now == null ? null : now.getAdditionalProperties().get("status")), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long exclusive = cluster.storage().exclusiveBytes(Volumes.volumeHandle(client, namespace, name));
        Map<String, Object> timings = map(status(ready).get("timings"));
        String podLog = cluster.kubelet().logFile(namespace, name).map(p -> {
            try {
                return java.nio.file.Files.readString(p);
            } catch (java.io.IOException e) {
                return "";
            }
        }).orElse("");
        String volume = Volumes.volumeHandle(client, namespace, name);
        dbc.withName(name).delete();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (client.pods().inNamespace(namespace).withName(name).get() != null || cluster.storage().hasVolume(volume)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("clone " + name + " was not gone (pod and volume) 120 s after its deletion");
            }
            sleep(200);
        }
        return new Measured(name, seconds, timings, exclusive, podLog);
    }

    static boolean readyTrue(GenericKubernetesResource c) {
        return conditionStatus(c, "Ready").equals("True");
    }

    static String conditionStatus(GenericKubernetesResource c, String type) {
        if (status(c).get("conditions") instanceof List<?> conditions) {
            for (Object o : conditions) {
                Map<String, Object> m = map(o);
                if (type.equals(m.get("type"))) {
                    return String.valueOf(m.get("status"));
                }
            }
        }
        return "";
    }

    static Map<String, Object> status(GenericKubernetesResource c) {
        return map(c.getAdditionalProperties().get("status"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
