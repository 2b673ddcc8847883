package dev.pgclone.operator.clone;

/** One named step of the clone workflow; it owns at most one condition. */
public interface CloneStep {

    String name();

    /** The condition this step keeps true, or null. */
    String condition();

    Outcome run(CloneContext ctx);
}
