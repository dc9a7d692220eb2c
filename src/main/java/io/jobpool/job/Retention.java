package io.jobpool.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the finished jobs within their two bounds: time ({@code jobpool.pool.retention}) and the memory
 * of their results ({@code jobpool.results.max-bytes}, shared with the results of unfinished jobs).
 * Both drop the oldest finished jobs first, so finished jobs are kept in the order they ended, and every
 * job's {@link ResultStore} adds what it writes to one total ({@link #resultBytes()}), from which a
 * dropped job's bytes are taken back: a job's end and the sweep cost a few steps, not a walk of the jobs.
 *
 * <p>Thread-safe: jobs end on worker threads while the sweeper runs; both go through this object's monitor.
 */
final class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final JobRegistry registry;
    private final Duration retention;
    private final long maxBytes;
    private final Deque<Job> oldestFirst = new ArrayDeque<>();
    private final LongAdder resultBytes = new LongAdder();
    /**
     * The jobs dropped here, by when they finished: in a cluster their shared copy outlives this member's
     * (its expiry starts with the last member's end), and must not bring them back here
     * ({@link #wasDropped}). Kept for twice the retention.
     */
    private final Map<JobId, Instant> dropped = new ConcurrentHashMap<>();

    Retention(JobRegistry registry, Duration retention, long maxBytes) {
        this.registry = registry;
        this.retention = retention;
        this.maxBytes = maxBytes;
    }

    /** The results of every retained job, finished or not, in bytes: each job's store adds to it. */
    LongAdder resultBytes() {
        return resultBytes;
    }

    /**
     * A job ended: it is now the newest finished job, the last to go when the results are over budget.
     * Returns the jobs dropped to make room, oldest first.
     */
    synchronized List<Job> ended(Job job) {
        oldestFirst.addLast(job);
        List<Job> evicted = new ArrayList<>();
        while (resultBytes.sum() > maxBytes && !oldestFirst.isEmpty()) {
            Job oldest = drop();
            evicted.add(oldest);
            JobService.lifecycle(log.atInfo(), oldest, "evicted").log("Job {} evicted: retained results over the budget"
                    + " of {} bytes", oldest.id(), maxBytes);
        }
        return evicted;
    }

    /** Whether this member dropped the job (its retention ended, or its results were over the budget). */
    boolean wasDropped(JobId id) {
        return dropped.containsKey(id);
    }

    /** Forgets the jobs that finished before {@code now} minus the retention. */
    synchronized void sweep(Instant now) {
        Instant longAgo = now.minus(retention.multipliedBy(2));
        dropped.values().removeIf(finished -> finished.isBefore(longAgo));
        Instant cutoff = now.minus(retention);
        while (!oldestFirst.isEmpty() && oldestFirst.peekFirst().record().finishedAt().isBefore(cutoff)) {
            Job removed = drop();
            JobService.lifecycle(log.atDebug(), removed, "removed").log("Job {} removed: its retention ended", removed.id());
        }
    }

    private Job drop() {
        Job oldest = oldestFirst.removeFirst();
        resultBytes.add(-oldest.results().bytes());
        registry.remove(oldest.id());
        if (oldest.isShared()) {
            dropped.put(oldest.id(), oldest.record().finishedAt());
        }
        return oldest;
    }
}
