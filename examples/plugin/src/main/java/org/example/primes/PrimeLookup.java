package org.example.primes;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * Answers "is n prime?" from a sieve of Eratosthenes. Building the sieve is the expensive part (tens of
 * milliseconds for ten million numbers), so it is the per-worker state: built once per worker and job,
 * like a Pool initializer loading a model, then every item is a bit lookup.
 */
public final class PrimeLookup implements JobFunction<PrimeLookup.Sieve> {

    static final int DEFAULT_LIMIT = 10_000_000;
    static final int MAX_LIMIT = 100_000_000;

    /** The per-worker state: composites marked up to {@code limit}. */
    public record Sieve(BitSet composite, int limit) {
    }

    @Override
    public String name() {
        return "prime-lookup";
    }

    @Override
    public String description() {
        return "Whether n is prime, from a sieve up to params.limit built once per worker (example plugin).";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "additionalProperties", false,
                "properties", Map.of("limit", Map.of("type", "integer", "minimum", 2, "maximum", MAX_LIMIT,
                        "default", DEFAULT_LIMIT, "description", "largest n the sieve answers for")),
                "required", List.of());
    }

    @Override
    public Sieve createState(Map<String, Object> params) {
        int limit = ((Number) params.getOrDefault("limit", DEFAULT_LIMIT)).intValue();
        BitSet composite = new BitSet(limit + 1);
        composite.set(0);
        composite.set(1);
        for (long p = 2; p * p <= limit; p = composite.nextClearBit((int) p + 1)) {
            for (long multiple = p * p; multiple <= limit; multiple += p) {
                composite.set((int) multiple);
            }
        }
        return new Sieve(composite, limit);
    }

    @Override
    public Object apply(Object input, Sieve sieve) {
        if (!(input instanceof Integer || input instanceof Long)) {
            throw ItemFailure.invalidInput("expected an integer, got " + input);
        }
        long n = ((Number) input).longValue();
        if (n < 0 || n > sieve.limit()) {
            throw ItemFailure.invalidInput(n + " is outside the sieve [0, " + sieve.limit() + "]; raise params.limit");
        }
        return !sieve.composite().get((int) n);
    }

    @Override
    public void close(Sieve sieve) {
        sieve.composite().clear();
    }
}
