package io.jobpool.function;

import io.jobpool.function.spi.JobFunction;

import java.util.List;
import java.util.Map;

/**
 * A function that takes a whole chunk per call instead of one item: the engine hands it a chunk's
 * inputs at once and it answers them in order. This is how work leaves the JVM (a worker process
 * computes a chunk per message) without paying a round trip per item.
 *
 * <p>It has no per-worker state of the engine's: whatever it keeps warm (processes, connections) it
 * owns and shares across jobs, and it closes it when the service stops.
 */
public interface ChunkedFunction extends JobFunction<Void> {

    /** Receives a chunk's outcomes in input order: each call answers the next unanswered item. */
    interface Answers {

        void value(Object value);

        /** The next items' values, in order: one call for many answers. */
        default void values(List<?> values) {
            for (Object value : values) {
                value(value);
            }
        }

        void error(String type, String message);
    }

    /**
     * Most chunks it can run at once now (a process function: its processes, less those being started
     * or ended in the background); the scheduler hands it no more. It may change at any time: when it
     * grows, the function calls the listeners given to {@link #onMoreCapacity}.
     */
    int maxConcurrentChunks();

    /** {@code listener} is called whenever {@link #maxConcurrentChunks} may have grown. */
    default void onMoreCapacity(Runnable listener) {
    }

    /**
     * Computes {@code inputs} in order, giving {@code answers} exactly one outcome per input, on the
     * calling thread. Throws {@link InterruptedException} when the calling thread is interrupted (the
     * job was cancelled, timed out or the service stops): the work in progress is then abandoned and
     * the inputs not answered yet get no outcome.
     */
    void applyChunk(List<?> inputs, Map<String, Object> params, Answers answers) throws InterruptedException;

    /** Never called: the engine runs a chunked function only through {@link #applyChunk}. */
    @Override
    default Object apply(Object input, Void state) {
        throw new UnsupportedOperationException(name() + " computes whole chunks: call applyChunk");
    }
}
