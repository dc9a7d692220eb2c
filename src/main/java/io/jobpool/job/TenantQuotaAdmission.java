package io.jobpool.job;

/**
 * Each tenant's quota: items queued across its unfinished jobs, and open jobs at once. Over it, the
 * retry hint comes from how fast the tenant's own jobs drain, not the whole service's.
 */
public final class TenantQuotaAdmission implements AdmissionPolicy {

    /** An open job slot frees when a producer closes its job: no drain rate predicts that. */
    private static final long OPEN_JOB_RETRY_SECONDS = 5;

    private final TenantQuotas quotas;

    public TenantQuotaAdmission(TenantQuotas quotas) {
        this.quotas = quotas;
    }

    @Override
    public void admit(Demand demand, Load load) {
        TenantQuotas.Quota quota = quotas.of(demand.tenant());
        TenantLoad tenant = load.tenant(demand.tenant());
        if (demand.opensJob() && tenant.openJobs() >= quota.maxOpenJobs()) {
            throw new JobpoolException(Refusal.QUOTA_EXCEEDED, "tenant " + demand.tenant() + " has " + tenant.openJobs()
                    + " open jobs, its quota; close one first", null, OPEN_JOB_RETRY_SECONDS);
        }
        long excess = tenant.queuedItems() + demand.items() - quota.maxQueuedItems();
        if (excess > 0) {
            throw JobpoolException.full(Refusal.QUOTA_EXCEEDED, "tenant " + demand.tenant() + " has " + tenant.queuedItems()
                    + " items queued; " + demand.items() + " more would pass its quota of " + quota.maxQueuedItems(),
                    RetryAfter.toDrain(excess, tenant.itemsPerSecond()));
        }
    }
}
