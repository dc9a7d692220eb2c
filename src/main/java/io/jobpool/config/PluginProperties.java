package io.jobpool.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * {@code jobpool.plugins.*}: functions installed by the operator.
 *
 * @param dir a directory of plugin jars loaded at start-up; unset (the default) means built-ins only
 */
@ConfigurationProperties("jobpool.plugins")
public record PluginProperties(Path dir) {
}
