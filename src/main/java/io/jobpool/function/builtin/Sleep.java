package io.jobpool.function.builtin;

import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

/** Waits {@code x} milliseconds and returns {@code x}: an I/O-bound stand-in that honours interruption. */
public final class Sleep implements JobFunction<Void> {

    static final long MAX_MILLIS = 600_000;

    @Override
    public String name() {
        return "sleep";
    }

    @Override
    public String description() {
        return "Sleeps x milliseconds (0..600000) and returns x; I/O-bound, runs on the I/O pool.";
    }

    @Override
    public Kind kind() {
        return Kind.IO;
    }

    @Override
    public Object apply(Object input, Void state) throws InterruptedException {
        long millis = Inputs.integer(input, 0, MAX_MILLIS);
        Thread.sleep(millis);
        return input;
    }
}
