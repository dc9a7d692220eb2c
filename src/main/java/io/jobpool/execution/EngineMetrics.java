package io.jobpool.execution;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's meters in one place: worker gauges (CPU and I/O pools, total and busy), queue depth,
 * and per-function item counters, item durations and per-worker state lifecycle. Function meters are created once per function and
 * cached, so the hot path only increments.
 */
final class EngineMetrics {

    /** The meters of one function, looked up once per task. */
    record FunctionMeters(Counter succeeded, Counter failed, Counter retried, Timer itemDuration,
                          Counter statesCreated, Counter statesClosed) {
    }

    /**
     * Bucket bounds of {@code jobpool.item.duration}, 1-2.5-5 per decade from 10 µs (a {@code square}) to
     * 60 s (a slow I/O call): fine enough that {@code histogram_quantile} interpolates within a factor of
     * about two, and 21 series per function (with {@code +Inf}) keep the histogram cheap.
     */
    static final Duration[] ITEM_DURATION_BUCKETS = {
            Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000),
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Map<String, FunctionMeters> byFunction = new ConcurrentHashMap<>();

    EngineMetrics(MeterRegistry registry, Engine engine) {
        this.registry = registry;
        // the total carries the same pool tag as the busy count, so a dashboard divides like by like
        Gauge.builder("jobpool.workers", engine, Engine::workers).tag("pool", "cpu")
                .description("Worker threads").register(registry);
        Gauge.builder("jobpool.workers", engine, Engine::ioWorkers).tag("pool", "io")
                .description("Worker threads").register(registry);
        Gauge.builder("jobpool.workers.busy", engine, Engine::busy).tag("pool", "cpu")
                .description("Workers running a chunk").register(registry);
        Gauge.builder("jobpool.workers.busy", engine, Engine::ioBusy).tag("pool", "io")
                .description("Workers running a chunk").register(registry);
        Gauge.builder("jobpool.queue.items", engine, Engine::queuedItems)
                .description("Items accepted and not yet finished").register(registry);
        Gauge.builder("jobpool.tasks.active", engine, Engine::activeTasks)
                .description("Jobs queued or running").register(registry);
    }

    FunctionMeters of(String function) {
        return byFunction.computeIfAbsent(function, name -> new FunctionMeters(
                items(name, "succeeded"), items(name, "failed"),
                Counter.builder("jobpool.items.retried").tag("function", name)
                        .description("Item attempts that failed and were retried").register(registry),
                Timer.builder("jobpool.item.duration").tag("function", name)
                        .description("Time to compute one item: the mean of each chunk, one sample per chunk")
                        .serviceLevelObjectives(ITEM_DURATION_BUCKETS)
                        .register(registry),
                // not "...created": Prometheus drops a _created suffix (an OpenMetrics reserved name)
                Counter.builder("jobpool.function.states.initialized").tag("function", name)
                        .description("Per-worker function states created (Pool initializer calls)").register(registry),
                Counter.builder("jobpool.function.states.closed").tag("function", name)
                        .description("Per-worker function states closed").register(registry)));
    }

    private Counter items(String function, String outcome) {
        return Counter.builder("jobpool.items.processed").tag("function", function).tag("outcome", outcome)
                .description("Items finished, by outcome").register(registry);
    }
}
