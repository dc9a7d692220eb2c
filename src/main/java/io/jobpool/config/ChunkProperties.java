package io.jobpool.config;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.chunk.*}: adaptive chunking.
 *
 * @param targetDuration how long one chunk should take (default 20ms): shorter is fairer between
 *                       jobs, longer has less per-chunk overhead
 */
@Validated
@ConfigurationProperties("jobpool.chunk")
public record ChunkProperties(@NotNull @DefaultValue("20ms") Duration targetDuration) {
}
