package io.jobpool.execution;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of worker threads fed by one {@link FairScheduler}: the bounded pool of
 * {@code Pool(processes=n)}. The size never changes; idle workers block in the scheduler.
 * Safe to query from any thread.
 */
final class WorkerPool {

    private final String name;
    private final FairScheduler scheduler;
    private final List<Worker> workers = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();

    WorkerPool(String name, int size, ChunkSizer sizer) {
        if (size < 1) {
            throw new IllegalArgumentException(name + " pool needs at least one worker");
        }
        this.name = name;
        this.scheduler = new FairScheduler(sizer, size);
        for (int i = 0; i < size; i++) {
            workers.add(new Worker(scheduler, busy));
        }
    }

    void start() {
        for (int i = 0; i < workers.size(); i++) {
            Thread thread = new Thread(workers.get(i), "jobpool-" + name + "-" + (i + 1));
            thread.setDaemon(true);
            workers.get(i).startOn(thread);
        }
    }

    FairScheduler scheduler() {
        return scheduler;
    }

    int size() {
        return workers.size();
    }

    int busy() {
        return busy.get();
    }

    /** Stops taking chunks, interrupts what runs and waits briefly for the threads to leave. */
    void stop(long waitMillis) throws InterruptedException {
        scheduler.close();
        for (Worker worker : workers) {
            worker.thread().interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        for (Worker worker : workers) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left > 0) {
                worker.thread().join(left);
            }
        }
    }
}
