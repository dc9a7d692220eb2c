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

/** A job's life over HTTP: paging, listing, cancel, timeout, retries, per-worker state. */
class JobLifecycleIT extends ServerTest {

    @Test
    void resultsArePagedInInputOrderWithNext() {
        String id = submit(Map.of("function", "square", "inputs", range(25)));
        awaitEnd(id, Duration.ofSeconds(10));

        JsonNode first = http.get("/v1/jobs/" + id + "/results?limit=10").json();
        JsonNode last = http.get("/v1/jobs/" + id + "/results?offset=20&limit=10").json();

        assertThat(first.get("results").toString()).isEqualTo("[0,1,4,9,16,25,36,49,64,81]");
        assertThat(first.get("next").asInt()).isEqualTo(10);
        assertThat(first.get("total").asInt()).isEqualTo(25);
        assertThat(last.get("results").toString()).isEqualTo("[400,441,484,529,576]");
        assertThat(last.get("next").isNull()).isTrue();
    }

    @Test
    void unfinishedJobPageStopsAtTheFirstItemNotDone() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(0, 3000, 0), "chunkSize", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> status(id).get("completed").asInt() == 2);

        JsonNode page = http.get("/v1/jobs/" + id + "/results").json();

        assertThat(page.get("state").asString()).isEqualTo("RUNNING");
        assertThat(page.get("results").toString()).isEqualTo("[0]");
        assertThat(page.get("next").asInt()).isEqualTo(1);
        http.delete("/v1/jobs/" + id);
    }

    @Test
    void listShowsNewestFirstAndFiltersByState() {
        String older = submit(Map.of("function", "square", "inputs", List.of(1)));
        String newer = submit(Map.of("function", "sleep", "inputs", List.of(5000)));

        JsonNode all = http.get("/v1/jobs?limit=2").json();
        JsonNode running = http.get("/v1/jobs?state=running&limit=1000").json();

        assertThat(all.get("jobs").findValuesAsString("id")).containsExactly(newer, older);
        assertThat(running.get("jobs").findValuesAsString("state")).containsOnly("RUNNING");
        assertThat(running.get("jobs").findValuesAsString("id")).contains(newer).doesNotContain(older);
        http.delete("/v1/jobs/" + newer);
    }

    @Test
    void cancelStopsNewChunksAndInterruptsRunningItems() {
        String id = submit(Map.of("function", "primes", "inputs", Collections.nCopies(50, 50_000_000), "chunkSize", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> status(id).get("state").asString().equals("RUNNING"));

        Http.Reply cancelled = http.delete("/v1/jobs/" + id);

        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().get("state").asString()).isEqualTo("CANCELLED");
        // each item would take minutes: the workers are free again only if the running ones were interrupted
        await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/v1/pool").json().get("busy").asInt() == 0);
        assertThat(status(id).get("completed").asInt()).isZero();
    }

    @Test
    void cancellingAnEndedJobIsAConflict() {
        String id = submit(Map.of("function", "square", "inputs", List.of(1, 2)));
        awaitEnd(id, Duration.ofSeconds(5));

        Http.Reply reply = http.delete("/v1/jobs/" + id);

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.json().get("type").asString()).isEqualTo("urn:jobpool:problem:job-state-conflict");
    }

    @Test
    void jobPastItsTimeoutEndsTimedOut() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(10_000, 10_000), "timeout", "PT0.3S"));

        JsonNode status = awaitEnd(id, Duration.ofSeconds(5));

        assertThat(status.get("state").asString()).isEqualTo("TIMED_OUT");
        assertThat(status.get("error").get("type").asString()).isEqualTo("TimedOut");
    }

    @Test
    void retriesGiveFlakyItemsAnotherChance() {
        Map<String, Object> flaky = Map.of("on", List.of(2, 4), "attempts", 2);

        JsonNode withRetries = http.post("/v1/map", Map.of("function", "fail", "params", flaky, "inputs", range(6),
                "retries", 2)).json();
        JsonNode withoutEnough = http.post("/v1/map", Map.of("function", "fail", "params", flaky, "inputs", range(6),
                "retries", 1, "onError", "continue")).json();

        assertThat(withRetries.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(withRetries.get("results").toString()).isEqualTo("[0,1,2,3,4,5]");
        assertThat(withoutEnough.get("failed").asInt()).isEqualTo(2);
    }

    @Test
    void perWorkerStateIsCreatedAtMostOncePerWorkerAndClosed() {
        int workers = http.get("/v1/pool").json().get("workers").asInt();
        double createdBefore = metric("jobpool.function.states.initialized", "function:sha256");
        double closedBefore = metric("jobpool.function.states.closed", "function:sha256");
        List<String> inputs = range(10_000).stream().map(i -> "item-" + i).toList();

        JsonNode result = http.post("/v1/map", Map.of("function", "sha256", "params", Map.of("rounds", 20),
                "inputs", inputs)).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        double created = metric("jobpool.function.states.initialized", "function:sha256") - createdBefore;
        assertThat(created).isBetween(1.0, (double) workers);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("jobpool.function.states.closed", "function:sha256") - closedBefore).isEqualTo(created));
    }

    @Test
    void poolReportsWorkersSizedToTheCores() {
        JsonNode pool = http.get("/v1/pool").json();

        assertThat(pool.get("workers").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(pool.get("maxQueuedItems").asLong()).isGreaterThanOrEqualTo(1_000_000);
    }
}
