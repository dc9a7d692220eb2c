package io.jobpool.function.spi;

import java.util.Map;

/**
 * A function jobpool can map over inputs: the {@code f} of {@code pool.map(f, xs)}.
 *
 * <p>Inputs and results are plain JSON values as Java objects: {@code null}, {@link Boolean},
 * {@link String}, {@link Integer}/{@link Long}/{@link java.math.BigInteger}, {@link Double} or
 * {@link java.math.BigDecimal}, {@link java.util.List} and {@link java.util.Map} with string keys.
 *
 * <p><b>Per-worker state</b> is Pool's {@code initializer}: {@link #createState} runs once per worker
 * thread and job, its result is handed to every {@link #apply} call that worker makes for that job,
 * and {@link #close} runs once when the job ends or the service stops. State is never shared between
 * threads, so it needs no synchronisation.
 *
 * <p>{@link #apply} runs on a worker thread and must honour interruption (it is how a job is cancelled
 * or timed out): long loops should check {@link Thread#interrupted()} and throw
 * {@link InterruptedException}.
 *
 * @param <S> the per-worker state; {@link Void} for stateless functions
 */
public interface JobFunction<S> {

    /** The catalog name clients use in {@code "function"}. */
    String name();

    /** One sentence for the catalog. */
    String description();

    /** CPU-bound functions run on the core-sized pool, I/O-bound ones on their own pool. */
    Kind kind();

    /**
     * How many arguments an item carries. With an arity above one every input must be a list of that
     * many values, spread into the call like {@code Pool.starmap}.
     */
    default int arity() {
        return 1;
    }

    /** A JSON Schema (as nested maps) of {@code params}; submissions are validated against it. */
    default Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "additionalProperties", false);
    }

    /** Builds the per-worker state from the job's parameters (already validated against the schema). */
    default S createState(Map<String, Object> params) {
        return null;
    }

    /**
     * Computes one item. Throw {@link ItemFailure} for a failure the client should see with its own
     * type; any other runtime exception is reported with its class name as the type.
     */
    Object apply(Object input, S state) throws InterruptedException;

    /** Releases the per-worker state. Called once per created state, never concurrently with apply. */
    default void close(S state) {
    }
}
