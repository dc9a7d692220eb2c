package io.jobpool.config;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code jobpool.results.*}: retained results.
 *
 * @param maxBytes memory budget of retained results (default 256 MiB); when passed, the oldest finished
 *                 jobs are evicted first, before their retention ends
 */
@Validated
@ConfigurationProperties("jobpool.results")
public record ResultsProperties(@Min(1024) @DefaultValue("268435456") long maxBytes) {
}
