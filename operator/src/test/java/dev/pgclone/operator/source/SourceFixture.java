package dev.pgclone.operator.source;

import dev.pgclone.operator.api.v1alpha1.CloneSource;
import dev.pgclone.operator.api.v1alpha1.CloneSourceRef;
import dev.pgclone.operator.api.v1alpha1.CloneSourceSpec;
import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.api.v1alpha1.DatabaseCloneSpec;
import dev.pgclone.operator.api.v1alpha1.PostCloneSpec;
import dev.pgclone.operator.api.v1alpha1.SourcePostgresDefaults;
import dev.pgclone.operator.api.v1alpha1.SourceSpec;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.function.Consumer;

/** The CloneSource tests' objects: a source of PVC data-orders-0 in the production namespace, its clones and masking. */
record SourceFixture(KubernetesClient client, String prod) {

    CloneSource source(String name, Consumer<CloneSourceSpec> customize) {
        CloneSource source = new CloneSource();
        source.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(prod).build());
        CloneSourceSpec spec = new CloneSourceSpec();
        spec.setPvcName("data-orders-0");
        SourcePostgresDefaults pg = new SourcePostgresDefaults();
        pg.setImage("postgres:16");
        spec.setPostgres(pg);
        customize.accept(spec);
        source.setSpec(spec);
        return client.resource(source).create();
    }

    /** A clone of the CloneSource {@code sourceName} in the production namespace (none: a clone without source yet). */
    DatabaseClone clone(String ns, String name, String sourceName) {
        DatabaseClone clone = new DatabaseClone();
        clone.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        DatabaseCloneSpec spec = new DatabaseCloneSpec();
        SourceSpec source = new SourceSpec();
        if (sourceName != null) {
            source.setCloneSource(new CloneSourceRef(sourceName, prod));
        }
        spec.setSource(source);
        var pg = new dev.pgclone.operator.api.v1alpha1.PostgresSpec();
        pg.setImage("postgres:16");
        spec.setPostgres(pg);
        clone.setSpec(spec);
        return clone;
    }

    void masking(String name, Map<String, String> scripts) {
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(prod).endMetadata().withData(scripts).build()).create();
    }

    static PostCloneSpec postClone(String sql, String configMap) {
        PostCloneSpec p = new PostCloneSpec();
        p.setSql(sql);
        p.setConfigMapName(configMap);
        return p;
    }
}
