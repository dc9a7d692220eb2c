package io.jobpool.support.gen;

import java.util.function.BiFunction;

/**
 * Generators drawn together, as {@link Gen#combine} returns them: {@code as} names the function that
 * turns one value of each into the combined value. The generators are drawn in the order given.
 */
public final class Combination {

    private Combination() {
    }

    public record Of2<A, B>(Gen<A> a, Gen<B> b) {

        public <R> Gen<R> as(BiFunction<? super A, ? super B, ? extends R> combine) {
            return random -> combine.apply(a.next(random), b.next(random));
        }
    }

    public record Of3<A, B, C>(Gen<A> a, Gen<B> b, Gen<C> c) {

        public <R> Gen<R> as(Function3<? super A, ? super B, ? super C, ? extends R> combine) {
            return random -> combine.apply(a.next(random), b.next(random), c.next(random));
        }
    }

    public record Of4<A, B, C, D>(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) {

        public <R> Gen<R> as(Function4<? super A, ? super B, ? super C, ? super D, ? extends R> combine) {
            return random -> combine.apply(a.next(random), b.next(random), c.next(random), d.next(random));
        }
    }

    /** A function of three values. */
    @FunctionalInterface
    public interface Function3<A, B, C, R> {
        R apply(A a, B b, C c);
    }

    /** A function of four values. */
    @FunctionalInterface
    public interface Function4<A, B, C, D, R> {
        R apply(A a, B b, C c, D d);
    }
}
