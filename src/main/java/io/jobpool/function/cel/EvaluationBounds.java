package io.jobpool.function.cel;

import dev.cel.common.ast.CelExpr;
import dev.cel.common.values.CelByteString;
import dev.cel.runtime.CelEvaluationListener;

import java.util.Collection;
import java.util.Map;

/**
 * Watches every intermediate value of an evaluation: stops it when the worker thread is interrupted
 * (a cancelled or timed-out job) and when a string, byte string, list or map grows past
 * {@link CelLimits}. CEL's comprehension budget alone does not bound memory: nesting
 * {@code [s + s].map(a, [a + a].map(b, ...))} doubles a string per level in a single iteration each.
 *
 * <p>CEL calls the listener after each AST node is evaluated, on the evaluating thread; it keeps no
 * state, so one instance serves all threads. What it throws, CEL wraps in its
 * {@link dev.cel.runtime.CelEvaluationException} with this as the cause. The checks cost a few
 * {@code instanceof} tests and {@code size()} calls (all O(1)) per node.
 */
final class EvaluationBounds implements CelEvaluationListener {

    private final int maxStringLength;
    private final int maxCollectionSize;

    EvaluationBounds(CelLimits limits) {
        this.maxStringLength = limits.maxStringLength();
        this.maxCollectionSize = limits.maxCollectionSize();
    }

    @Override
    public void callback(CelExpr expr, Object value) {
        if (Thread.currentThread().isInterrupted()) {
            throw new Stop(false, "the evaluation was interrupted");
        }
        if (value instanceof String text) {
            if (text.length() > maxStringLength) {
                throw new Stop(true, "a string grew to " + text.length() + " chars, over the limit of "
                        + maxStringLength);
            }
        } else if (value instanceof Collection<?> collection) {
            if (collection.size() > maxCollectionSize) {
                throw new Stop(true, "a list grew to " + collection.size() + " elements, over the limit of "
                        + maxCollectionSize);
            }
        } else if (value instanceof Map<?, ?> map) {
            if (map.size() > maxCollectionSize) {
                throw new Stop(true, "a map grew to " + map.size() + " entries, over the limit of "
                        + maxCollectionSize);
            }
        } else if (value instanceof CelByteString bytes && bytes.size() > maxStringLength) {
            throw new Stop(true, "a byte string grew to " + bytes.size() + " bytes, over the limit of "
                    + maxStringLength);
        }
    }

    /** Why an evaluation was stopped: a bound exceeded, or the thread interrupted. */
    static final class Stop extends RuntimeException {

        private final boolean costLimit;

        Stop(boolean costLimit, String message) {
            super(message, null, false, false);
            this.costLimit = costLimit;
        }

        boolean costLimit() {
            return costLimit;
        }
    }
}
