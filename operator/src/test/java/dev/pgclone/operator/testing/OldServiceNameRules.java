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
 * The mock API server's CRUD dispatcher plus one validation the mock lacks, as an API server before
 * Kubernetes 1.36 does it: a Service's name must be a DNS-1035 label (start with a letter), else
 * the create is refused with 422 Invalid and the server's message. From 1.36 on any DNS-1123 label
 * is a Service name, so a DatabaseClone may be named {@code 1-orders} there, and here it meets the
 * older servers that the operator also supports.
 */
public final class OldServiceNameRules extends KubernetesCrudDispatcher {

    private static final Pattern SERVICES = Pattern.compile("/api/v1/namespaces/[^/]+/services(\\?.*)?");
    private static final Pattern DNS_1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    private final AtomicInteger refused = new AtomicInteger();

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        if (SERVICES.matcher(request.getPath()).matches()) {
            String name = Serialization.unmarshal(request.getUtf8Body(), GenericKubernetesResource.class).getMetadata().getName();
            if (name != null && !DNS_1035.matcher(name).matches()) {
                refused.incrementAndGet();
                Status status = new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
                        .withMessage("Service \"" + name + "\" is invalid: metadata.name: Invalid value: \"" + name + "\": a DNS-1035 label "
                                + "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end "
                                + "with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
                                + "'[a-z]([-a-z0-9]*[a-z0-9])?')")
                        .withNewDetails().withName(name).withKind("services").addNewCause().withField("metadata.name")
                            .withReason("FieldValueInvalid").endCause().endDetails()
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
