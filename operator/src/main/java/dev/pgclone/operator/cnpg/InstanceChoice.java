package dev.pgclone.operator.cnpg;

/** Which instance of a Cluster to take the snapshot of. */
public record InstanceChoice(Kind kind, String instance) {

    public enum Kind {
        /** status.currentPrimary. */
        PRIMARY,
        /** A Ready replica (the first by name), else the primary. */
        PREFER_STANDBY,
        /** The instance named, which must be one of the Cluster's and Ready. */
        NAMED
    }

    public static final String PRIMARY_WORD = "primary";
    public static final String PREFER_STANDBY_WORD = "preferStandby";

    public InstanceChoice {
        if (kind == null || (kind == Kind.NAMED) != (instance != null && !instance.isEmpty())) {
            throw new IllegalArgumentException("an instance name goes with NAMED, and only with it");
        }
    }

    public static InstanceChoice primary() {
        return new InstanceChoice(Kind.PRIMARY, null);
    }

    public static InstanceChoice preferStandby() {
        return new InstanceChoice(Kind.PREFER_STANDBY, null);
    }

    public static InstanceChoice named(String instance) {
        return new InstanceChoice(Kind.NAMED, instance);
    }

    /** {@value #PRIMARY_WORD} (also when empty), {@value #PREFER_STANDBY_WORD}, or an instance name. */
    public static InstanceChoice parse(String word) {
        if (word == null || word.isEmpty() || word.equals(PRIMARY_WORD)) {
            return primary();
        }
        return word.equals(PREFER_STANDBY_WORD) ? preferStandby() : named(word);
    }
}
