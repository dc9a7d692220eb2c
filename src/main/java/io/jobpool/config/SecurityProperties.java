package io.jobpool.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code jobpool.security.*}: who may call.
 *
 * @param apiKeys        {@code key:tenant} pairs (as a list, or comma-separated in one environment
 *                       variable {@code JOBPOOL_SECURITY_API_KEYS}); keys of at least 16 characters
 * @param apiKeysFile    a file of {@code key:tenant} lines (blank lines and {@code #} comments
 *                       ignored), e.g. a mounted Kubernetes Secret; added to {@code apiKeys}
 * @param allowAnonymous run without keys on a non-loopback address (default false: refuse to start)
 * @param metricsOpen    serve {@code /actuator/metrics} and {@code /actuator/prometheus} without a key,
 *                       for a scrape inside the cluster (default false)
 */
@ConfigurationProperties("jobpool.security")
public record SecurityProperties(@DefaultValue List<String> apiKeys, Path apiKeysFile,
                                 @DefaultValue("false") boolean allowAnonymous,
                                 @DefaultValue("false") boolean metricsOpen) {
}
