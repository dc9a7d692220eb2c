package io.jobpool.execution;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.spi.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs map tasks: a CPU pool sized to the cores, an I/O pool for functions that mostly wait, each fed
 * by its own {@link FairScheduler}, and one timer thread for deadlines and the throughput sample.
 *
 * <p>Any thread may start, query and cancel tasks. {@link #stop} ends everything still running as
 * {@link TaskOutcome.Stopped} and closes the pools; it is the last call.
 */
public final class Engine {

    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final WorkerPool cpu;
    private final WorkerPool io;
    private final EngineMetrics metrics;
    private final ScheduledExecutorService timer;
    private final Set<TaskRun> active = ConcurrentHashMap.newKeySet();
    /** Chunked functions whose capacity changes wake their pool's scheduler (registered once each). */
    private final Set<ChunkedFunction> wakesScheduler = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<TaskRun, ScheduledFuture<?>> deadlines = new ConcurrentHashMap<>();
    private final LongAdder finishedItems = new LongAdder();
    private final Object idle = new Object();
    private volatile double itemsPerSecond;
    private long lastSampleItems;
    private long lastSampleNanos = System.nanoTime();

    public Engine(EngineSettings settings, MeterRegistry registry) {
        ChunkSizer sizer = new AdaptiveChunkSizer(settings.chunkTargetDuration().toNanos());
        this.cpu = new WorkerPool("cpu", settings.workers(), sizer);
        this.io = new WorkerPool("io", settings.ioWorkers(), sizer);
        this.metrics = new EngineMetrics(registry, this);
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jobpool-timer");
            thread.setDaemon(true);
            return thread;
        });
        cpu.start();
        io.start();
        timer.scheduleAtFixedRate(this::sampleThroughput, 1, 1, TimeUnit.SECONDS);
    }

    /** Starts {@code task}; results and the ending go to {@code observer}. */
    public TaskRun start(MapTask task, TaskObserver observer) {
        return start(task, observer, null);
    }

    /**
     * Starts {@code task} with its chunks claimed from {@code source} (a task shared with other members),
     * or from its own cursor if that is {@code null}.
     */
    public TaskRun start(MapTask task, TaskObserver observer, ChunkSource source) {
        TaskRun run = new TaskRun(task, observer, source, this, metrics.of(task.function().name()));
        active.add(run);
        if (task.options().timeout() != null) {
            deadlines.put(run, timer.schedule(() -> run.finish(new TaskOutcome.TimedOut(false)),
                    task.options().timeout().toNanos(), TimeUnit.NANOSECONDS));
        }
        FairScheduler scheduler = poolFor(task).scheduler();
        if (task.function() instanceof ChunkedFunction whole && wakesScheduler.add(whole)) {
            whole.onMoreCapacity(scheduler::wake);
        }
        scheduler.add(run);
        run.begin();
        return run;
    }

    private WorkerPool poolFor(MapTask task) {
        return task.function().kind() == Kind.IO ? io : cpu;
    }

    void inputsAdded(TaskRun run) {
        if (!run.isFinished()) {
            poolFor(run.task()).scheduler().add(run);
        }
    }

    /** Called once by a run when it ends, from the thread that ended it. */
    void ended(TaskRun run) {
        active.remove(run);
        poolFor(run.task()).scheduler().remove(run);
        ScheduledFuture<?> deadline = deadlines.remove(run);
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (active.isEmpty()) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    void itemsFinished(int count) {
        finishedItems.add(count);
    }

    private void sampleThroughput() {
        long now = System.nanoTime();
        long items = finishedItems.sum();
        double seconds = (now - lastSampleNanos) / 1e9;
        double rate = (items - lastSampleItems) / seconds;
        // smooth over a few seconds so one idle second does not hide the load
        itemsPerSecond = itemsPerSecond == 0 ? rate : 0.5 * itemsPerSecond + 0.5 * rate;
        lastSampleItems = items;
        lastSampleNanos = now;
    }

    public int workers() {
        return cpu.size();
    }

    public int ioWorkers() {
        return io.size();
    }

    public int busy() {
        return cpu.busy();
    }

    public int ioBusy() {
        return io.busy();
    }

    public int activeTasks() {
        return active.size();
    }

    /** Items of active tasks that are not finished yet. */
    public long queuedItems() {
        long queued = 0;
        for (TaskRun run : active) {
            queued += run.total() - run.completed();
        }
        return queued;
    }

    /** Items finished per second over the last few seconds, across all tasks. */
    public double itemsPerSecond() {
        return itemsPerSecond;
    }

    /** Waits up to {@code grace} for active tasks to end, then stops the rest and the pools. */
    public void stop(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            synchronized (idle) {
                long left;
                while (!active.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                }
            }
            if (!active.isEmpty()) {
                log.info("Stopping {} job(s) still running after the {} grace period", active.size(), grace);
            }
            for (TaskRun run : active) {
                run.finish(new TaskOutcome.Stopped());
            }
            cpu.stop(5_000);
            io.stop(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.shutdownNow();
        }
    }
}
