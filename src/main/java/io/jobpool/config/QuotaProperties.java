package io.jobpool.config;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.util.Map;

/**
 * {@code jobpool.quotas.*}: what one tenant may hold at once, so a noisy neighbour cannot fill the
 * service. Over a quota a submission or batch gets 429 with {@code Retry-After}.
 *
 * @param maxQueuedItems items one tenant may have queued (default 0 = the service's whole
 *                       {@code jobpool.limits.max-queued-items})
 * @param maxOpenJobs    open jobs one tenant may have (default 100)
 * @param tenants        overrides by tenant name, e.g. {@code jobpool.quotas.tenants.batch.max-queued-items=100000}
 */
@Validated
@ConfigurationProperties("jobpool.quotas")
public record QuotaProperties(@Min(0) @DefaultValue("0") long maxQueuedItems,
                              @Min(0) @DefaultValue("100") int maxOpenJobs,
                              @DefaultValue Map<String, Override> tenants) {

    /** One tenant's quota; an unset field keeps the default. */
    public record Override(Long maxQueuedItems, Integer maxOpenJobs) {
    }
}
