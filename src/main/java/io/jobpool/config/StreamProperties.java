package io.jobpool.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.streams.*}: result streams and event streams.
 *
 * @param pumpThreads      threads that write to open streams (default 8); a stream holds none while it waits
 * @param heartbeat        SSE keep-alive comment interval on idle event streams (default 15s)
 * @param minEventInterval least time between two progress events of one event stream (default 100ms, so
 *                         at most 10 a second)
 */
@Validated
@ConfigurationProperties("jobpool.streams")
public record StreamProperties(@Min(1) @Max(256) @DefaultValue("8") int pumpThreads,
                               @NotNull @DefaultValue("15s") Duration heartbeat,
                               @NotNull @DefaultValue("100ms") Duration minEventInterval) {
}
