package io.jobpool.function.process;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The {@code jobpool.process.*} meters, tagged by function. */
final class ProcessMetrics {

    private final MeterRegistry registry;

    ProcessMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void aliveGauge(String function, Supplier<Number> alive) {
        Gauge.builder("jobpool.process.alive", alive).tag("function", function)
                .description("Worker processes of a process function that are running and ready").register(registry);
    }

    void started(String function) {
        Counter.builder("jobpool.process.starts").tag("function", function)
                .description("Worker processes started (spawned), ready or not").register(registry).increment();
    }

    /** The initializer ran to its end: the process said it is ready. */
    void initialized(String function, long nanos) {
        Timer.builder("jobpool.process.initializer").tag("function", function)
                .description("From a worker process's spawn to its ready line: its initializer; the count is initializers run")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Ended against the service's will; cause: crashed, start_failed, protocol_error, memory_limit. */
    void crashed(String function, String cause) {
        Counter.builder("jobpool.process.crashes").tag("function", function).tag("cause", cause)
                .description("Worker processes that ended on their own or failed, by cause").register(registry).increment();
    }

    /** Ended by the service; reason: max_items, idle, job_ended (its job was cancelled or timed out). */
    void recycled(String function, String reason) {
        Counter.builder("jobpool.process.recycles").tag("function", function).tag("reason", reason)
                .description("Worker processes the service ended to replace them, by reason").register(registry).increment();
    }
}
