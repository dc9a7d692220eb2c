package io.jobpool.client;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * A map job to submit: a catalog {@code function} or a CEL {@code expression}, its inputs and options.
 * Build one with {@link #function} or {@link #expression} and the {@code with...} methods.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(String function, String expression, Map<String, Object> params, List<?> inputs,
                         Integer chunkSize, String onError, Integer retries, String timeout, Integer priority,
                         Boolean open, Integer maxPending) {

    public static JobRequest function(String name, List<?> inputs) {
        return new JobRequest(name, null, null, inputs, null, null, null, null, null, null, null);
    }

    public static JobRequest expression(String cel, List<?> inputs) {
        return new JobRequest(null, cel, null, inputs, null, null, null, null, null, null, null);
    }

    /** An open (producer/consumer) job: inputs follow with {@link JobpoolClient#append}. */
    public static JobRequest open(String function) {
        return new JobRequest(function, null, null, null, null, null, null, null, null, true, null);
    }

    public JobRequest withParams(Map<String, Object> params) {
        return new JobRequest(function, expression, params, inputs, chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    public JobRequest withChunkSize(int size) {
        return new JobRequest(function, expression, params, inputs, size, onError, retries, timeout, priority, open, maxPending);
    }

    /** Every item gets a value or an error instead of the first error failing the job. */
    public JobRequest continueOnError() {
        return new JobRequest(function, expression, params, inputs, chunkSize, "continue", retries, timeout, priority, open, maxPending);
    }

    public JobRequest withRetries(int count) {
        return new JobRequest(function, expression, params, inputs, chunkSize, onError, count, timeout, priority, open, maxPending);
    }

    /** An ISO-8601 deadline such as {@code "PT30S"}. */
    public JobRequest withTimeout(String duration) {
        return new JobRequest(function, expression, params, inputs, chunkSize, onError, retries, duration, priority, open, maxPending);
    }

    public JobRequest withPriority(int weight) {
        return new JobRequest(function, expression, params, inputs, chunkSize, onError, retries, timeout, weight, open, maxPending);
    }
}
