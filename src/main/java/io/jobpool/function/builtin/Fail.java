package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Returns its input, except that inputs listed in {@code params.on} fail: for tests and demos. */
public final class Fail implements JobFunction<Set<Object>> {

    @Override
    public String name() {
        return "fail";
    }

    @Override
    public String description() {
        return "Returns x, but fails with InjectedFailure for every x listed in params.on (for tests and demos).";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "additionalProperties", false,
                "properties", Map.of("on", Map.of("type", "array", "maxItems", 100_000,
                        "description", "the inputs that fail")));
    }

    @Override
    public Set<Object> createState(Map<String, Object> params) {
        Set<Object> failing = new HashSet<>();
        for (Object value : (List<?>) params.getOrDefault("on", List.of())) {
            failing.add(key(value));
        }
        return failing;
    }

    @Override
    public Object apply(Object input, Set<Object> failing) {
        if (failing.contains(key(input))) {
            throw new ItemFailure("InjectedFailure", "input " + Inputs.describe(input) + " is listed in params.on");
        }
        return input;
    }

    /** Numbers compare by value whatever their Java type, as they do in JSON. */
    private static Object key(Object value) {
        return value instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros() : value;
    }
}
