package io.jobpool.job;

import java.time.Duration;

/**
 * The job layer's limits.
 *
 * @param maxItemsPerJob   most inputs one job (or one batch of an open job) may have
 * @param maxQueuedItems   the bound on items accepted and not finished, as {@code GET /v1/pool} reports it
 * @param retention        how long a finished job and its results are kept
 * @param resultsMaxBytes  memory budget of retained results; the oldest finished jobs go first
 * @param openMaxPending   default and largest bound on an open job's unprocessed inputs
 * @param openIdleTimeout  an open job that gets no input for this long ends {@code TIMED_OUT}
 */
public record JobSettings(int maxItemsPerJob, long maxQueuedItems, Duration retention, long resultsMaxBytes,
                          int openMaxPending, Duration openIdleTimeout) {
}
