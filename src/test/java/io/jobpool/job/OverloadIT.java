package io.jobpool.job;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission control: the service never accepts more queued items than its bound. */
@TestPropertySource(properties = "jobpool.limits.max-queued-items=100")
class OverloadIT extends ServerTest {

    @Test
    void submissionPastTheQueueBoundIsTooManyRequestsWithRetryAfter() {
        String running = submit(Map.of("function", "sleep", "inputs", Collections.nCopies(80, 10_000)));

        Http.Reply refused = http.post("/v1/jobs", Map.of("function", "square", "inputs", range(30)));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 300L);
        JsonNode problem = refused.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:jobpool:problem:overloaded");
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("retryAfterSeconds").asLong()).isEqualTo(Long.parseLong(refused.header("Retry-After")));

        http.delete("/v1/jobs/" + running);
        String accepted = submit(Map.of("function", "square", "inputs", range(30)));
        assertThat(awaitEnd(accepted, Duration.ofSeconds(5)).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(status(running).get("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void jobLargerThanTheWholeQueueIsTooLargeNotRetryable() {
        Http.Reply refused = http.post("/v1/jobs", Map.of("function", "square", "inputs", range(101)));

        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.json().get("field").asString()).isEqualTo("inputs");
        assertThat(refused.header("Retry-After")).isNull();
    }

    @Test
    void rejectionsAreCountedByReason() {
        double before = metric("jobpool.jobs.rejected", "reason:overloaded");
        String running = submit(Map.of("function", "sleep", "inputs", Collections.nCopies(90, 10_000)));

        http.post("/v1/jobs", Map.of("function", "square", "inputs", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));

        assertThat(metric("jobpool.jobs.rejected", "reason:overloaded")).isEqualTo(before + 1);
        http.delete("/v1/jobs/" + running);
    }
}
