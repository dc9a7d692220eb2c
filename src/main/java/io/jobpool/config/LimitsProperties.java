package io.jobpool.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.limits.*}: what the service accepts.
 *
 * @param maxBodyBytes   largest request body (default 64 MiB; a million small numbers take about 7 MB)
 * @param maxItemsPerJob most inputs in one job (default 2,000,000)
 * @param maxQueuedItems most items queued and running across all jobs; a submission that would pass
 *                       it gets 429 with Retry-After (default 4,000,000)
 * @param headerTimeout  how long a request's line and headers may take to arrive in all, counted from
 *                       their first byte; a connection still sending them then is closed (default 10s:
 *                       real clients send them in one packet, so ten seconds leaves a slow link a wide
 *                       margin while a slowloris client holds each connection for seconds, not forever)
 * @param bodyTimeout    how long a request's body may take to arrive in all, counted from the end of its
 *                       headers; a body still arriving then is refused with 408 (default 120s: the
 *                       largest body, 64 MiB, then needs about 4.5 Mbit/s)
 */
@Validated
@ConfigurationProperties("jobpool.limits")
public record LimitsProperties(@Min(1024) @DefaultValue("67108864") long maxBodyBytes,
                               @Min(1) @DefaultValue("2000000") int maxItemsPerJob,
                               @Min(1) @DefaultValue("4000000") long maxQueuedItems,
                               @NotNull @DefaultValue("10s") Duration headerTimeout,
                               @NotNull @DefaultValue("120s") Duration bodyTimeout) {

    public LimitsProperties {
        // A zero or negative deadline would cut every request; there is no "off" switch on purpose.
        if (headerTimeout != null && (headerTimeout.isNegative() || headerTimeout.isZero())) {
            throw new IllegalArgumentException("jobpool.limits.header-timeout must be positive, not " + headerTimeout);
        }
        if (bodyTimeout != null && (bodyTimeout.isNegative() || bodyTimeout.isZero())) {
            throw new IllegalArgumentException("jobpool.limits.body-timeout must be positive, not " + bodyTimeout);
        }
    }
}
