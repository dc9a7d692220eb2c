package io.jobpool.job;

import java.util.function.Function;

/**
 * Decides whether new work may be accepted now, like a {@code RejectedExecutionHandler} decides for a
 * full executor: the service never takes on more than it can hold. The service asks each policy in turn
 * ({@link QueueBoundAdmission}: the whole queue; {@link TenantQuotaAdmission}: each tenant's share) under
 * its submission lock, so a policy sees a load that submissions cannot change meanwhile.
 */
public interface AdmissionPolicy {

    /**
     * Returns if {@code demand} may be accepted; otherwise throws a {@link JobpoolException} that says why
     * ({@link Refusal#OVERLOADED} or {@link Refusal#QUOTA_EXCEEDED} with a retry hint from
     * {@link RetryAfter}, or {@link Refusal#PAYLOAD_TOO_LARGE} when waiting would not help).
     */
    void admit(Demand demand, Load load);

    /**
     * What a request asks for.
     *
     * @param items    inputs of a new job or of a batch for an open job
     * @param opensJob whether it is a new open job
     */
    record Demand(String tenant, long items, boolean opensJob) {
    }

    /**
     * What the service holds now: items accepted and not finished, how fast they drain, and each
     * tenant's share, computed only when a policy asks for it (from the tenant's unfinished jobs).
     */
    record Load(long queuedItems, double itemsPerSecond, Function<String, TenantLoad> tenants) {

        public TenantLoad tenant(String tenant) {
            return tenants.apply(tenant);
        }
    }

    /** One tenant's unfinished work: items not yet done, how fast its jobs drain, and its open jobs. */
    record TenantLoad(long queuedItems, double itemsPerSecond, int openJobs) {
    }
}
