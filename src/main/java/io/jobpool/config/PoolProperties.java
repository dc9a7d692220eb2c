package io.jobpool.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code jobpool.*}: the pool itself.
 *
 * @param workers       CPU worker threads; 0 (the default) means one per available processor, which
 *                      the JVM reads from the container's CPU limit
 * @param ioWorkers     threads for I/O-bound functions such as {@code sleep} (default 32)
 * @param retention     how long a finished job and its results stay readable (default 1h)
 * @param shutdownGrace how long running jobs may go on when the service stops (default 20s)
 */
@Validated
@ConfigurationProperties("jobpool")
public record PoolProperties(@Min(0) @Max(4096) @DefaultValue("0") int workers,
                             @Min(1) @Max(4096) @DefaultValue("32") int ioWorkers,
                             @NotNull @DefaultValue("1h") Duration retention,
                             @NotNull @DefaultValue("20s") Duration shutdownGrace) {

    /** The CPU pool size in effect. */
    public int effectiveWorkers() {
        return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    }
}
