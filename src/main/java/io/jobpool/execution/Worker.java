package io.jobpool.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One worker thread: takes a chunk from the scheduler, runs it, repeats.
 *
 * <p>Cancellation interrupts the thread, but only while it runs a chunk of the cancelled task: the
 * monitor of this object guards {@code current}, so {@link #interruptIfRunning} can never hit the
 * thread after it moved on to another task, and the flag is cleared under the same monitor when a
 * chunk ends.
 */
final class Worker implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final FairScheduler scheduler;
    private final AtomicInteger busy;
    private Thread thread;
    private TaskRun current;

    Worker(FairScheduler scheduler, AtomicInteger busy) {
        this.scheduler = scheduler;
        this.busy = busy;
    }

    void startOn(Thread thread) {
        this.thread = thread;
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    @Override
    public void run() {
        while (true) {
            Chunk chunk;
            try {
                chunk = scheduler.next();
            } catch (InterruptedException e) {
                return;
            }
            if (chunk == null) {
                return;
            }
            runChunk(chunk);
        }
    }

    private void runChunk(Chunk chunk) {
        synchronized (this) {
            current = chunk.run();
        }
        busy.incrementAndGet();
        try {
            chunk.run().execute(chunk, this);
        } catch (RuntimeException | Error e) {
            // Item failures are handled inside execute; reaching here is a bug in the engine or observer.
            log.error("Job {}: chunk [{}, {}) ended abnormally", chunk.run().task().label(), chunk.start(), chunk.end(), e);
        } finally {
            scheduler.done(chunk);
            busy.decrementAndGet();
            synchronized (this) {
                current = null;
                Thread.interrupted();
            }
        }
    }

    synchronized void interruptIfRunning(TaskRun run) {
        if (current == run && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }
}
