package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the owners of a CloneSource know about its server, so clones need not repeat it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourcePostgresDefaults {

    @JsonPropertyDescription("Image for clones that do not set spec.postgres.image; must be the source's major version, e.g. postgres:16.")
    private String image;

    @JsonPropertyDescription("uid owning the data files, for clones that do not set spec.postgres.runAsUser: 999 official image, 26 CloudNativePG, 1001 Bitnami.")
    private Long runAsUser;

    @JsonPropertyDescription("Superuser of the source cluster, for clones that do not set spec.postgres.superuser.")
    private String superuser;

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public Long getRunAsUser() { return runAsUser; }
    public void setRunAsUser(Long runAsUser) { this.runAsUser = runAsUser; }
    public String getSuperuser() { return superuser; }
    public void setSuperuser(String superuser) { this.superuser = superuser; }
}
