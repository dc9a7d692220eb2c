package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Returns its input, except that inputs listed in {@code params.on} fail: for tests and demos. With
 * {@code params.attempts = n} a listed input fails only its first n attempts on a worker and then
 * succeeds, which is how a flaky item looks to {@code retries}.
 */
public final class Fail implements JobFunction<Fail.Plan> {

    /** The per-worker state: which inputs fail, how often, and how often each has failed here so far. */
    public record Plan(Set<Object> failing, long attempts, Map<Object, Long> failures) {
    }

    @Override
    public String name() {
        return "fail";
    }

    @Override
    public String description() {
        return "Returns x, but fails with InjectedFailure for every x listed in params.on "
                + "(only its first params.attempts tries, if given); for tests and demos.";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "additionalProperties", false,
                "properties", Map.of(
                        "on", Map.of("type", "array", "maxItems", 100_000, "description", "the inputs that fail"),
                        "attempts", Map.of("type", "integer", "minimum", 1, "maximum", 1_000_000,
                                "description", "fail only this many attempts per input, then succeed (default: always fail)")));
    }

    @Override
    public Plan createState(Map<String, Object> params) {
        Set<Object> failing = new HashSet<>();
        for (Object value : (List<?>) params.getOrDefault("on", List.of())) {
            failing.add(key(value));
        }
        long attempts = ((Number) params.getOrDefault("attempts", Long.MAX_VALUE)).longValue();
        return new Plan(failing, attempts, new HashMap<>());
    }

    @Override
    public Object apply(Object input, Plan plan) {
        Object key = key(input);
        if (plan.failing().contains(key) && plan.failures().merge(key, 1L, Long::sum) <= plan.attempts()) {
            throw new ItemFailure("InjectedFailure", "input " + Inputs.describe(input) + " is listed in params.on");
        }
        return input;
    }

    /** Numbers compare by value whatever their Java type, as they do in JSON. */
    private static Object key(Object value) {
        return value instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros() : value;
    }
}
