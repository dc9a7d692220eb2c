package io.jobpool.support.gen;

/**
 * Two values drawn together, such as a field name and the value that makes it wrong, or a weight and
 * a generator for {@link Gen#frequencyOf}. Either may be {@code null}.
 */
public record Pair<A, B>(A first, B second) {

    public static <A, B> Pair<A, B> of(A first, B second) {
        return new Pair<>(first, second);
    }
}
