package dev.pgclone.operator.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The mock API server's CRUD dispatcher plus what the mock lacks: a cluster's admission policy (a
 * ValidatingAdmissionPolicy, say) that refuses Services whose names start with a prefix, with 422
 * Invalid and the policy's message, as a real API server answers. A name the operator itself
 * accepts can still be refused this way, which is what the operator must report.
 */
public final class RefusedServiceNames extends KubernetesCrudDispatcher {

    private static final Pattern SERVICES = Pattern.compile("/api/v1/namespaces/[^/]+/services(\\?.*)?");

    private final String prefix;
    private final AtomicInteger refused = new AtomicInteger();

    public RefusedServiceNames(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        if (SERVICES.matcher(request.getPath()).matches()) {
            String name = Serialization.unmarshal(request.getUtf8Body(), GenericKubernetesResource.class).getMetadata().getName();
            if (name != null && name.startsWith(prefix)) {
                refused.incrementAndGet();
                Status status = new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
                        .withMessage("services \"" + name + "\" is forbidden: ValidatingAdmissionPolicy 'service-names' with binding "
                                + "'service-names' denied request: Service names may not start with " + prefix)
                        .withNewDetails().withName(name).withKind("services").endDetails()
                        .build();
                return new MockResponse().setResponseCode(422).setBody(Serialization.asJson(status));
            }
        }
        return super.handleCreate(request);
    }

    /** How many Service creates were refused. */
    public int refused() {
        return refused.get();
    }
}
