package dev.pgclone.operator.cnpg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ImageReferencesTest {

    @Test
    void theMajorIsWhereTheTagStarts() {
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:16.4")).hasValue(16);
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:16.4-bookworm")).hasValue(16);
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:17")).hasValue(17);
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:18-standard-trixie")).hasValue(18);
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:18beta1")).hasValue(18);
        assertThat(ImageReferences.major("postgresql:15.8@sha256:0123abcd")).hasValue(15);
    }

    @Test
    void aRegistryPortIsNotATag() {
        assertThat(ImageReferences.major("registry.local:5000/postgresql:14.12")).hasValue(14);
        assertThat(ImageReferences.major("registry.local:5000/postgresql")).isEqualTo(OptionalInt.empty());
    }

    @Test
    void noMajorWithoutATagThatStartsWithOne() {
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql@sha256:0123abcd")).isEmpty();
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:latest")).isEmpty();
        assertThat(ImageReferences.major("ghcr.io/cloudnative-pg/postgresql:1604")).isEmpty();
        assertThat(ImageReferences.major("postgres:9.6")).as("two-part majors are before CloudNativePG").isEmpty();
        assertThat(ImageReferences.major("")).isEmpty();
        assertThat(ImageReferences.major(null)).isEmpty();
    }
}
