package io.jobpool.ops;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real server that has done a bit of everything, so that every jobpool meter exists: jobs that
 * succeed, fail, are retried, are cancelled and are refused; CPU and I/O functions; CEL expressions
 * that evaluate, fail and do not compile; process functions; a cluster (of one member).
 */
abstract class MetricsServerTest extends ServerTest {

    /** Prometheus' text format, the one promtool and most scrapers read. */
    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    /** Test classes that have run the jobs already: once per class is enough, meters outlive jobs. */
    private static final Set<Class<?>> WARMED = ConcurrentHashMap.newKeySet();

    /**
     * Process functions, so their meters exist: {@code shell} answers each one-item chunk with 0 and is
     * replaced after every item (recycles), {@code unstartable} cannot start (crashes).
     */
    @DynamicPropertySource
    static void processFunctions(DynamicPropertyRegistry registry) {
        registry.add("jobpool.process-functions.shell.command",
                () -> "sh,-c,echo '{\"ready\": true}'; while read -r line; do echo '{\"values\": [0]}'; done");
        registry.add("jobpool.process-functions.shell.processes", () -> "1");
        registry.add("jobpool.process-functions.shell.max-items-per-process", () -> "1");
        registry.add("jobpool.process-functions.unstartable.command", () -> "/nonexistent/worker");
        registry.add("jobpool.process-functions.unstartable.processes", () -> "1");
    }

    /** A cluster of one member (on loopback), so that the cluster meters exist too. */
    @DynamicPropertySource
    static void clusterOfOne(DynamicPropertyRegistry registry) throws java.io.IOException {
        int port = io.jobpool.support.PackagedJar.freeMemberPort();
        registry.add("jobpool.cluster.enabled", () -> "true");
        registry.add("jobpool.cluster.address", () -> "127.0.0.1");
        registry.add("jobpool.cluster.port", () -> Integer.toString(port));
        registry.add("jobpool.cluster.members", () -> "127.0.0.1:" + port);
        registry.add("jobpool.cluster.name", () -> "metrics-" + port);
    }

    @BeforeEach
    void runEveryKindOfJob() {
        if (!WARMED.add(getClass())) {
            return;
        }
        assertThat(http.post("/v1/map", Map.of("function", "square", "inputs", range(100))).status()).isEqualTo(200);
        assertThat(http.post("/v1/map", Map.of("function", "sleep", "inputs", List.of(1, 1))).status()).isEqualTo(200);
        assertThat(http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(3), "attempts", 1),
                "retries", 1, "inputs", range(5))).status()).isEqualTo(200);
        assertThat(http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(2)),
                "inputs", range(5))).json().get("state").asString()).isEqualTo("FAILED");
        assertThat(http.post("/v1/map", Map.of("expression", "10 / x", "onError", "continue",
                "inputs", List.of(1, 0))).json().get("failed").asInt()).isEqualTo(1);
        assertThat(http.post("/v1/map", Map.of("expression", "x +", "inputs", List.of(1))).status()).isEqualTo(422);
        assertThat(http.post("/v1/jobs", Map.of("function", "no-such-function", "inputs", List.of(1))).status()).isEqualTo(422);

        assertThat(http.post("/v1/map", Map.of("function", "shell", "chunkSize", 1, "inputs", List.of(1, 2)))
                .json().get("results").toString()).isEqualTo("[0,0]");
        await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/functions/unstartable").json()
                .get("process").get("status").asString().equals("failing"));

        String slow = submit(Map.of("function", "sleep", "inputs", List.of(60_000)));
        assertThat(http.delete("/v1/jobs/" + slow).status()).isEqualTo(200);
        assertThat(awaitEnd(slow, Duration.ofSeconds(10)).get("state").asString()).isEqualTo("CANCELLED");
    }

    /** {@code /actuator/prometheus} in the text format. */
    protected String exposition() {
        Http.Reply reply = http.send("GET", "/actuator/prometheus", null, null, Map.of("Accept", TEXT_FORMAT));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("text/plain");
        return reply.body();
    }

    /** The names of the samples of an exposition, e.g. {@code jobpool_item_duration_seconds_bucket}. */
    protected static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
