package io.jobpool.job;

/**
 * A bound on items queued across all jobs. A job larger than the bound can never fit (too large);
 * otherwise, over it, the client is told to come back when, at the current drain rate, enough room
 * will have been made.
 */
public final class QueueBoundAdmission implements AdmissionPolicy {

    private final long maxQueuedItems;

    public QueueBoundAdmission(long maxQueuedItems) {
        this.maxQueuedItems = maxQueuedItems;
    }

    @Override
    public void admit(Demand demand, Load load) {
        if (demand.items() > maxQueuedItems) {
            throw new JobpoolException(Refusal.PAYLOAD_TOO_LARGE, "the job has " + demand.items()
                    + " inputs, more than the service ever queues (" + maxQueuedItems + "); split it into smaller jobs",
                    "inputs", null);
        }
        long queued = load.queuedItems();
        long excess = queued + demand.items() - maxQueuedItems;
        if (excess > 0) {
            throw JobpoolException.full(Refusal.OVERLOADED, "the queue holds " + queued + " items; " + demand.items()
                    + " more would pass the bound of " + maxQueuedItems, RetryAfter.toDrain(excess, load.itemsPerSecond()));
        }
    }
}
