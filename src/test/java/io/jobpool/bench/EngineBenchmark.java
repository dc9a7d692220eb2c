package io.jobpool.bench;

import io.jobpool.execution.Engine;
import io.jobpool.execution.EngineSettings;
import io.jobpool.execution.MapTask;
import io.jobpool.execution.RunOptions;
import io.jobpool.execution.ChunkSink;
import io.jobpool.execution.TaskObserver;
import io.jobpool.execution.TaskOutcome;
import io.jobpool.function.builtin.Primes;
import io.jobpool.function.builtin.Sha256;
import io.jobpool.function.builtin.Square;
import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The execution engine alone (no HTTP, no JSON, no Spring) against the in-process limit: a plain
 * parallel stream applying the same built-in function to the same inputs on the common pool.
 *
 * <p>Workloads mirror {@code bench/pool_peer.py}. Each invocation maps the whole
 * input list once ({@link Mode#SingleShotTime}); the engine is created once per trial (fork), so its
 * worker threads are warm, as in the service. Run it with {@code bash bench/jmh.sh}.
 *
 * <p>{@code registry} selects the meter registry handed to the engine: {@code simple} (a
 * {@link SimpleMeterRegistry}, the baseline setting), {@code prometheus} (what the service uses) and
 * {@code noop} (every meter denied, so the per-item timer/counters cost next to nothing): the
 * difference is the cost of per-item metric recording in {@code TaskRun.runItem}.
 *
 * <p>Not a unit test: the name does not end in Test/Tests/IT, so Surefire and Failsafe skip it.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class EngineBenchmark {

    static final int SHA_ITEMS = 2_000;
    static final int SHA_ROUNDS = 2_000;
    static final int PRIME_ITEMS = 400;
    static final int PRIME_N = 20_000;
    static final int SQUARE_ITEMS = 1_000_000;

    /** The three workloads' functions, params and inputs, built once per trial. */
    @State(Scope.Benchmark)
    public static class Inputs {
        final Sha256 sha256 = new Sha256();
        final Primes primes = new Primes();
        final Square square = new Square();
        final Map<String, Object> shaParams = Map.of("rounds", SHA_ROUNDS);
        List<String> shaInputs;
        List<Integer> primeInputs;
        List<Integer> squareInputs;

        @Setup
        public void setup() {
            shaInputs = IntStream.range(0, SHA_ITEMS).mapToObj(i -> "item-" + i).toList();
            primeInputs = IntStream.range(0, PRIME_ITEMS).mapToObj(i -> PRIME_N).toList();
            // boxed Integers, as the JSON layer hands them to the engine
            squareInputs = IntStream.range(0, SQUARE_ITEMS).boxed().toList();
        }
    }

    /** One engine per trial, sized like the service: a CPU worker per core, one I/O worker, 20 ms chunks. */
    @State(Scope.Benchmark)
    public static class EngineState {
        @Param({"simple", "prometheus", "noop"})
        public String registry;

        Engine engine;

        @Setup
        public void setup() {
            engine = newEngine(registry);
        }

        @TearDown
        public void tearDown() {
            engine.stop(Duration.ofSeconds(5));
        }
    }

    /** Same engine, SimpleMeterRegistry only: for the fixed-chunk variant, not worth three registries. */
    @State(Scope.Benchmark)
    public static class SimpleEngineState {
        Engine engine;

        @Setup
        public void setup() {
            engine = newEngine("simple");
        }

        @TearDown
        public void tearDown() {
            engine.stop(Duration.ofSeconds(5));
        }
    }

    static Engine newEngine(String registry) {
        MeterRegistry meters = switch (registry) {
            case "simple" -> new SimpleMeterRegistry();
            case "prometheus" -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            case "noop" -> {
                SimpleMeterRegistry r = new SimpleMeterRegistry();
                r.config().meterFilter(MeterFilter.deny());
                yield r;
            }
            default -> throw new IllegalArgumentException("registry: " + registry);
        };
        int cores = Runtime.getRuntime().availableProcessors();
        return new Engine(new EngineSettings(cores, 1, Duration.ofMillis(20)), meters);
    }

    // ---- engine

    @Benchmark
    public Object[] engineSha256(EngineState e, Inputs in) throws Exception {
        return runOnEngine(e.engine, in.sha256, in.shaParams, in.shaInputs, null);
    }

    @Benchmark
    public Object[] enginePrimes(EngineState e, Inputs in) throws Exception {
        return runOnEngine(e.engine, in.primes, Map.of(), in.primeInputs, null);
    }

    /** Primes with {@code chunkSize 1}, as the Python peer maps it (the engine's default is adaptive). */
    @Benchmark
    public Object[] enginePrimesChunk1(SimpleEngineState e, Inputs in) throws Exception {
        return runOnEngine(e.engine, in.primes, Map.of(), in.primeInputs, 1);
    }

    @Benchmark
    @Warmup(iterations = 10)
    @Measurement(iterations = 20)
    public Object[] engineSquare(EngineState e, Inputs in) throws Exception {
        return runOnEngine(e.engine, in.square, Map.of(), in.squareInputs, null);
    }

    // ---- in-process limit: parallel stream on the common pool

    @Benchmark
    public Object[] streamSha256(Inputs in) {
        return onParallelStream(in.sha256, in.shaParams, in.shaInputs);
    }

    @Benchmark
    public Object[] streamPrimes(Inputs in) {
        return onParallelStream(in.primes, Map.of(), in.primeInputs);
    }

    @Benchmark
    @Warmup(iterations = 10)
    @Measurement(iterations = 20)
    public Object[] streamSquare(Inputs in) {
        return onParallelStream(in.square, Map.of(), in.squareInputs);
    }

    // ---- helpers

    /** Runs one map task to completion on {@code engine}, results by index into an array. */
    static Object[] runOnEngine(Engine engine, JobFunction<?> function, Map<String, Object> params,
                                List<?> inputs, Integer chunkSize) throws Exception {
        ArrayObserver observer = new ArrayObserver(inputs.size());
        engine.start(new MapTask(function, params, inputs, RunOptions.DEFAULTS.withChunkSize(chunkSize).withPriority(1), "jmh", "bench"), observer);
        TaskOutcome outcome = observer.done.get(5, TimeUnit.MINUTES);
        if (!(outcome instanceof TaskOutcome.Completed) || observer.failed != 0) {
            throw new IllegalStateException("task ended " + outcome + ", failed items " + observer.failed);
        }
        return observer.results;
    }

    /** The same function on a parallel stream, with one state per thread (Pool's initializer). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object[] onParallelStream(JobFunction function, Map<String, Object> params, List<?> inputs) {
        ThreadLocal<Object> state = ThreadLocal.withInitial(() -> function.createState(params));
        return IntStream.range(0, inputs.size()).parallel().mapToObj(i -> {
            try {
                return function.apply(inputs.get(i), state.get());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).toArray();
    }

    /** Stores each result at its index; completes {@link #done} when the task ends. */
    static final class ArrayObserver implements TaskObserver {
        final Object[] results;
        final CompletableFuture<TaskOutcome> done = new CompletableFuture<>();
        volatile int failed;

        ArrayObserver(int size) {
            results = new Object[size];
        }

        @Override
        public void started() {
        }

        @Override
        public ChunkSink chunk(int start) {
            return new ChunkSink() {
                @Override
                public void succeeded(int index, Object value) {
                    results[index] = value;
                }

                @Override
                public void failed(int index, String type, String message) {
                }

                @Override
                public void flush() {
                }
            };
        }

        @Override
        public void progressed() {
        }

        @Override
        public void finished(TaskOutcome outcome, int completed, int failed) {
            this.failed = failed;
            done.complete(outcome);
        }
    }
}
