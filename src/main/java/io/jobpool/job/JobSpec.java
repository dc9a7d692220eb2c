package io.jobpool.job;

import io.jobpool.execution.RunOptions;

import java.util.List;
import java.util.Map;

/**
 * A map job as submitted: the function, its parameters, the inputs and how to run them. Validated on
 * construction; a bad field is an {@link Refusal#INVALID_REQUEST} naming it (the options validate themselves).
 *
 * @param function   a catalog name, or {@code null} when {@code expression} is given
 * @param expression a CEL expression over {@code x} and {@code params}, instead of a function
 * @param inputs     the items; may be omitted (empty) for an open job, whose inputs arrive later
 */
public record JobSpec(String function, String expression, Map<String, Object> params, List<?> inputs, RunOptions options) {

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
        options = options == null ? RunOptions.DEFAULTS : options;
        if (inputs == null && !options.open()) {
            throw JobpoolException.invalid("inputs", "inputs is required: a JSON array of the items to map"
                    + " (or \"open\": true to send them in batches later)");
        }
        inputs = inputs == null ? List.of() : inputs;
        params = params == null ? Map.of() : params;
    }

    public int size() {
        return inputs.size();
    }
}
