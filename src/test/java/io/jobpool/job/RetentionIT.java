package io.jobpool.job;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Finished jobs are kept for the retention period, then their id answers 404. */
@TestPropertySource(properties = "jobpool.retention=1s")
class RetentionIT extends ServerTest {

    @Test
    void finishedJobIsGoneAfterItsRetention() {
        String id = submit(Map.of("function", "square", "inputs", range(10)));
        awaitEnd(id, Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/jobs/" + id).status() == 404);

        assertThat(http.get("/v1/jobs/" + id + "/results").json().get("type").asString())
                .isEqualTo("urn:jobpool:problem:job-not-found");
    }

    @Test
    void runningJobOutlivesTheRetention() {
        String id = submit(Map.of("function", "sleep", "inputs", java.util.List.of(2500)));

        assertThat(awaitEnd(id, Duration.ofSeconds(10)).get("state").asString()).isEqualTo("SUCCEEDED");
    }
}
