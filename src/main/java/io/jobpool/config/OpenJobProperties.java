package io.jobpool.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.open-jobs.*}: producer/consumer jobs whose inputs arrive in batches.
 *
 * @param maxPending  default and largest bound on an open job's inputs accepted but not yet processed
 *                    (default 100,000); a batch that would pass it gets 429 with Retry-After
 * @param idleTimeout an open job that gets no input for this long is ended as {@code TIMED_OUT} with
 *                    error type {@code IdleTimeout} (default 10m): its producer is presumed gone
 */
@Validated
@ConfigurationProperties("jobpool.open-jobs")
public record OpenJobProperties(@Min(1) @DefaultValue("100000") int maxPending,
                                @NotNull @DefaultValue("10m") Duration idleTimeout) {
}
