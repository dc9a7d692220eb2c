package io.jobpool.execution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands chunks to the workers of one pool, fairly at two levels. First between groups (tenants):
 * groups with work take turns, one chunk each, so a tenant with a hundred big jobs gets no more of the
 * pool than a tenant with one small job. Then, within a group, round-robin across its tasks weighted by
 * priority: the task at the head of the group's ring gets {@code priority} chunks in a row (over the
 * group's turns), then goes to the back. Because chunks are short (see {@link AdaptiveChunkSizer}), a
 * small task that arrives behind a huge one gets a worker within a few chunk durations.
 *
 * <p>Threads: workers block in {@link #next}; request threads {@link #add} tasks; any thread may
 * {@link #remove} an ended task. One {@link ReentrantLock} guards both rings and every task's claim
 * cursor; the {@link Condition} wakes one idle worker per new piece of work. Work done under the lock
 * is a few field updates, so the lock is held for well under a microsecond per chunk. A task leaves
 * its ring when all its items are claimed and comes back when an open task gets more inputs; its
 * {@code inRing} flag, guarded by the lock, keeps it there at most once. A group leaves the ring of
 * groups when it has no task left in its own.
 *
 * <p>A function may run only so many chunks at once (a process function: one per process). Its tasks
 * are passed over while it is at that limit, and a worker that ends one of its chunks ({@link #done})
 * wakes another: no worker thread ever waits for a process while other work is queued.
 */
final class FairScheduler {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workAvailable = lock.newCondition();
    private final ArrayDeque<Group> groups = new ArrayDeque<>();
    private final Map<String, Group> byName = new HashMap<>();
    /** Chunks running now per function that limits them (see {@link TaskRun#concurrencyKey}). */
    private final Map<Object, Integer> running = new HashMap<>();
    private final ChunkSizer sizer;
    private final int workers;
    private boolean closed;

    /** One group's tasks with work left, in round-robin order. */
    private static final class Group {
        final String name;
        final ArrayDeque<TaskRun> ring = new ArrayDeque<>();

        Group(String name) {
            this.name = name;
        }
    }

    FairScheduler(ChunkSizer sizer, int workers) {
        this.sizer = sizer;
        this.workers = workers;
    }

    void add(TaskRun run) {
        lock.lock();
        try {
            if (!run.inRing && run.unclaimed() > 0 && !run.isFinished()) {
                run.inRing = true;
                Group group = byName.get(run.task().group());
                if (group == null) {
                    group = new Group(run.task().group());
                    byName.put(group.name, group);
                    groups.addLast(group);
                }
                group.ring.addLast(run);
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
                Group group = byName.get(run.task().group());
                leave(group, run);
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
                Chunk chunk = claimNext();
                if (chunk != null) {
                    if (!groups.isEmpty()) {
                        workAvailable.signal();
                    }
                    return chunk;
                }
                workAvailable.await();
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next chunk in turn: from the group at the head of the ring, its task at the head of its own
     * ring. A task whose function runs as many chunks as it may at once is passed over and keeps its
     * place, and so does a group with only such tasks; null if nothing can run now.
     */
    private Chunk claimNext() {
        List<TaskRun> leaving = null;
        TaskRun chosen = null;
        search:
        for (Group group : groups) {
            for (TaskRun run : group.ring) {
                // a shared task leaves when a claim found nothing left, which its worker learns outside this lock
                if (run.isFinished() || run.unclaimed() == 0) {
                    if (leaving == null) {
                        leaving = new ArrayList<>();
                    }
                    leaving.add(run);
                } else if (!atLimit(run)) {
                    chosen = run;
                    break search;
                }
            }
        }
        if (leaving != null) {
            for (TaskRun run : leaving) {
                leave(byName.get(run.task().group()), run);
            }
        }
        if (chosen == null) {
            return null;
        }
        Object limited = chosen.concurrencyKey();
        if (limited != null) {
            running.merge(limited, 1, Integer::sum);
        }
        Chunk chunk = chosen.claim(sizer.nextChunkSize(chosen, workers));
        rotate(byName.get(chosen.task().group()), chosen);
        return chunk;
    }

    private boolean atLimit(TaskRun run) {
        Object limited = run.concurrencyKey();
        return limited != null && running.getOrDefault(limited, 0) >= run.maxConcurrentChunks();
    }

    /** A function that limits its chunks at once can take more: waiting workers look again. */
    void wake() {
        lock.lock();
        try {
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A chunk has ended: a task whose function was at its limit of chunks at once may run again. */
    void done(Chunk chunk) {
        Object limited = chunk.run().concurrencyKey();
        if (limited == null) {
            return;
        }
        lock.lock();
        try {
            running.merge(limited, -1, (count, minus) -> count + minus == 0 ? null : count + minus);
            workAvailable.signal();
        } finally {
            lock.unlock();
        }
    }

    /** After a chunk: the task leaves if it has nothing left to claim, and the group's turn passes. */
    private void rotate(Group group, TaskRun run) {
        if (run.unclaimed() == 0) {
            leave(group, run);
        } else if (--run.turnsLeft <= 0) {
            run.turnsLeft = run.task().options().priority();
            moveToBack(group.ring, run);
        }
        if (!group.ring.isEmpty()) {
            moveToBack(groups, group);
        }
    }

    /** Usually the head (nothing was passed over), so this is a poll and an add. */
    private static <T> void moveToBack(ArrayDeque<T> ring, T element) {
        if (ring.peekFirst() == element) {
            ring.addLast(ring.pollFirst());
        } else {
            ring.remove(element);
            ring.addLast(element);
        }
    }

    private void leave(Group group, TaskRun run) {
        run.inRing = false;
        group.ring.remove(run);
        if (group.ring.isEmpty()) {
            groups.remove(group);
            byName.remove(group.name);
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
