package io.jobpool.security;

import io.jobpool.JobpoolApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A start-up refused for security reasons says why and what to do in a few lines, not inside a stack
 * trace: an operator reads it in a pod's log.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupRefusalIT {

    @Test
    void openOnAllInterfacesWithoutKeysIsRefusedWithAShortReport(CapturedOutput output) {
        System.out.println("StartupRefusalIT: the APPLICATION FAILED TO START report below is this test's, and expected");

        assertThatThrownBy(() -> new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--server.address=0.0.0.0", "--spring.main.banner-mode=off"))
                .hasRootCauseInstanceOf(UnsafeConfigurationException.class);

        String console = output.getAll();
        assertThat(console).contains("APPLICATION FAILED TO START")
                .contains("jobpool refused to start: jobpool would accept anyone")
                .contains("Fix the security settings")
                .doesNotContain("\tat io.jobpool.security.AnonymousAccessGuard"); // the trace is at DEBUG only
    }

    @Test
    void malformedKeysAreRefusedWithoutEchoingThem(CapturedOutput output) {
        String secret = "a-secret-key-without-a-tenant";
        System.out.println("StartupRefusalIT: the APPLICATION FAILED TO START report below is this test's, and expected");

        assertThatThrownBy(() -> new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--spring.main.banner-mode=off", "--jobpool.security.api-keys=" + secret))
                .hasRootCauseInstanceOf(UnsafeConfigurationException.class);

        assertThat(output.getAll()).contains("jobpool refused to start: API key entry 1 is not of the form key:tenant")
                .doesNotContain(secret);
    }
}
