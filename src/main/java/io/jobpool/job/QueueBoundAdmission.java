package io.jobpool.job;

/**
 * The default admission: a bound on items queued across all jobs. Over it, the client is told to come
 * back when, at the current drain rate, enough room will have been made (between 1 and 300 seconds).
 */
public final class QueueBoundAdmission implements AdmissionPolicy {

    private final long maxQueuedItems;

    public QueueBoundAdmission(long maxQueuedItems) {
        this.maxQueuedItems = maxQueuedItems;
    }

    @Override
    public void admit(long items, long queuedItems, double itemsPerSecond) {
        if (items > maxQueuedItems) {
            throw new JobpoolException(ProblemType.PAYLOAD_TOO_LARGE, "the job has " + items
                    + " inputs, more than the service ever queues (" + maxQueuedItems + "); split it into smaller jobs",
                    "inputs", null);
        }
        long excess = queuedItems + items - maxQueuedItems;
        if (excess > 0) {
            long seconds = itemsPerSecond > 0 ? (long) Math.ceil(excess / itemsPerSecond) : 5;
            long retryAfter = Math.max(1, Math.min(300, seconds));
            throw new JobpoolException(ProblemType.OVERLOADED, "the queue holds " + queuedItems + " items; "
                    + items + " more would pass the bound of " + maxQueuedItems + ". Retry after " + retryAfter + " s",
                    null, retryAfter);
        }
    }

    @Override
    public long maxQueuedItems() {
        return maxQueuedItems;
    }
}
