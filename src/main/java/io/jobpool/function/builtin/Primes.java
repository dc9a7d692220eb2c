package io.jobpool.function.builtin;

import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

/**
 * Counts the primes {@code <= n} by plain trial division, the same algorithm as the Python peer
 * (deliberately not a sieve: the benchmark compares execution, not algorithms).
 */
public final class Primes implements JobFunction<Void> {

    static final long MAX_N = 100_000_000L;

    @Override
    public String name() {
        return "primes";
    }

    @Override
    public String description() {
        return "Count of primes <= n by plain trial division (CPU-bound benchmark workload).";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Object apply(Object input, Void state) throws InterruptedException {
        long n = Inputs.integer(input, 0, MAX_N);
        long count = 0;
        for (long k = 2; k <= n; k++) {
            boolean prime = true;
            for (long i = 2; i * i <= k; i++) {
                if (k % i == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                count++;
            }
            if ((k & 4095) == 0 && Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        return count;
    }
}
