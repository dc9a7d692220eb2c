package io.jobpool.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;

/**
 * CPU time of the whole benchmark JVM per operation ({@code -prof io.jobpool.bench.CpuTimeProfiler}),
 * as secondary metric {@code process.cpu} in ms/op.
 *
 * <p>On a machine shared with other work the wall time of an operation depends on how much of the
 * cores the others leave us; the CPU time our process burns for it hardly does. It misses what wall
 * time sees (idle workers waiting for the last chunk, wake-up latency), so it complements the
 * primary score rather than replacing it. It includes JIT compiler and GC threads.
 */
public class CpuTimeProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long startNanos;

    @Override
    public String getDescription() {
        return "process CPU time per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startNanos = os.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long cpuNanos = os.getProcessCpuTime() - startNanos;
        long ops = Math.max(1, result.getMetadata() != null ? result.getMetadata().getMeasuredOps()
                : iterationParams.getBatchSize());
        return List.of(new ScalarResult("process.cpu", cpuNanos / 1e6 / ops, "ms/op", AggregationPolicy.AVG));
    }
}
