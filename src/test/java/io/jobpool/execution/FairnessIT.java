package io.jobpool.execution;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Workers take chunks round-robin across jobs, so a small job never waits for a big one. */
class FairnessIT extends ServerTest {

    @Test
    void smallJobFinishesBeforeBigJobSubmittedEarlier() {
        // 400 items of tens of milliseconds each: several seconds of work on every worker
        String big = submit(Map.of("function", "primes", "inputs", Collections.nCopies(400, 300_000)));
        await(big, "RUNNING");

        String small = submit(Map.of("function", "primes", "inputs", List.of(10, 20)));
        JsonNode smallDone = awaitEnd(small, Duration.ofSeconds(30));
        JsonNode bigNow = status(big);

        assertThat(smallDone.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(bigNow.get("state").asString()).isEqualTo("RUNNING");
        assertThat(bigNow.get("completed").asInt()).isLessThan(200);
        http.delete("/v1/jobs/" + big);
    }

    private void await(String id, String state) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> status(id).get("state").asString().equals(state));
    }
}
