package io.jobpool.execution;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands chunks to the workers of one pool, round-robin across the tasks that still have unclaimed
 * items, weighted by priority: the task at the head of the ring gets {@code priority} chunks in a row,
 * then goes to the back. Because chunks are short (see {@link AdaptiveChunkSizer}), a small task that
 * arrives behind a huge one gets a worker within a few chunk durations, not after the huge one ends.
 *
 * <p>Threads: workers block in {@link #next}; request threads {@link #add} tasks; any thread may
 * {@link #remove} an ended task. One {@link ReentrantLock} guards the ring and every task's claim
 * cursor; the {@link Condition} wakes one idle worker per new piece of work. Work done under the lock
 * is a few field updates, so the lock is held for well under a microsecond per chunk. A task leaves
 * the ring when all its items are claimed and comes back when an open task gets more inputs; its
 * {@code inRing} flag, guarded by the lock, keeps it there at most once.
 */
final class FairScheduler {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workAvailable = lock.newCondition();
    private final ArrayDeque<TaskRun> ring = new ArrayDeque<>();
    private final ChunkSizer sizer;
    private final int workers;
    private boolean closed;

    FairScheduler(ChunkSizer sizer, int workers) {
        this.sizer = sizer;
        this.workers = workers;
    }

    void add(TaskRun run) {
        lock.lock();
        try {
            if (!run.inRing && run.unclaimed() > 0 && !run.isFinished()) {
                run.inRing = true;
                ring.addLast(run);
                workAvailable.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    void remove(TaskRun run) {
        lock.lock();
        try {
            if (run.inRing) {
                run.inRing = false;
                ring.remove(run);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a chunk is available and returns it; {@code null} once the scheduler is closed. */
    Chunk next() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!closed) {
                TaskRun run = ring.peekFirst();
                if (run == null) {
                    workAvailable.await();
                    continue;
                }
                if (run.isFinished()) {
                    ring.pollFirst().inRing = false;
                    continue;
                }
                Chunk chunk = run.claim(sizer.nextChunkSize(run, workers));
                rotate(run);
                if (!ring.isEmpty()) {
                    workAvailable.signal();
                }
                return chunk;
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private void rotate(TaskRun run) {
        if (run.unclaimed() == 0) {
            ring.pollFirst().inRing = false;
        } else if (--run.turnsLeft <= 0) {
            run.turnsLeft = run.task().priority();
            ring.addLast(ring.pollFirst());
        }
    }

    int readyTasks() {
        lock.lock();
        try {
            return ring.size();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
