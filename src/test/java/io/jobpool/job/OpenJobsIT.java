package io.jobpool.job;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Producer/consumer jobs: inputs arrive in batches until the job is closed, with back-pressure. */
class OpenJobsIT extends ServerTest {

    @Test
    void openJobFedInSeveralBatchesThenClosedHasEveryResultInOrder() {
        String id = submit(Map.of("function", "square", "open", true));
        assertThat(status(id).get("state").asString()).isEqualTo("OPEN");

        JsonNode first = append(id, List.of(1, 2, 3)).json();
        JsonNode second = append(id, List.of(4, 5)).json();
        JsonNode third = append(id, List.of(6)).json();
        Http.Reply closed = http.post("/v1/jobs/" + id + "/close", Map.of());

        assertThat(first.get("first").asInt()).isZero();
        assertThat(second.get("first").asInt()).isEqualTo(3);
        assertThat(third.get("first").asInt()).isEqualTo(5);
        assertThat(third.get("total").asInt()).isEqualTo(6);
        assertThat(closed.status()).isEqualTo(200);
        assertThat(awaitEnd(id, Duration.ofSeconds(10)).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(http.get("/v1/jobs/" + id + "/results").json().get("results").toString()).isEqualTo("[1,4,9,16,25,36]");
    }

    @Test
    void openJobWithoutInputsYetIsAtZeroProgressAndOpenUntilClosed() {
        String id = submit(Map.of("function", "square", "open", true));

        JsonNode status = status(id);

        assertThat(status.get("state").asString()).isEqualTo("OPEN");
        assertThat(status.get("total").asInt()).isZero();
        assertThat(status.get("progress").asDouble()).isZero();
        assertThat(status.get("open").asBoolean()).as("takes inputs").isTrue();
        http.post("/v1/jobs/" + id + "/close", Map.of());
        JsonNode ended = awaitEnd(id, Duration.ofSeconds(5));
        assertThat(ended.get("progress").asDouble()).as("an empty job that ended is complete").isEqualTo(1.0);
        assertThat(ended.get("open").asBoolean()).as("closed: takes no more inputs").isFalse();
        assertThat(ended.get("maxPending").asInt()).as("still says how it was submitted").isPositive();
    }

    @Test
    void openJobStaysOpenWhileItsInputsAreDone() {
        String id = submit(Map.of("function", "square", "open", true, "inputs", List.of(7)));

        await().atMost(Duration.ofSeconds(5)).until(() -> status(id).get("completed").asInt() == 1);

        assertThat(status(id).get("state").asString()).isEqualTo("OPEN");
        http.post("/v1/jobs/" + id + "/close", Map.of());
        assertThat(awaitEnd(id, Duration.ofSeconds(5)).get("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void inputsAfterCloseAreAConflict() {
        String id = submit(Map.of("function", "square", "open", true));
        append(id, List.of(1));
        http.post("/v1/jobs/" + id + "/close", Map.of());

        Http.Reply late = append(id, List.of(2));
        Http.Reply closedTwice = http.post("/v1/jobs/" + id + "/close", Map.of());

        assertThat(late.status()).isEqualTo(409);
        assertThat(late.json().get("type").asString()).isEqualTo("urn:jobpool:problem:job-state-conflict");
        assertThat(closedTwice.status()).isEqualTo(409);
    }

    @Test
    void inputsToAJobThatIsNotOpenAreAConflict() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(2000)));

        assertThat(append(id, List.of(1)).status()).isEqualTo(409);
        assertThat(http.post("/v1/jobs/" + id + "/close", Map.of()).status()).isEqualTo(409);
        http.delete("/v1/jobs/" + id);
    }

    @Test
    void overFullOpenJobAnswersTooManyRequestsWithRetryAfter() {
        String id = submit(Map.of("function", "sleep", "open", true, "maxPending", 4));
        JsonNode status = status(id);
        assertThat(status.get("open").asBoolean()).isTrue();
        assertThat(status.get("maxPending").asInt()).isEqualTo(4);
        assertThat(append(id, Collections.nCopies(3, 2000)).status()).isEqualTo(200);

        Http.Reply refused = append(id, Collections.nCopies(2, 10));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:overloaded");
        assertThat(append(id, List.of(10)).status()).isEqualTo(200);
        assertThat(status(id).get("total").asInt()).isEqualTo(4);
        http.delete("/v1/jobs/" + id);
    }

    @Test
    void openJobResultsStreamAsBatchesArrive() {
        String id = submit(Map.of("function", "square", "open", true));
        append(id, List.of(2, 3));

        await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/v1/jobs/" + id + "/results").json().get("results").size() == 2);
        append(id, List.of(4));
        http.post("/v1/jobs/" + id + "/close", Map.of());
        Http.Reply stream = http.get("/v1/jobs/" + id + "/results/stream");

        assertThat(stream.body().lines().toList()).containsExactly("{\"index\":0,\"value\":4}", "{\"index\":1,\"value\":9}",
                "{\"index\":2,\"value\":16}", "{\"end\":true,\"state\":\"SUCCEEDED\",\"total\":3,\"completed\":3,\"failed\":0}");
    }

    @Test
    void openJobCannotBeAMapCall() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "square", "open", true));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("field").asString()).isEqualTo("open");
    }

    private Http.Reply append(String id, List<?> batch) {
        return http.post("/v1/jobs/" + id + "/inputs", batch);
    }
}
