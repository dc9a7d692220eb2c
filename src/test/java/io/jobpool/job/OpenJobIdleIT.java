package io.jobpool.job;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An open job whose producer went quiet is ended, with its results kept. */
@TestPropertySource(properties = "jobpool.open-jobs.idle-timeout=1s")
class OpenJobIdleIT extends ServerTest {

    @Test
    void openJobLeftIdleEndsTimedOutWithItsResults() {
        String id = submit(Map.of("function", "square", "open", true, "inputs", List.of(3)));

        JsonNode ended = awaitEnd(id, Duration.ofSeconds(10));

        assertThat(ended.get("state").asString()).isEqualTo("TIMED_OUT");
        assertThat(ended.get("error").get("type").asString()).isEqualTo("IdleTimeout");
        assertThat(http.get("/v1/jobs/" + id + "/results").json().get("results").toString()).isEqualTo("[9]");
    }
}
