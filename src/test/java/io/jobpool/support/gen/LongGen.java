package io.jobpool.support.gen;

import java.util.Random;

/**
 * {@code long}s from {@code min} to {@code max}, both included, the full range too. Most draws are
 * uniform; one in 20 is an end of the range, where off-by-one mistakes live and where a uniform draw over
 * a wide range would almost never land.
 */
public record LongGen(long min, long max) implements Gen<Long> {

    public LongGen {
        if (min > max) {
            throw new IllegalArgumentException("empty range " + min + ".." + max);
        }
    }

    /** The same generator over {@code min..max}, both included. */
    public LongGen between(long min, long max) {
        return new LongGen(min, max);
    }

    @Override
    public Long next(Random random) {
        if (random.nextInt(20) == 0) {
            return random.nextBoolean() ? min : max;
        }
        // Random's bounds exclude the upper one, and max + 1 overflows at Long.MAX_VALUE: shift the range
        // down by one instead, or, when it is every long, draw any long.
        if (max < Long.MAX_VALUE) {
            return random.nextLong(min, max + 1);
        }
        if (min > Long.MIN_VALUE) {
            return random.nextLong(min - 1, max) + 1;
        }
        return random.nextLong();
    }
}
