package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of {@code CloneSource.spec.allowedNamespaceSelector}: the shape of Kubernetes'
 * LabelSelector, which the model keeps using, with the descriptions the fabric8 class does not
 * carry. Used only by the CRD generator through a schema swap; never instantiated.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public final class NamespaceSelectorSchema {

    @JsonPropertyDescription("Namespace labels that must all be present with these values, e.g. pgclone.dev/may-clone-orders: \"true\".")
    private Map<String, String> matchLabels;

    @JsonPropertyDescription("Requirements on namespace labels that must all hold.")
    private List<Requirement> matchExpressions;

    private NamespaceSelectorSchema() {}

    /** One entry of {@code matchExpressions}. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    public static final class Requirement {

        @JsonPropertyDescription("The label key.")
        private String key;

        @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist; any other operator matches no namespace.")
        private String operator;

        @JsonPropertyDescription("The label values for In and NotIn; empty for Exists and DoesNotExist.")
        private List<String> values;

        private Requirement() {}
    }
}
