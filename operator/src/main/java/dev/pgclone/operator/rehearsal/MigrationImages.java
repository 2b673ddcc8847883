package dev.pgclone.operator.rehearsal;

import dev.pgclone.operator.clone.ImageAllowList;

/**
 * The images a rehearsal's migration Job may run, as the operator's administrators wrote them
 * (config {@code pgclone.rehearsal.allowed-images}, Helm value {@code rehearsal.allowedMigrationImages}).
 * The operator creates that Job with its own rights, so without this list whoever may create a
 * MigrationRehearsal could run a Pod of any image in the namespace, even where they may create no
 * Pod themselves. A type of its own, so it is never confused with the clone Pods' list.
 */
public record MigrationImages(ImageAllowList list) {

    public static final String PROPERTY = "pgclone.rehearsal.allowed-images";

    public static MigrationImages of(String commaSeparated) {
        return new MigrationImages(ImageAllowList.of(PROPERTY, commaSeparated));
    }

    public static MigrationImages allowAll() {
        return new MigrationImages(ImageAllowList.allowAll());
    }

    public boolean allows(String image) {
        return list.allows(image);
    }
}
