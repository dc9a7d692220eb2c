package io.jobpool.bench;

import io.jobpool.function.cel.CelExpressions;
import io.jobpool.function.cel.CelLimits;
import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One precompiled CEL expression, {@code x * x + params.k}, evaluated on one thread: the cost of an
 * item through {@link CelExpressions} (JSON to CEL, bounded evaluation, CEL to JSON, metrics).
 * Run with {@code JMH_INCLUDE=io.jobpool.bench.CelBenchmark bash bench/jmh.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CelBenchmark {

    private JobFunction<Object> function;
    private Object state;
    private long n;

    @Setup
    @SuppressWarnings("unchecked")
    public void compile() {
        function = (JobFunction<Object>) new CelExpressions(CelLimits.DEFAULTS, new SimpleMeterRegistry())
                .compile("x * x + params.k");
        state = function.createState(Map.of("k", 1));
    }

    @Benchmark
    public Object squarePlusK() throws InterruptedException {
        return function.apply((n++ & 1023), state);
    }
}
