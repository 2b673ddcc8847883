package dev.pgclone.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the owners of a CloneSource decide about its clones' server: binding when set, so clones need not (and may not differently) repeat it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SourcePostgresDefaults {

    @JsonPropertyDescription("Image every clone of this source runs (a clone may leave spec.postgres.image out or repeat it, not change it); the source's major version, e.g. postgres:16.")
    private String image;

    @JsonPropertyDescription("uid owning the data files, binding for clones when set: 999 official image, 26 CloudNativePG, 1001 Bitnami.")
    private Long runAsUser;

    @JsonPropertyDescription("Superuser of the source cluster, binding for clones when set; the mandatory post-clone SQL runs as this role.")
    private String superuser;

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public Long getRunAsUser() { return runAsUser; }
    public void setRunAsUser(Long runAsUser) { this.runAsUser = runAsUser; }
    public String getSuperuser() { return superuser; }
    public void setSuperuser(String superuser) { this.superuser = superuser; }
}
