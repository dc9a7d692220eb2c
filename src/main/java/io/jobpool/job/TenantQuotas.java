package io.jobpool.job;

import java.util.Map;

/**
 * What each tenant may hold at once: items queued (accepted and not yet finished) and open jobs.
 * One default for every tenant, and overrides by tenant name. Immutable.
 */
public final class TenantQuotas {

    /**
     * @param maxQueuedItems items a tenant may have queued across its jobs
     * @param maxOpenJobs    open (producer/consumer) jobs a tenant may have at once
     */
    public record Quota(long maxQueuedItems, int maxOpenJobs) {

        public Quota {
            if (maxQueuedItems < 1 || maxOpenJobs < 0) {
                throw new IllegalArgumentException("a quota needs maxQueuedItems >= 1 and maxOpenJobs >= 0");
            }
        }
    }

    private final Quota defaults;
    private final Map<String, Quota> byTenant;

    public TenantQuotas(Quota defaults, Map<String, Quota> byTenant) {
        this.defaults = defaults;
        this.byTenant = Map.copyOf(byTenant);
    }

    public Quota of(String tenant) {
        return byTenant.getOrDefault(tenant, defaults);
    }
}
