package io.jobpool.function.process;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every process function of the service, with what they share: the I/O threads that read and write
 * the processes' pipes, and one timer that starts replacements, retires idle processes and checks
 * memory limits. {@link #close} at shutdown ends every process.
 */
public final class ProcessFunctions implements AutoCloseable {

    private final List<ProcessFunction> functions;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;

    public ProcessFunctions(List<ProcessFunctionSpec> specs, JsonMapper mapper, MeterRegistry registry) {
        AtomicInteger ioThreads = new AtomicInteger();
        this.io = Executors.newCachedThreadPool(runnable -> daemon(runnable, "jobpool-process-io-" + ioThreads.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "jobpool-process-timer"));
        ProcessMetrics metrics = new ProcessMetrics(registry);
        this.functions = specs.stream().map(spec -> new ProcessFunction(spec, mapper, io, timer, metrics)).toList();
        timer.scheduleWithFixedDelay(this::housekeeping, 250, 250, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    public List<ProcessFunction> all() {
        return functions;
    }

    /** Starts every function's processes in the background, as Pool does when it is made. */
    public void warmAll() {
        functions.forEach(ProcessFunction::warmAll);
    }

    private void housekeeping() {
        for (ProcessFunction function : functions) {
            try {
                function.enforceMemoryLimit();
                function.replaceStray();
                function.retireIdle();
            } catch (RuntimeException e) {
                // one failure must not end the housekeeping of every function for good
                org.slf4j.LoggerFactory.getLogger(ProcessFunctions.class)
                        .error("Process function '{}': housekeeping failed", function.name(), e);
            }
        }
    }

    /**
     * Ends every process: each is asked to exit (its standard input closed), and whatever is still
     * running when the grace is over is killed, before the I/O threads go.
     */
    @Override
    public void close() {
        functions.forEach(ProcessFunction::close);
        timer.shutdownNow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (ProcessFunction function : functions) {
            for (WorkerProcess process : List.copyOf(function.live())) {
                process.awaitExit(Math.max(0, deadline - System.nanoTime()));
            }
        }
        for (ProcessFunction function : functions) {
            function.live().forEach(WorkerProcess::killNow);
        }
        io.shutdownNow();
    }
}
