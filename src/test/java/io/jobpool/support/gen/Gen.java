package io.jobpool.support.gen;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of test values: each {@link #next} draws one value from the given {@link Random}, and
 * draws nothing from anywhere else, so the same seed gives the same values (that is what makes a fuzz
 * run reproducible). Generators are built from the factories here and shaped with {@link #map},
 * {@link #filter} and {@link #list}.
 *
 * <p>Generators hold no state: one may be used from several threads, each with its own {@code Random}.
 * There is no shrinking; a failure is reproduced by its seed.
 *
 * @param <T> the type of value drawn
 */
@FunctionalInterface
public interface Gen<T> {

    /** Draws one value. */
    T next(Random random);

    /** Draws a value and transforms it. */
    default <R> Gen<R> map(Function<? super T, ? extends R> transform) {
        return random -> transform.apply(next(random));
    }

    /**
     * Draws until a value passes {@code accept}. Gives up with an {@link IllegalStateException} after
     * 10,000 rejections in a row: a filter that rejects nearly everything is a mistake in the generator,
     * and looping forever would hide it.
     */
    default Gen<T> filter(Predicate<? super T> accept) {
        return random -> {
            T value = null;
            for (int i = 0; i < 10_000; i++) {
                value = next(random);
                if (accept.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("the filter rejected 10,000 values in a row, the last " + value);
        };
    }

    /** Lists of values drawn from this generator, 0 to 10 long unless sized otherwise. */
    default ListGen<T> list() {
        return new ListGen<>(this, 0, 10);
    }

    /** One of {@code values}, each as likely as the others ({@code null} is allowed as a value). */
    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values to choose from");
        }
        List<T> choices = Arrays.asList(values.clone());
        return random -> choices.get(random.nextInt(choices.size()));
    }

    /** Always {@code value}. */
    static <T> Gen<T> just(T value) {
        return random -> value;
    }

    /** A value from one of {@code gens}, each generator as likely as the others. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        if (gens.length == 0) {
            throw new IllegalArgumentException("no generators to choose from");
        }
        Gen<? extends T>[] choices = gens.clone();
        return random -> choices[random.nextInt(choices.length)].next(random);
    }

    /** A value from one of the generators, each chosen in proportion to its weight (the pair's first). */
    @SafeVarargs
    static <T> Gen<T> frequencyOf(Pair<Integer, Gen<T>>... weighted) {
        List<Pair<Integer, Gen<T>>> choices = List.of(weighted);
        int total = 0;
        for (Pair<Integer, Gen<T>> choice : choices) {
            if (choice.first() <= 0) {
                throw new IllegalArgumentException("weights must be positive: " + choice.first());
            }
            total += choice.first();
        }
        int sum = total;
        return random -> {
            int pick = random.nextInt(sum);
            for (Pair<Integer, Gen<T>> choice : choices) {
                pick -= choice.first();
                if (pick < 0) {
                    return choice.second().next(random);
                }
            }
            throw new AssertionError("the weights add up to " + sum);
        };
    }

    /** Any {@code int}; narrow it with {@link IntGen#between}. */
    static IntGen integers() {
        return new IntGen(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** Any {@code long}; narrow it with {@link LongGen#between}. */
    static LongGen longs() {
        return new LongGen(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Strings of 0 to 20 characters from all of Unicode; see {@link StringGen} for the alphabet. */
    static StringGen strings() {
        return StringGen.ANY;
    }

    /** Arrays of 0 to {@code maxLength} random bytes. */
    static Gen<byte[]> bytes(int maxLength) {
        return random -> {
            byte[] bytes = new byte[random.nextInt(maxLength + 1)];
            random.nextBytes(bytes);
            return bytes;
        };
    }

    /** Two generators drawn together; {@code as} says how to combine their values. */
    static <A, B> Combination.Of2<A, B> combine(Gen<A> a, Gen<B> b) {
        return new Combination.Of2<>(a, b);
    }

    /** Three generators drawn together; {@code as} says how to combine their values. */
    static <A, B, C> Combination.Of3<A, B, C> combine(Gen<A> a, Gen<B> b, Gen<C> c) {
        return new Combination.Of3<>(a, b, c);
    }

    /** Four generators drawn together; {@code as} says how to combine their values. */
    static <A, B, C, D> Combination.Of4<A, B, C, D> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d) {
        return new Combination.Of4<>(a, b, c, d);
    }
}
