package io.jobpool.config;

import io.jobpool.function.spi.Kind;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code jobpool.process-functions.<name>.*}: the operator's own functions, run in warm worker
 * processes (see {@code docs/process-functions.md}). None by default.
 */
@Validated
@ConfigurationProperties("jobpool")
public record ProcessFunctionProperties(@Valid @DefaultValue Map<String, @Valid Entry> processFunctions) {

    /**
     * One process function.
     *
     * @param command            the program and its arguments, run without a shell
     * @param processes          most processes at once; 0 (the default): one per CPU worker
     * @param kind               {@code cpu} (the default: its chunks share the CPU pool with Java jobs) or {@code io}
     * @param description        for the catalog
     * @param paramsSchema       a JSON Schema (as JSON text) that a job's params must match; unset: any object
     * @param maxItemsPerProcess a process is replaced after this many items; 0 (the default): never
     * @param startupTimeout     the initializer must have sent its ready line by then (default 60s)
     * @param idleTimeout        a process without work for this long is ended (default 30m)
     * @param environment        the only variables given besides PATH, HOME and LANG; {@code {slot}} becomes the
     *                           process's slot, 0..processes-1
     * @param workingDirectory   where processes start (default: the service's working directory)
     * @param memoryLimit        a process whose resident memory grows past this is ended; unset: no limit
     * @param maxMessageSize     the longest protocol line either way (default 16MB)
     */
    public record Entry(@NotEmpty List<String> command,
                        @Min(0) @DefaultValue("0") int processes,
                        @NotNull @DefaultValue("cpu") Kind kind,
                        String description,
                        String paramsSchema,
                        @Min(0) @DefaultValue("0") long maxItemsPerProcess,
                        @NotNull @DefaultValue("60s") Duration startupTimeout,
                        @NotNull @DefaultValue("30m") Duration idleTimeout,
                        @DefaultValue Map<String, String> environment,
                        Path workingDirectory,
                        DataSize memoryLimit,
                        @NotNull @DefaultValue("16MB") DataSize maxMessageSize) {
    }
}
