package io.jobpool.api;

import io.jobpool.function.spi.JobFunction;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One catalog entry of {@code GET /v1/functions}. */
public record FunctionBody(String name, String description, String kind, int arity, Map<String, Object> paramsSchema) {

    /** The whole catalog. */
    public record Catalog(List<FunctionBody> functions) {
    }

    static FunctionBody of(JobFunction<?> function) {
        return new FunctionBody(function.name(), function.description(), function.kind().name().toLowerCase(Locale.ROOT),
                function.arity(), function.paramsSchema());
    }
}
