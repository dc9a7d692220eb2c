package io.jobpool.api;

import io.jobpool.execution.OnError;
import io.jobpool.execution.RunOptions;
import io.jobpool.job.JobSpec;
import io.jobpool.job.JobpoolException;
import tools.jackson.databind.annotation.JsonDeserialize;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** The body of {@code POST /v1/jobs} and {@code POST /v1/map}; unknown fields are refused. */
public record JobRequest(String function, String expression, Map<String, Object> params,
                         @JsonDeserialize(using = InputsDeserializer.class) List<Object> inputs, Integer chunkSize,
                         String onError, Integer retries, String timeout, Integer priority, Boolean open,
                         Integer maxPending) {

    private static final Pattern DANGLING_DECIMAL = Pattern.compile("[.,](?![0-9])");

    JobSpec toSpec() {
        return new JobSpec(function, expression, params, inputs, new RunOptions(chunkSize, parsedOnError(),
                retries == null ? 0 : retries, parsedTimeout(), priority == null ? RunOptions.DEFAULT_PRIORITY : priority,
                Boolean.TRUE.equals(open), maxPending));
    }

    private OnError parsedOnError() {
        if (onError == null) {
            return OnError.FAIL;
        }
        try {
            return OnError.valueOf(onError.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw JobpoolException.invalid("onError", "onError must be \"fail\" or \"continue\", got \"" + onError + "\"");
        }
    }

    private Duration parsedTimeout() {
        if (timeout == null) {
            return null;
        }
        if (DANGLING_DECIMAL.matcher(timeout).find()) {
            // java.time accepts "PT30.S"; ISO 8601 wants a digit after the decimal sign
            throw JobpoolException.invalid("timeout", "timeout must be an ISO-8601 duration such as \"PT30S\", got \"" + timeout + "\"");
        }
        try {
            return Duration.parse(timeout);
        } catch (DateTimeParseException e) {
            throw JobpoolException.invalid("timeout", "timeout must be an ISO-8601 duration such as \"PT30S\", got \"" + timeout + "\"");
        }
    }
}
