package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PostgresSpec {

    @JsonPropertyDescription("PostgreSQL image, e.g. postgres:16. Its major version must be the source's (checked when the clone starts). Required unless the source is a CloneSource that sets it; then it may only repeat that image.")
    private String image;

    @Min(1)
    @JsonPropertyDescription("UID that owns the data files: 999 for the official image, 26 for CloudNativePG, 1001 for Bitnami. The clone runs as this uid; files are never chown-ed. Default " + Defaults.RUN_AS_USER + "; a CloneSource that sets it decides.")
    private Long runAsUser;

    @JsonPropertyDescription("Superuser role of the source; the clone gives it a new password, published in Secret <clone>-superuser. Default " + Defaults.SUPERUSER + "; a CloneSource that sets it decides.")
    private String superuser;

    @JsonPropertyDescription("Extra server settings, passed as -c name=value; they win over the source's configuration files.")
    private Map<String, String> parameters;

    @JsonPropertyDescription("Resources of the postgres container. shared_buffers is sized from the memory limit unless set in parameters.")
    private ResourceRequirements resources;

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public Long getRunAsUser() { return runAsUser; }
    public void setRunAsUser(Long runAsUser) { this.runAsUser = runAsUser; }
    public String getSuperuser() { return superuser; }
    public void setSuperuser(String superuser) { this.superuser = superuser; }
    public Map<String, String> getParameters() { return parameters; }
    public void setParameters(Map<String, String> parameters) { this.parameters = parameters; }
    public ResourceRequirements getResources() { return resources; }
    public void setResources(ResourceRequirements resources) { this.resources = resources; }
}
