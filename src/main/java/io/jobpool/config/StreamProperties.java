package io.jobpool.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.streams.*}: result streams and event streams.
 *
 * @param pumpThreads      threads that write to open streams (default 4); a stream holds none while it
 *                         waits, for its job or for a slow reader's socket
 * @param heartbeat        keep-alive interval on idle streams: an SSE comment, or an NDJSON
 *                         {@code {"keepAlive":true}} line (default 15s)
 * @param minEventInterval least time between two progress events of one event stream (default 100ms, so
 *                         at most 10 a second)
 * @param writeBudget      bytes one stream writes per turn before other streams get a go; also the most a
 *                         reader that stopped reading holds in the service (default 32KB)
 * @param stallTimeout     a stream whose reader does not take one write budget in this time is ended (so
 *                         the slowest reader kept is about budget / timeout: 0.5 KB/s by default); the
 *                         client resumes with {@code from} or {@code Last-Event-ID} (default 60s)
 * @param maxOpen          most streams open at once; more get 429 with Retry-After (default 2000: a reader that
 *                         stopped reading holds about 140 KB of heap, its budget included)
 */
@Validated
@ConfigurationProperties("jobpool.streams")
public record StreamProperties(@Min(1) @Max(256) @DefaultValue("4") int pumpThreads,
                               @NotNull @DefaultValue("15s") Duration heartbeat,
                               @NotNull @DefaultValue("100ms") Duration minEventInterval,
                               @NotNull @DefaultValue("32KB") DataSize writeBudget,
                               @NotNull @DefaultValue("60s") Duration stallTimeout,
                               @Min(1) @DefaultValue("2000") int maxOpen) {

    public StreamProperties {
        if (writeBudget != null && (writeBudget.toBytes() < 1024 || writeBudget.toBytes() > 16 * 1024 * 1024)) {
            throw new IllegalArgumentException("jobpool.streams.write-budget must be between 1KB and 16MB, got " + writeBudget);
        }
        if (stallTimeout != null && stallTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("jobpool.streams.stall-timeout must be at least 100ms, got " + stallTimeout);
        }
    }
}
