package io.jobpool.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Keeps the finished jobs within their two bounds: time ({@code jobpool.pool.retention}) and the memory
 * of their results ({@code jobpool.results.max-bytes}, shared with the results of unfinished jobs).
 * Both drop the oldest finished jobs first, so finished jobs are kept in the order they ended, with the
 * result bytes they held then: a job's end and the sweep cost a few steps, not a walk of every job.
 *
 * <p>Thread-safe: jobs end on worker threads while the sweeper runs; both go through this object's monitor.
 */
final class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final JobRegistry registry;
    private final Duration retention;
    private final long maxBytes;
    private final Deque<Ended> oldestFirst = new ArrayDeque<>();
    private long endedBytes;

    private record Ended(Job job, long bytes) {
    }

    Retention(JobRegistry registry, Duration retention, long maxBytes) {
        this.registry = registry;
        this.retention = retention;
        this.maxBytes = maxBytes;
    }

    /** A job ended holding its final results; {@code unfinishedBytes} is what the unfinished jobs hold now. */
    synchronized void ended(Job job, long unfinishedBytes) {
        long bytes = job.results().bytes();
        oldestFirst.addLast(new Ended(job, bytes));
        endedBytes += bytes;
        while (endedBytes + unfinishedBytes > maxBytes && !oldestFirst.isEmpty()) {
            Job evicted = drop();
            JobService.lifecycle(log.atInfo(), evicted, "evicted").log("Job {} evicted: retained results over the budget"
                    + " of {} bytes", evicted.id(), maxBytes);
        }
    }

    /** Forgets the jobs that finished before {@code now} minus the retention. */
    synchronized void sweep(Instant now) {
        Instant cutoff = now.minus(retention);
        while (!oldestFirst.isEmpty() && oldestFirst.peekFirst().job().record().finishedAt().isBefore(cutoff)) {
            Job removed = drop();
            JobService.lifecycle(log.atDebug(), removed, "removed").log("Job {} removed: its retention ended", removed.id());
        }
    }

    private Job drop() {
        Ended oldest = oldestFirst.removeFirst();
        endedBytes -= oldest.bytes();
        registry.remove(oldest.job().id());
        return oldest.job();
    }

    /** Bytes of results the finished jobs hold. */
    synchronized long endedBytes() {
        return endedBytes;
    }
}
