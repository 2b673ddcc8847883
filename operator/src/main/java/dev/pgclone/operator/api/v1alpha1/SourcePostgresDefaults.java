package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * What the owners of a CloneSource decide about its clones' server: binding when set, so clones need
 * not (and may not differently) repeat it. The image is required: a clone of production data runs
 * the image its owners chose, never one a consumer picks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class SourcePostgresDefaults {

    @JsonPropertyDescription("Image every clone of this source runs (a clone may leave spec.postgres.image out or repeat it, not change it); the source's major version, e.g. postgres:16. Required, except with spec.cloudNativePG (the image that runs on the Cluster's data). It must also be allowed by the operator's allowed images.")
    private String image;

    @JsonPropertyDescription("uid owning the data files, binding for clones when set: 999 official image, 26 CloudNativePG, 1001 Bitnami.")
    private Long runAsUser;

    @JsonPropertyDescription("Superuser of the source cluster, binding for clones when set; the mandatory post-clone SQL runs as this role.")
    private String superuser;

    @JsonPropertyDescription("Server settings clones of this source may set in spec.postgres.parameters, lowercase names, e.g. [work_mem, random_page_cost]. Replaces the operator's built-in list of sizing and planner settings; [] allows none. Settings outside the list are refused (ParameterNotAllowed), because some (session_replication_role, log_statement, shared_preload_libraries, ...) could undo or leak around the masking.")
    private List<String> allowedParameters;

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public Long getRunAsUser() { return runAsUser; }
    public void setRunAsUser(Long runAsUser) { this.runAsUser = runAsUser; }
    public String getSuperuser() { return superuser; }
    public void setSuperuser(String superuser) { this.superuser = superuser; }
    public List<String> getAllowedParameters() { return allowedParameters; }
    public void setAllowedParameters(List<String> allowedParameters) { this.allowedParameters = allowedParameters; }
}
