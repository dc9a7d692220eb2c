package io.jobpool.config;

import io.jobpool.function.PluginLoader;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a plugin that cannot be loaded into Spring Boot's short "APPLICATION FAILED TO START" report,
 * naming the jar and what is wrong with it, instead of a long stack trace; the trace (with the class
 * loader's own error) is still logged at DEBUG. Registered in {@code META-INF/spring.factories}.
 */
final class PluginFailureAnalyzer extends AbstractFailureAnalyzer<PluginLoader.PluginException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, PluginLoader.PluginException cause) {
        return new FailureAnalysis("jobpool refused to start: " + cause.getMessage(),
                "Fix or remove the plugin jar in jobpool.plugins.dir (a plugin is built against the jobpool SPI and names"
                        + " its functions in META-INF/services/io.jobpool.function.spi.JobFunction), then start again.",
                cause);
    }
}
