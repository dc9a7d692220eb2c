package io.jobpool.job;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Retained results stay within their memory budget: the oldest finished job is evicted first. */
@TestPropertySource(properties = "jobpool.results.max-bytes=15000")
class ResultsBudgetIT extends ServerTest {

    @Test
    void oldestFinishedJobIsEvictedWhenResultsPassTheBudget() {
        String older = submit(Map.of("function", "square", "inputs", range(1000)));
        awaitEnd(older, Duration.ofSeconds(5));
        String newer = submit(Map.of("function", "square", "inputs", range(1000)));
        awaitEnd(newer, Duration.ofSeconds(5));

        assertThat(http.get("/v1/jobs/" + older).status()).isEqualTo(404);
        assertThat(http.get("/v1/jobs/" + newer + "/results").json().get("results").size()).isEqualTo(1000);
    }
}
