package io.jobpool.support.gen;

import java.util.Random;

/** {@code int}s from {@code min} to {@code max}, both included, drawn as {@link LongGen} draws them. */
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
        return Math.toIntExact(new LongGen(min, max).next(random));
    }
}
