package io.jobpool.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobpool.function.process.ProcessFunction;
import io.jobpool.function.spi.JobFunction;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One catalog entry of {@code GET /v1/functions}. A process function has the kind {@code process}
 * and says in {@code process} which pool runs it and how its worker processes are.
 */
public record FunctionBody(String name, String description, String kind, int arity, Map<String, Object> paramsSchema,
                           @JsonInclude(JsonInclude.Include.NON_NULL) Process process) {

    /** The whole catalog. */
    public record Catalog(List<FunctionBody> functions) {
    }

    /** A process function's processes; {@code error} says why they cannot start while {@code status} is failing. */
    public record Process(String pool, int processes, int alive, String status,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
    }

    static FunctionBody of(JobFunction<?> function) {
        String kind = function.kind().name().toLowerCase(Locale.ROOT);
        if (function instanceof ProcessFunction processes) {
            ProcessFunction.Health health = processes.health();
            return new FunctionBody(function.name(), function.description(), "process", function.arity(),
                    function.paramsSchema(), new Process(kind, health.processes(), health.alive(),
                    health.failing() ? "failing" : "up", health.detail()));
        }
        return new FunctionBody(function.name(), function.description(), kind, function.arity(), function.paramsSchema(), null);
    }
}
