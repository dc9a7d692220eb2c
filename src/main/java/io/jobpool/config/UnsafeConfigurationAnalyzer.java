package io.jobpool.config;

import io.jobpool.security.UnsafeConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start-up refused for security reasons into Spring Boot's short "APPLICATION FAILED TO START"
 * report (what is wrong, what to do) instead of a long stack trace whose first line names a bean; the
 * trace is still logged at DEBUG. Registered in {@code META-INF/spring.factories}.
 */
final class UnsafeConfigurationAnalyzer extends AbstractFailureAnalyzer<UnsafeConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsafeConfigurationException cause) {
        return new FailureAnalysis("jobpool refused to start: " + cause.getMessage(),
                "Fix the security settings (see docs/security.md, \"Configuring keys\"), then start again.", cause);
    }
}
