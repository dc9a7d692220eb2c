package io.jobpool.job;

/**
 * Decides whether a new job may be accepted: the service never takes on more than it can hold.
 * Called under the submission lock, so an implementation sees a consistent queue depth.
 */
public interface AdmissionPolicy {

    /**
     * Throws {@link JobpoolException} of type {@link ProblemType#OVERLOADED}, with a retry hint, if a
     * job of {@code items} items must be refused now.
     *
     * @param queuedItems   items accepted and not finished yet
     * @param itemsPerSecond how fast the queue drains at the moment
     */
    void admit(long items, long queuedItems, double itemsPerSecond);

    /** The most items the service queues, as clients are told in {@code GET /v1/pool}. */
    long maxQueuedItems();
}
