package io.jobpool.execution;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One task while it runs: its progress counters, the claim cursor the scheduler advances, the
 * per-worker function states, and the single outcome.
 *
 * <p>Threads: workers call {@link #execute} concurrently, each with its own chunk; the scheduler
 * reads and advances the claim cursor under its own lock (the fields marked "scheduler lock");
 * {@link #cancel}, the deadline timer and shutdown may end the task from any thread. The outcome is
 * an {@link AtomicReference} set once by compare-and-set, so exactly one ending wins and is reported.
 * Per-worker states live in a {@link ConcurrentHashMap} keyed by worker thread: each entry is only
 * touched by its own worker until the task has ended and no chunk is running any more, when the
 * last one out closes them all (the {@code running} count and the outcome are both atomics, so
 * whichever of "last chunk leaves" and "outcome set" happens second sees the other and closes).
 */
public final class TaskRun {

    private static final Logger log = LoggerFactory.getLogger(TaskRun.class);

    private final MapTask task;
    private final TaskObserver observer;
    /** Where a shared task's chunks come from; {@code null} for a task of this member alone (the cursor below). */
    private final ChunkSource source;
    private final Engine engine;
    private final EngineMetrics.FunctionMeters meters;

    // scheduler lock
    private int nextUnclaimed;
    private int lastChunkSize;
    int turnsLeft;
    boolean inRing;

    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final LongAdder timedNanos = new LongAdder();
    private final LongAdder timedItems = new LongAdder();
    private final AtomicReference<TaskOutcome> outcome = new AtomicReference<>();
    private final AtomicReference<Failure> firstFailure = new AtomicReference<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean inputsClosed;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicBoolean statesClosed = new AtomicBoolean();
    private final Map<Thread, Object> states = new ConcurrentHashMap<>();
    private final Set<Worker> workers = ConcurrentHashMap.newKeySet();
    /** A shared task: how often it was told chunks may be free again, and at which count a claim last found none. */
    private final AtomicInteger wakes = new AtomicInteger();
    private volatile int drainedAt = -1;

    TaskRun(MapTask task, TaskObserver observer, ChunkSource source, Engine engine, EngineMetrics.FunctionMeters meters) {
        this.task = task;
        this.observer = observer;
        this.source = source;
        this.engine = engine;
        this.meters = meters;
        this.turnsLeft = task.options().priority();
        this.inputsClosed = !task.options().open();
    }

    public MapTask task() {
        return task;
    }

    /** What limits how many of this task's chunks run at once, shared with other tasks of it: the function; null if nothing does. */
    Object concurrencyKey() {
        return task.function() instanceof ChunkedFunction ? task.function() : null;
    }

    int maxConcurrentChunks() {
        return task.function() instanceof ChunkedFunction whole ? whole.maxConcurrentChunks() : Integer.MAX_VALUE;
    }

    /** Inputs so far: the total for a closed task, a lower bound for an open one. */
    public int total() {
        return task.size();
    }

    /**
     * Tells the engine that an open task has more inputs; call after they were appended to the inputs
     * list. The task goes back into the scheduler's ring if it had run out of work (for a shared task,
     * even if its last claim found none: the new inputs may be claimed).
     */
    public void inputsAdded() {
        wakes.incrementAndGet();
        engine.inputsAdded(this);
    }

    /** No more inputs will come: the task completes once every input so far is done. */
    public void closeInputs() {
        inputsClosed = true;
        if (done.get() == task.size() && firstFailure.get() == null) {
            finish(new TaskOutcome.Completed());
        }
    }

    /** Ends an open task that was left without input for too long. */
    public boolean expire() {
        return finish(new TaskOutcome.TimedOut(true));
    }

    /** Items finished so far, with a value or an error. */
    public int completed() {
        return done.get();
    }

    /** Items finished with an error so far. */
    public int failed() {
        return failed.get();
    }

    public boolean isFinished() {
        return outcome.get() != null;
    }

    /** Ends the task as cancelled: no new chunk starts, running items are interrupted. False if it had ended. */
    public boolean cancel() {
        return finish(new TaskOutcome.Cancelled());
    }

    // ---- scheduler side (under the scheduler lock)

    /** Items left to claim; for a shared task an estimate (other members claim too), 0 once a claim found none. */
    int unclaimed() {
        if (source != null) {
            return drainedAt == wakes.get() ? 0 : Math.max(0, task.size() - done.get());
        }
        return task.size() - nextUnclaimed;
    }

    /** The shortest a chunk of this task should take: longer than the engine's target for a shared task. */
    long minChunkNanos() {
        return source == null ? 0 : source.minChunkNanos();
    }

    int lastChunkSize() {
        return lastChunkSize;
    }

    long timedNanos() {
        return timedNanos.sum();
    }

    long timedItems() {
        return timedItems.sum();
    }

    Chunk claim(int size) {
        if (source != null) {
            // only the size is meant: the range comes with the lease, claimed by the worker (see execute)
            lastChunkSize = size;
            return new Chunk(this, 0, size);
        }
        int start = nextUnclaimed;
        int end = (int) Math.min(task.size(), (long) start + size);
        nextUnclaimed = end;
        lastChunkSize = end - start;
        return new Chunk(this, start, end);
    }

    // ---- worker side

    /** Runs one chunk on the calling worker thread. */
    void execute(Chunk chunk, Worker worker) {
        running.incrementAndGet();
        workers.add(worker);
        try {
            if (isFinished()) {
                return;
            }
            if (source == null) {
                run(chunk, observer.chunk(chunk.start()));
            } else {
                runLeased(chunk.size());
            }
        } finally {
            workers.remove(worker);
            if (running.decrementAndGet() == 0 && isFinished()) {
                closeStates();
            }
        }
    }

    private void run(Chunk chunk, ChunkSink sink) {
        if (started.compareAndSet(false, true)) {
            observer.started();
        }
        if (task.function() instanceof ChunkedFunction whole) {
            new WholeChunk(this, chunk, sink).run(whole);
            return;
        }
        Object state = stateOfThisWorker();
        if (state == StateFailure.INSTANCE) {
            return;
        }
        runItems(chunk, state, sink);
    }

    /**
     * Claims a chunk of a shared task, runs it and commits it. A claim that finds nothing takes the task
     * out of the scheduler until {@link #claimable} says otherwise; a wake that comes while the claim is
     * on its way is not lost, since only a claim that started after the last wake counts.
     */
    private void runLeased(int size) {
        int wakesSeen = wakes.get();
        ChunkSource.Claim claim = source.claim(size);
        if (claim == null) {
            drainedAt = wakesSeen;
            return;
        }
        run(new Chunk(this, claim.start(), claim.end()), new ClaimSink(claim));
        if (!isFinished()) {
            claim.commit();
        }
    }

    /** A claimed chunk's sink, which knows its claim: a failed item with fail-fast commits what the chunk has. */
    private static final class ClaimSink implements ChunkSink {

        private final ChunkSource.Claim claim;
        private final ChunkSink sink;

        ClaimSink(ChunkSource.Claim claim) {
            this.claim = claim;
            this.sink = claim.sink();
        }

        @Override
        public void succeeded(int index, Object value) {
            sink.succeeded(index, value);
        }

        @Override
        public void failed(int index, String type, String message) {
            sink.failed(index, type, message);
        }

        @Override
        public void flush() {
            sink.flush();
        }
    }

    /** How long a worker may hold item counts before publishing them: progress stays live, atomics stay cold. */
    static final long PUBLISH_NANOS = 5_000_000;

    private void runItems(Chunk chunk, Object state, ChunkSink sink) {
        long chunkStart = System.nanoTime();
        long lastPublish = chunkStart;
        int succeeded = 0;
        int failures = 0;
        int processed = 0;
        for (int index = chunk.start(); index < chunk.end() && !isFinished(); index++) {
            Failure failure = runItem(index, state, sink);
            if (failure == STOPPED) {
                break;
            }
            processed++;
            if (failure == null) {
                succeeded++;
            } else {
                failures++;
                if (task.options().failFast()) {
                    failFast(failure, sink, succeeded, failures);
                    return;
                }
            }
            long now = System.nanoTime();
            if (now - lastPublish > PUBLISH_NANOS) {
                sink.flush();
                publish(succeeded, failures);
                succeeded = 0;
                failures = 0;
                lastPublish = now;
            }
        }
        long chunkNanos = System.nanoTime() - chunkStart;
        recordTiming(processed, chunkNanos);
        if (processed > 0) {
            // one sample per chunk, the chunk's mean: per-item recording would cost more than a fast item
            meters.itemDuration().record(chunkNanos / processed, TimeUnit.NANOSECONDS);
        }
        sink.flush();
        publish(succeeded, failures);
    }

    void recordTiming(long items, long nanos) {
        timedNanos.add(nanos);
        timedItems.add(items);
    }

    /** Why an item has no value. */
    record Failure(int index, String type, String message) {
    }

    /** The item was not finished because the task ended meanwhile. */
    private static final Failure STOPPED = new Failure(-1, "Stopped", "the task ended");

    /** Runs one item with its retries: {@code null} if it succeeded, else why not. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Failure runItem(int index, Object state, ChunkSink sink) {
        JobFunction function = task.function();
        Object input = task.inputs().get(index);
        for (int attempt = 0; ; attempt++) {
            String type;
            String message;
            try {
                checkArity(input);
                Object value = function.apply(input, state);
                sink.succeeded(index, value);
                return null;
            } catch (InterruptedException e) {
                if (isFinished()) {
                    return STOPPED;
                }
                type = "Interrupted";
                message = "the function was interrupted";
            } catch (ItemFailure e) {
                type = e.type();
                // an error always has a message (as below): the result store and the API count on it
                message = String.valueOf(e.getMessage());
            } catch (RuntimeException | StackOverflowError e) {
                type = e.getClass().getSimpleName();
                message = String.valueOf(e.getMessage());
            }
            if (isFinished()) {
                return STOPPED;
            }
            if (attempt < task.options().retries()) {
                meters.retried().increment();
                continue;
            }
            sink.failed(index, type, message);
            return new Failure(index, type, message);
        }
    }

    private void checkArity(Object input) {
        int arity = task.function().arity();
        if (arity > 1 && !(input instanceof List<?> args && args.size() == arity)) {
            throw ItemFailure.invalidInput(task.function().name() + " takes " + arity
                    + " arguments per item: each input must be an array of " + arity + " values");
        }
    }

    EngineMetrics.FunctionMeters meters() {
        return meters;
    }

    /**
     * Ends the task on a failed item (onError fail) once the chunk's outcomes so far are visible and
     * counted. The failure is recorded before its count is published, so the last publisher sees it.
     */
    void failFast(Failure failure, ChunkSink sink, int succeeded, int failures) {
        firstFailure.compareAndSet(null, failure);
        sink.flush();
        publish(succeeded, failures);
        if (sink instanceof ClaimSink leased && !isFinished()) {
            // a shared task: the chunk's outcomes so far, the failed item's included, reach every member
            // before the task ends, as a single node shows them
            leased.claim.commit();
        }
        finish(failedOutcome());
    }

    /**
     * A worker's item counts: this member's metrics, and for a task of its own, the task's counts (the
     * worker that completes the last item ends the task). A shared task is counted by its source instead.
     */
    void publish(int succeeded, int failures) {
        int count = succeeded + failures;
        if (count == 0) {
            return;
        }
        meters.succeeded().increment(succeeded);
        meters.failed().increment(failures);
        engine.itemsFinished(count);
        if (source == null) {
            counted(succeeded, failures);
        }
    }

    /**
     * Adds finished items to the task's counts; the call that completes the last item ends the task.
     * For a shared task, its source calls this for each committed chunk, this member's or another's.
     */
    public void counted(int succeeded, int failures) {
        int count = succeeded + failures;
        failed.addAndGet(failures);
        int completed = done.addAndGet(count);
        observer.progressed();
        if (completed == task.size() && inputsClosed) {
            // a fail-fast failure is recorded before its count is published, so the last publisher sees it
            finish(firstFailure.get() != null ? failedOutcome() : new TaskOutcome.Completed());
        }
    }

    private TaskOutcome failedOutcome() {
        Failure failure = firstFailure.get();
        return new TaskOutcome.ItemFailed(failure.index(), failure.type(), failure.message());
    }

    /**
     * Marker for a state whose creation failed: the whole task has ended as
     * {@code ItemFailed(-1, "StateCreationFailed")}, even with onError continue.
     */
    private enum StateFailure { INSTANCE }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object stateOfThisWorker() {
        Thread self = Thread.currentThread();
        Object state = states.get(self);
        if (state != null) {
            return state == NullState.INSTANCE ? null : state;
        }
        try {
            state = ((JobFunction) task.function()).createState(task.params());
        } catch (RuntimeException e) {
            log.warn("Job {}: creating the state of function {} failed", task.label(), task.function().name(), e);
            finish(new TaskOutcome.ItemFailed(-1, "StateCreationFailed",
                    "the function's per-worker set-up failed: " + e.getMessage()));
            return StateFailure.INSTANCE;
        }
        meters.statesCreated().increment();
        states.put(self, state == null ? NullState.INSTANCE : state);
        return state;
    }

    /** Stands in for a {@code null} state in the map, which does not take null values. */
    private enum NullState { INSTANCE }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void closeStates() {
        if (!statesClosed.compareAndSet(false, true)) {
            return;
        }
        JobFunction function = task.function();
        for (Object state : states.values()) {
            try {
                function.close(state == NullState.INSTANCE ? null : state);
                meters.statesClosed().increment();
            } catch (RuntimeException e) {
                log.warn("Job {}: closing a state of function {} failed", task.label(), function.name(), e);
            }
        }
        states.clear();
    }

    // ---- ending

    /**
     * A shared task's chunks may be free to claim again (a lost member's were released): it goes back
     * into the scheduler if a claim had found none.
     */
    public void claimable() {
        inputsAdded();
    }

    /** Chunks of this task running on this member now. */
    public int runningChunks() {
        return running.get();
    }

    /**
     * Ends the task with {@code ending} unless it has ended already; true if this call ended it. Besides
     * the engine's own endings, a shared task ends this way as another member decided (a failed item,
     * a cancel there).
     */
    public boolean finish(TaskOutcome ending) {
        if (!outcome.compareAndSet(null, ending)) {
            return false;
        }
        engine.ended(this);
        if (!(ending instanceof TaskOutcome.Completed)) {
            for (Worker worker : workers) {
                worker.interruptIfRunning(this);
            }
        }
        observer.finished(ending, done.get(), failed.get());
        if (running.get() == 0) {
            closeStates();
        }
        return true;
    }

    void begin() {
        if (task.size() == 0 && inputsClosed) {
            finish(new TaskOutcome.Completed());
        }
    }
}
