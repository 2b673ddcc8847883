package dev.pgclone.operator.resources;

import dev.pgclone.operator.api.v1alpha1.DatabaseClone;
import dev.pgclone.operator.clone.EffectiveClone;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** DatabaseClones for tests, written as a user writes them: YAML, without the CRD's defaults applied. */
public final class TestClones {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    public static final String UID = "0b7d5f5e-9a53-4b8e-8f4a-000000000001";

    private TestClones() {}

    /** @param specYaml the body of spec, indented by nothing (a text block) */
    public static DatabaseClone clone(String name, String namespace, String specYaml) {
        String yaml = "apiVersion: pgclone.dev/v1alpha1\nkind: DatabaseClone\nmetadata:\n  name: " + name
                + "\n  namespace: " + namespace + "\n  uid: " + UID + "\nspec:\n" + specYaml.indent(2);
        return SERIALIZATION.unmarshal(yaml, DatabaseClone.class);
    }

    /**
     * The clone as the builders get it in the operator: with the defaults filled in
     * ({@link EffectiveClone}, no CloneSource). A copy; the argument is not changed.
     */
    public static DatabaseClone effective(DatabaseClone clone) {
        return EffectiveClone.of(clone, null);
    }

    /** The least a user can write: a PVC and an image. */
    public static DatabaseClone minimal() {
        return clone("orders-staging", "shop", """
                source:
                  pvcName: data-orders-0
                postgres:
                  image: postgres:16
                """);
    }
}
