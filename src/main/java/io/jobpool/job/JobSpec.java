package io.jobpool.job;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A map job as submitted: the function, its parameters, the inputs and how to run them. Validated on
 * construction; a bad field is an {@link ProblemType#INVALID_REQUEST} naming it.
 *
 * @param function   a catalog name, or {@code null} when {@code expression} is given
 * @param expression a CEL expression over {@code x} and {@code params}, instead of a function
 * @param chunkSize items per chunk, or {@code null} for adaptive chunks
 * @param timeout   the job's deadline from submission, or {@code null}
 * @param priority  1..10, the job's weight in the round-robin (default 5)
 * @param open      whether inputs keep arriving ({@code POST /v1/jobs/{id}/inputs}) until the job is closed
 * @param maxPending for an open job, most inputs accepted and not yet processed, or {@code null} for
 *                  the service's default
 */
public record JobSpec(String function, String expression, Map<String, Object> params, List<?> inputs,
                      Integer chunkSize, OnError onError, int retries, Duration timeout, int priority, boolean open,
                      Integer maxPending) {

    public static final int DEFAULT_PRIORITY = 5;
    public static final int MAX_CHUNK_SIZE = 1_000_000;
    public static final int MAX_RETRIES = 10;
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    public JobSpec {
        if (expression != null && function != null) {
            throw JobpoolException.invalid("expression", "give either function or expression, not both");
        }
        if (expression == null && (function == null || function.isBlank())) {
            throw JobpoolException.invalid("function", "function is required: a name from GET /v1/functions"
                    + " (or an expression: a CEL expression over x)");
        }
        if (expression != null && expression.isBlank()) {
            throw JobpoolException.invalid("expression", "expression must not be blank");
        }
        if (inputs == null && !open) {
            throw JobpoolException.invalid("inputs", "inputs is required: a JSON array of the items to map"
                    + " (or \"open\": true to send them in batches later)");
        }
        inputs = inputs == null ? List.of() : inputs;
        if (maxPending != null && !open) {
            throw JobpoolException.invalid("maxPending", "maxPending only applies to open jobs (\"open\": true)");
        }
        if (maxPending != null && maxPending < 1) {
            throw JobpoolException.invalid("maxPending", "maxPending must be at least 1, got " + maxPending);
        }
        params = params == null ? Map.of() : params;
        onError = onError == null ? OnError.FAIL : onError;
        if (chunkSize != null && (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE)) {
            throw JobpoolException.invalid("chunkSize", "chunkSize must be between 1 and " + MAX_CHUNK_SIZE + ", got " + chunkSize);
        }
        if (retries < 0 || retries > MAX_RETRIES) {
            throw JobpoolException.invalid("retries", "retries must be between 0 and " + MAX_RETRIES + ", got " + retries);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw JobpoolException.invalid("timeout", "timeout must be a positive ISO-8601 duration of at most P1D, got " + timeout);
        }
        if (priority < 1 || priority > 10) {
            throw JobpoolException.invalid("priority", "priority must be between 1 and 10, got " + priority);
        }
    }

    public int size() {
        return inputs.size();
    }
}
