package io.jobpool.function.cel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The CEL meters: {@code jobpool.cel.evaluations} by {@code outcome} ({@code success},
 * {@code failure}) and {@code jobpool.cel.failures} by {@code kind} ({@code compile},
 * {@code cost-limit}, {@code runtime}). Counters are registered once and are safe from any thread.
 */
final class CelMetrics {

    private final Counter successes;
    private final Counter failures;
    private final Counter compileFailures;
    private final Counter costLimitFailures;
    private final Counter runtimeFailures;

    CelMetrics(MeterRegistry registry) {
        successes = evaluations(registry, "success");
        failures = evaluations(registry, "failure");
        compileFailures = failures(registry, "compile");
        costLimitFailures = failures(registry, "cost-limit");
        runtimeFailures = failures(registry, "runtime");
    }

    void evaluated() {
        successes.increment();
    }

    void compileFailed() {
        compileFailures.increment();
    }

    void costLimitExceeded() {
        failures.increment();
        costLimitFailures.increment();
    }

    void evaluationFailed() {
        failures.increment();
        runtimeFailures.increment();
    }

    private static Counter evaluations(MeterRegistry registry, String outcome) {
        return Counter.builder("jobpool.cel.evaluations").description("CEL evaluations of job items")
                .tag("outcome", outcome).register(registry);
    }

    private static Counter failures(MeterRegistry registry, String kind) {
        return Counter.builder("jobpool.cel.failures").description("CEL expressions that failed to compile or evaluate")
                .tag("kind", kind).register(registry);
    }
}
