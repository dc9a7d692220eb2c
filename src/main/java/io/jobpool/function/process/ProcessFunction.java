package io.jobpool.function.process;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.spi.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An operator's function that runs in warm worker processes, as {@code multiprocessing.Pool} runs
 * {@code f}: each of its {@code processes} slots holds at most one process, started on demand (and
 * once at start-up), which runs its initializer once and then serves chunk after chunk, job after job.
 *
 * <p>A chunk takes a free slot (waiting for one if all are busy), starts the slot's process if it has
 * none, sends the chunk and relays the answers. A process that ends under a chunk (crash, protocol
 * error, memory limit) answers its remaining items with why, and the slot is started again in the
 * background, later each time it fails in a row (a crash loop does not burn the CPU). A start that
 * fails answers the chunk's items with {@code WorkerStartFailed}; while its back-off lasts, chunks get
 * that answer at once. An interrupted chunk (cancel, deadline, stop) kills the process.
 *
 * <p>Threads: a slot belongs to whoever took it from {@code free} (a worker thread running a chunk,
 * or the I/O executor warming or retiring it) until it is put back, so its fields need no lock of their
 * own; the queue's hand-over makes them visible to the next holder.
 */
public final class ProcessFunction implements ChunkedFunction {

    private static final Logger log = LoggerFactory.getLogger(ProcessFunction.class);
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final Duration RETIRE_GRACE = Duration.ofSeconds(2);
    /** A worker thread waits this long at most for a crashed slot's back-off; beyond it the chunk fails at once. */
    private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** No process can serve the chunk now: its items get {@code type} and the message. */
    private static final class Unavailable extends Exception {
        final String type;

        Unavailable(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    /** One place for a process; its index is the {@code {slot}} of the environment. */
    private static final class Slot {
        final int index;
        volatile WorkerProcess process;
        int failuresInARow;
        long notBeforeNanos;
        /** Why the last start failed; null once one succeeds. Read by health checks from any thread. */
        volatile String startFailure;
        /** Why the last process ended under a chunk; null once one serves a chunk to its end. */
        String lastCrash;
        /** A background start of this slot is scheduled. */
        final java.util.concurrent.atomic.AtomicBoolean warmPending = new java.util.concurrent.atomic.AtomicBoolean();

        Slot(int index) {
            this.index = index;
        }
    }

    /** What {@code GET /v1/functions} and the health contributor say about it. */
    public record Health(boolean failing, int processes, int alive, String detail) {
    }

    private final ProcessFunctionSpec spec;
    private final JsonMapper mapper;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final ProcessMetrics metrics;
    private final List<Slot> slots = new ArrayList<>();
    private final LinkedBlockingQueue<Slot> free = new LinkedBlockingQueue<>();
    /** Every process of this function that has not exited yet, starting, ready, busy or given up: what close() ends. */
    private final java.util.Set<WorkerProcess> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger heldInBackground = new java.util.concurrent.atomic.AtomicInteger();
    private final List<Runnable> capacityListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    ProcessFunction(ProcessFunctionSpec spec, JsonMapper mapper, ExecutorService io, ScheduledExecutorService timer,
                    ProcessMetrics metrics) {
        this.spec = spec;
        this.mapper = mapper;
        this.io = io;
        this.timer = timer;
        this.metrics = metrics;
        for (int i = 0; i < spec.processes(); i++) {
            Slot slot = new Slot(i);
            slots.add(slot);
            free.add(slot);
        }
        metrics.aliveGauge(spec.name(), this::alive);
    }

    public ProcessFunctionSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String description() {
        return spec.description();
    }

    @Override
    public Kind kind() {
        return spec.kind();
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return spec.paramsSchema();
    }

    /** Its slots less those held in the background (a start, an end): a chunk is not handed out to wait for one. */
    @Override
    public int maxConcurrentChunks() {
        return Math.max(0, spec.processes() - heldInBackground.get());
    }

    @Override
    public void onMoreCapacity(Runnable listener) {
        capacityListeners.add(listener);
    }

    /** Takes a free slot for background work (start, end), or false if none is free. */
    private boolean holdInBackground(Slot slot) {
        if (!free.remove(slot)) {
            return false;
        }
        heldInBackground.incrementAndGet();
        return true;
    }

    private void releaseFromBackground(Slot slot) {
        free.add(slot);
        heldInBackground.decrementAndGet();
        capacityListeners.forEach(Runnable::run);
    }

    /** Slots whose process is ready and has not exited. */
    private int alive() {
        int alive = 0;
        for (Slot slot : slots) {
            WorkerProcess process = slot.process;
            if (process != null && process.isAlive()) {
                alive++;
            }
        }
        return alive;
    }

    public Health health() {
        int alive = alive();
        String failure = slots.stream().map(slot -> slot.startFailure).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        return new Health(failure != null, spec.processes(), alive, failure);
    }

    @Override
    public void applyChunk(List<?> inputs, Map<String, Object> params, Answers answers) throws InterruptedException {
        Slot slot = free.take();
        try {
            WorkerProcess process;
            try {
                process = ready(slot);
            } catch (Unavailable e) {
                for (int i = 0; i < inputs.size(); i++) {
                    answers.error(e.type, e.getMessage());
                }
                return;
            }
            WorkerProcess.Ending ending;
            try {
                ending = process.serve(inputs, params, answers);
            } catch (InterruptedException e) {
                process.kill();
                ended(slot, "job_ended");
                throw e;
            }
            if (ending != null) {
                crashed(slot, ending);
            } else {
                slot.failuresInARow = 0;
                slot.lastCrash = null;
                if (spec.maxItemsPerProcess() > 0 && process.itemsServed() >= spec.maxItemsPerProcess()) {
                    process.retire(RETIRE_GRACE);
                    ended(slot, "max_items");
                }
            }
        } finally {
            free.add(slot);
            if (slot.process == null) {
                // a fresh process takes the place of the one that ended, once the slot's back-off allows
                warmSoon(slot);
            }
        }
    }

    /**
     * The slot's process, started now if it has none. While the slot backs off after failures, a
     * failed start fails the chunk at once, and so does a crash loop whose next start is more than a
     * second away: worker threads do not sleep through a back-off while other work waits.
     */
    private WorkerProcess ready(Slot slot) throws Unavailable, InterruptedException {
        if (slot.process != null && slot.process.isAlive()) {
            String stray = slot.process.strayOutput();
            if (stray == null) {
                return slot.process;
            }
            // it wrote while nobody asked (after its last chunk): it cannot be trusted with the next one
            misbehaved(slot, stray);
        }
        if (slot.process != null) {
            // it ended between chunks (killed from outside, say): counted as a crash
            metrics.crashed(spec.name(), "crashed");
            slot.process.kill();
            ended(slot, null);
        }
        long wait = slot.notBeforeNanos - System.nanoTime();
        if (wait > 0) {
            String next = "\n(the next start is tried in " + TimeUnit.NANOSECONDS.toMillis(wait) + " ms)";
            if (slot.startFailure != null) {
                throw new Unavailable("WorkerStartFailed", slot.startFailure + next);
            }
            if (wait > MAX_WAIT_NANOS && slot.lastCrash != null) {
                throw new Unavailable("WorkerCrashed", "the worker processes of '" + spec.name() + "' keep crashing ("
                        + slot.failuresInARow + " in a row); the last: " + slot.lastCrash + next);
            }
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        if (closed) {
            throw new Unavailable("WorkerStartFailed", "the service is stopping");
        }
        metrics.started(spec.name());
        long started = System.nanoTime();
        try {
            slot.process = WorkerProcess.start(spec, slot.index, mapper, io, live);
        } catch (WorkerProcess.StartFailed | RuntimeException e) {
            if (e instanceof RuntimeException) {
                log.error("Process function '{}': starting a process failed unexpectedly", spec.name(), e);
            }
            String why = "the worker process of '" + spec.name() + "' (slot " + slot.index + ") did not start: " + e.getMessage();
            log.warn("{}", why);
            slot.startFailure = why;
            backOff(slot);
            metrics.crashed(spec.name(), "start_failed");
            throw new Unavailable("WorkerStartFailed", why);
        }
        if (closed) {
            // the service began to stop while the initializer ran
            slot.process.kill();
            ended(slot, null);
            throw new Unavailable("WorkerStartFailed", "the service is stopping");
        }
        metrics.initialized(spec.name(), System.nanoTime() - started);
        slot.startFailure = null;
        log.info("Process function '{}': process {} ready in slot {} after {} ms", spec.name(), slot.process.pid(),
                slot.index, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return slot.process;
    }

    private void crashed(Slot slot, WorkerProcess.Ending ending) {
        slot.lastCrash = ending.message();
        log.warn("Process function '{}': {}", spec.name(), ending.message());
        metrics.crashed(spec.name(), switch (ending.type()) {
            case "ProtocolError" -> "protocol_error";
            case "MemoryLimitExceeded" -> "memory_limit";
            default -> "crashed";
        });
        slot.process.kill(); // it may have closed its output and still run: it must not outlive its slot
        ended(slot, null);
        backOff(slot);
    }

    /** Ends a process that wrote, or closed its output, between chunks; its replacement backs off as after a crash. */
    private void misbehaved(Slot slot, String what) {
        String why = "the worker process " + slot.process.pid() + " " + what;
        log.warn("Process function '{}': {}; it was ended", spec.name(), why);
        metrics.crashed(spec.name(), what.startsWith("closed") ? "crashed" : "protocol_error");
        slot.lastCrash = why;
        slot.process.kill();
        ended(slot, null);
        backOff(slot);
    }

    private void backOff(Slot slot) {
        slot.failuresInARow++;
        long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(20, slot.failuresInARow - 1));
        slot.notBeforeNanos = System.nanoTime() + backoff;
    }

    private void ended(Slot slot, String recycleReason) {
        if (slot.process != null) {
            slot.process.giveUp();
        }
        slot.process = null;
        if (recycleReason != null) {
            metrics.recycled(spec.name(), recycleReason);
        }
    }

    /**
     * Starts the slot's process in the background once its back-off allows, if the slot is free then
     * and still has none; at most one such start is pending per slot. A start that fails is tried again
     * after the next back-off, so a function that cannot start keeps trying, at most every 30 s.
     */
    void warmSoon(Slot slot) {
        if (closed || !slot.warmPending.compareAndSet(false, true)) {
            return;
        }
        long delay = Math.max(0, slot.notBeforeNanos - System.nanoTime());
        timer.schedule(() -> io.execute(() -> warm(slot)), delay, TimeUnit.NANOSECONDS);
    }

    private void warm(Slot slot) {
        slot.warmPending.set(false);
        if (closed || !holdInBackground(slot)) {
            // taken: whoever holds it starts a process if it needs one
            return;
        }
        try {
            if (slot.process == null || !slot.process.isAlive()) {
                ready(slot);
            }
        } catch (Unavailable e) {
            // the back-off is recorded; the finally below schedules the next try
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            releaseFromBackground(slot);
            if (slot.process == null) {
                warmSoon(slot);
            }
        }
    }

    /** Starts every slot's process in the background: Pool starts its processes when it is made. */
    void warmAll() {
        for (Slot slot : slots) {
            warmSoon(slot);
        }
    }

    /** Ends processes that served no chunk for the idle timeout; called now and then by the owner. */
    void retireIdle() {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            WorkerProcess process = slot.process;
            if (process != null && now - process.idleSinceNanos() > spec.idleTimeout().toNanos() && holdInBackground(slot)) {
                try {
                    if (slot.process != null && now - slot.process.idleSinceNanos() > spec.idleTimeout().toNanos()) {
                        slot.process.retire(RETIRE_GRACE);
                        ended(slot, "idle");
                    }
                } finally {
                    releaseFromBackground(slot);
                }
            }
        }
    }

    /**
     * Replaces idle processes that wrote while no chunk was asked for, or ended: found here they are
     * replaced before a chunk comes for them. Called now and then by the owner.
     */
    void replaceStray() {
        for (Slot slot : slots) {
            WorkerProcess process = slot.process;
            if (process != null && process.hasMessages() && holdInBackground(slot)) {
                try {
                    if (slot.process != null) {
                        String stray = slot.process.strayOutput();
                        if (stray != null) {
                            misbehaved(slot, stray);
                        }
                    }
                } finally {
                    releaseFromBackground(slot);
                    if (slot.process == null) {
                        warmSoon(slot);
                    }
                }
            }
        }
    }

    /** Ends processes over the memory limit; called now and then by the owner. */
    void enforceMemoryLimit() {
        if (spec.memoryLimitBytes() <= 0) {
            return;
        }
        // every live process, the starting ones too: an initializer loading a model is held to the limit
        for (WorkerProcess process : live) {
            long resident = process.residentBytes();
            if (resident > spec.memoryLimitBytes()) {
                process.killForMemory(resident);
            }
        }
    }

    /**
     * Stops starting processes and asks every live one to end (its standard input closed, then TERM and
     * KILL after a grace); {@link #live} says which have not exited yet.
     */
    void close() {
        closed = true;
        for (WorkerProcess process : live) {
            process.retire(RETIRE_GRACE);
        }
    }

    /** The processes that have not exited yet. */
    java.util.Collection<WorkerProcess> live() {
        return live;
    }
}
