package dev.pgclone.operator.clone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageAllowListTest {

    private final ImageAllowList list = ImageAllowList.of("postgres:*, ghcr.io/cloudnative-pg/postgresql:*,registry.example.com/*");

    @Test
    void aStarMatchesAnyRunOfCharactersSlashesAndColonsIncluded() {
        assertThat(ImageAllowList.matches("registry.example.com/*", "registry.example.com/team/postgres:16")).isTrue();
        assertThat(ImageAllowList.matches("*", "anything/at:all@sha256:00")).isTrue();
        assertThat(ImageAllowList.matches("a*b*c", "abc")).isTrue();
        assertThat(ImageAllowList.matches("a*b*c", "a-x-b-y-c")).isTrue();
        assertThat(ImageAllowList.matches("a*b*c", "a-x-b-y-c-d")).isFalse();
        assertThat(ImageAllowList.matches("postgres:16", "postgres:16")).isTrue();
    }

    @Test
    void patternsAreAnchoredAtBothEnds() {
        assertThat(list.allows("postgres:16")).isTrue();
        assertThat(list.allows("evil/postgres:16")).isFalse();
        assertThat(list.allows("registry.example.com.evil.io/postgres:16")).isFalse();
        assertThat(list.allows("ghcr.io/cloudnative-pg/postgresql:16.4")).isTrue();
        assertThat(list.allows("ghcr.io/cloudnative-pg/postgresql-evil:16")).isFalse();
        assertThat(list.allows("ghcr.io/cloudnative-pg/postgresql")).as("no tag is :latest").isTrue();
        assertThat(ImageAllowList.of("postgres:16").allows("postgres:16.4")).isFalse();
    }

    @Test
    void theSameImageIsAllowedHoweverItIsSpelled() {
        assertThat(list.allows("docker.io/library/postgres:16")).isTrue();
        assertThat(list.allows("library/postgres:16")).isTrue();
        assertThat(list.allows("postgres")).as("the runtime pulls postgres:latest").isTrue();
        assertThat(ImageAllowList.of("docker.io/library/postgres:*").allows("postgres:16")).isTrue();
        assertThat(ImageAllowList.of("docker.io/bitnami/postgresql:*").allows("bitnami/postgresql:16")).isTrue();
        assertThat(ImageAllowList.of("postgres:*").allows("evil.io/library/postgres:16")).as("another registry is another image").isFalse();
        assertThat(ImageAllowList.of("localhost:5000/*").allows("localhost:5000/postgres:16")).isTrue();
    }

    @Test
    void aDigestIsAllowedWhenTheRepositoryIs() {
        String digest = "@sha256:" + "0".repeat(64);
        assertThat(list.allows("postgres:16" + digest)).as("a digest can only name an image of the same repository").isTrue();
        assertThat(list.allows("evil/postgres:16" + digest)).isFalse();
        assertThat(list.allows("postgres" + digest)).as("digest-only references need a pattern of that form").isFalse();
        assertThat(ImageAllowList.of("postgres@*").allows("postgres" + digest)).isTrue();
        assertThat(ImageAllowList.of("postgres@sha256:" + "0".repeat(64)).allows("postgres@sha256:" + "1".repeat(64))).isFalse();
    }

    @Test
    void nothingIsAllowedThatIsNotAnImageReference() {
        assertThat(ImageAllowList.allowAll().allows("postgres:16")).isTrue();
        assertThat(ImageAllowList.allowAll().allows("")).isFalse();
        assertThat(ImageAllowList.allowAll().allows(null)).isFalse();
        assertThat(list.allows("postgres:16 --evil")).isFalse();
    }

    @Test
    void anEmptyListIsAConfigurationErrorNotASilentDenyOrAllow() {
        assertThatThrownBy(() -> ImageAllowList.of(" , ")).hasMessageContaining("set it to * to allow every image");
        assertThat(ImageAllowList.of("*").allowsAll()).isTrue();
        assertThat(list.allowsAll()).isFalse();
        assertThat(list).hasToString("postgres:*, ghcr.io/cloudnative-pg/postgresql:*, registry.example.com/*");
    }
}
