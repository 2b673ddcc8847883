package dev.pgclone.operator.cnpg;

import java.util.Optional;

/**
 * What a resolution came to: the value, or a problem for a condition ({@code reason}, one of
 * {@link CnpgReasons}; {@code message} says what to change, or what is awaited).
 */
public sealed interface Resolution<T> permits Resolution.Resolved, Resolution.Problem {

    record Resolved<T>(T value) implements Resolution<T> {}

    record Problem<T>(String reason, String message) implements Resolution<T> {}

    static <T> Resolution<T> of(T value) {
        return new Resolved<>(value);
    }

    static <T> Resolution<T> problem(String reason, String message) {
        return new Problem<>(reason, message);
    }

    default Optional<T> resolved() {
        return this instanceof Resolved<T> r ? Optional.of(r.value()) : Optional.empty();
    }

    default Optional<Problem<T>> problem() {
        return this instanceof Problem<T> p ? Optional.of(p) : Optional.empty();
    }
}
