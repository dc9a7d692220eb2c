package io.jobpool.job;

/** The pool as a client sees it: Python's {@code cpu_count()} and more. */
public record PoolStatus(int workers, int ioWorkers, int busy, int ioBusy, long queuedItems, long maxQueuedItems,
                         int activeJobs, double itemsPerSecond) {
}
