package io.jobpool.config;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code jobpool.limits.*}: what the service accepts.
 *
 * @param maxBodyBytes   largest request body (default 64 MiB; a million small numbers take about 7 MB)
 * @param maxItemsPerJob most inputs in one job (default 2,000,000)
 * @param maxQueuedItems most items queued and running across all jobs; a submission that would pass
 *                       it gets 429 with Retry-After (default 4,000,000)
 */
@Validated
@ConfigurationProperties("jobpool.limits")
public record LimitsProperties(@Min(1024) @DefaultValue("67108864") long maxBodyBytes,
                               @Min(1) @DefaultValue("2000000") int maxItemsPerJob,
                               @Min(1) @DefaultValue("4000000") long maxQueuedItems) {
}
