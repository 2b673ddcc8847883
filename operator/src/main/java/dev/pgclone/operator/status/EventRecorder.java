package dev.pgclone.operator.status;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Kubernetes Events on the custom resource, what `kubectl describe` shows. Never given a secret. */
public class EventRecorder {

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    public static final String COMPONENT = "pgclone-operator";

    private final KubernetesClient client;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata about, String reason, String message) {
        record(about, NORMAL, reason, message);
    }

    public void warning(HasMetadata about, String reason, String message) {
        record(about, WARNING, reason, message);
    }

    /**
     * {@code <object>.<suffix>}, within the 253 characters of an object name: the API server takes
     * custom resources named up to 253 characters, and the refusal of such a name (InvalidName) is
     * exactly the Event that must not be lost to a name too long for it.
     */
    static String eventName(String objectName, String suffix) {
        int room = 253 - suffix.length() - 1;
        String prefix = objectName.length() > room ? objectName.substring(0, room) : objectName;
        // a name cut after '-' or '.' would put it right before the '.'
        return prefix.replaceAll("[-.]+$", "") + "." + suffix;
    }

    private void record(HasMetadata about, String type, String reason, String message) {
        String now = Conditions.format(clock.instant());
        var event = new EventBuilder()
                .withNewMetadata()
                    .withName(eventName(about.getMetadata().getName(), UUID.randomUUID().toString().substring(0, 13).replace("-", "")))
                    .withNamespace(about.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                    .withApiVersion(about.getApiVersion())
                    .withKind(about.getKind())
                    .withName(about.getMetadata().getName())
                    .withNamespace(about.getMetadata().getNamespace())
                    .withUid(about.getMetadata().getUid())
                .endInvolvedObject()
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withReportingComponent(COMPONENT)
                .build();
        try {
            client.v1().events().inNamespace(about.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // an event is worth less than the reconcile that wanted to send it
            LOG.warnf("could not record event %s/%s on %s: %s", type, reason, about.getMetadata().getName(), e.getMessage());
        }
    }
}
