package io.jobpool.support.gen;

import java.util.Random;

/**
 * {@code int}s from {@code min} to {@code max}, both included. Most draws are uniform; one in 20 is an
 * end of the range, where off-by-one mistakes live and where a uniform draw over a wide range would
 * almost never land.
 */
public record IntGen(int min, int max) implements Gen<Integer> {

    public IntGen {
        if (min > max) {
            throw new IllegalArgumentException("empty range " + min + ".." + max);
        }
    }

    /** The same generator over {@code min..max}, both included. */
    public IntGen between(int min, int max) {
        return new IntGen(min, max);
    }

    @Override
    public Integer next(Random random) {
        if (random.nextInt(20) == 0) {
            return random.nextBoolean() ? min : max;
        }
        return (int) random.nextLong(min, max + 1L); // a long bound: max + 1 cannot overflow
    }
}
