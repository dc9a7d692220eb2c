package io.jobpool.support;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Base of the real-server tests: the whole service on a random port, spoken to over HTTP. Tests that
 * share this configuration share one running server (Spring caches the context).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ServerTest {

    @LocalServerPort
    protected int port;

    protected Http http;

    @BeforeEach
    void connect() {
        http = new Http(port);
    }

    /** Submits a job and returns its id, asserting the 202 and Location. */
    protected String submit(Map<String, Object> job) {
        Http.Reply reply = http.post("/v1/jobs", job);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
        String id = reply.json().get("id").asString();
        assertThat(reply.header("Location")).isEqualTo("/v1/jobs/" + id);
        return id;
    }

    protected JsonNode status(String id) {
        Http.Reply reply = http.get("/v1/jobs/" + id);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }

    /** Waits for the job to reach a terminal state and returns its status. */
    protected JsonNode awaitEnd(String id, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(20))
                .until(() -> isTerminal(status(id).get("state").asString()));
        return status(id);
    }

    protected static boolean isTerminal(String state) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT").contains(state);
    }

    protected static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    /** Reads a metric's total ({@code COUNT} or {@code VALUE}) through the actuator. */
    protected double metric(String name, String... tags) {
        StringBuilder path = new StringBuilder("/actuator/metrics/" + name);
        for (int i = 0; i < tags.length; i++) {
            path.append(i == 0 ? "?" : "&").append("tag=").append(tags[i]);
        }
        Http.Reply reply = http.get(path.toString());
        if (reply.status() == 404) {
            return 0;
        }
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json().get("measurements").get(0).get("value").asDouble();
    }
}
