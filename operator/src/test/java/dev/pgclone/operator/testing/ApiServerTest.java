package dev.pgclone.operator.testing;

import dev.pgclone.testkit.cluster.ClusterStandIns;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Test tier: against an API server (the fabric8 mock with the stand-ins of {@link dev.pgclone.testkit.cluster.ClusterStandIns},
 * or Quarkus with the operator running). Untagged tests are the unit and golden-file tier, which
 * {@code make test-fast} runs alone; the end-to-end tier is the e2e module.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ApiServerTest.TAG)
public @interface ApiServerTest {
    String TAG = "api-server";
}
