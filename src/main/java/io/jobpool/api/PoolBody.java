package io.jobpool.api;

import io.jobpool.job.PoolStatus;

/** {@code GET /v1/pool}: the worker pool and its queue. */
public record PoolBody(int workers, int ioWorkers, int busy, int ioBusy, long queuedItems, long maxQueuedItems,
                       int activeJobs, double itemsPerSecond) {

    static PoolBody of(PoolStatus pool) {
        return new PoolBody(pool.workers(), pool.ioWorkers(), pool.busy(), pool.ioBusy(), pool.queuedItems(),
                pool.maxQueuedItems(), pool.activeJobs(), Math.round(pool.itemsPerSecond() * 10) / 10.0);
    }
}
