package io.jobpool.ops;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code logging.structured.format.console=ecs} every console line is a JSON document, and a
 * job's life is told in lines carrying its id and tenant as fields, without its inputs, results or
 * the caller's key.
 */
@TestPropertySource(properties = {"logging.structured.format.console=ecs",
        "jobpool.security.api-keys=" + StructuredLogIT.KEY + ":team"})
@ExtendWith(OutputCaptureExtension.class)
class StructuredLogIT extends ServerTest {

    static final String KEY = "some-test-key-1234567890";

    /** Inputs and results no log line may contain. */
    private static final List<Long> INPUTS = List.of(7_391_824_651L, 5_829_137_467L);

    @Test
    void jobLifecycleIsLoggedAsJsonWithJobIdAndTenant(CapturedOutput output) {
        String id = submitAndAwaitEnd();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(event(output, id, "ended")).isNotNull());
        JsonNode submitted = event(output, id, "submitted");
        JsonNode ended = event(output, id, "ended");

        assertThat(submitted).as("submitted line of job " + id).isNotNull();
        assertThat(submitted.get("tenant").asString()).isEqualTo("team");
        assertThat(submitted.get("function").asString()).isEqualTo("square");
        assertThat(ended.get("tenant").asString()).isEqualTo("team");
        assertThat(ended.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(ended.get("log.level") != null ? ended.get("log.level").asString()
                : ended.path("log").path("level").asString()).isEqualTo("INFO");
        assertThat(ended.path("service").path("version").asString()).as("the service's own version, not a test runner's")
                .isEqualTo(Objects.requireNonNull(System.getProperty("project.version"),
                        "the build passes project.version to the tests (failsafe's systemPropertyVariables)"));
    }

    @Test
    void consoleLinesAreJsonWithoutInputsResultsOrKeys(CapturedOutput output) {
        String id = submitAndAwaitEnd();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(event(output, id, "ended")).isNotNull());

        List<String> lines = output.getOut().lines().filter(line -> !line.isBlank()).toList();

        assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(Http.JSON.readTree(line).isObject()).isTrue());
        for (long input : INPUTS) {
            assertThat(output.getAll()).doesNotContain(Long.toString(input), new java.math.BigInteger(Long.toString(input)).pow(2).toString());
        }
        assertThat(output.getAll()).doesNotContain(KEY);
    }

    private String submitAndAwaitEnd() {
        Http.Reply reply = authorized("POST", "/v1/jobs", Http.JSON.writeValueAsString(Map.of("function", "square", "inputs", INPUTS)));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
        String id = reply.json().get("id").asString();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                isTerminal(authorized("GET", "/v1/jobs/" + id, null).json().get("state").asString()));
        return id;
    }

    private Http.Reply authorized(String method, String path, String body) {
        return http.send(method, path, body, "application/json", Map.of("Authorization", "Bearer " + KEY));
    }

    /** The JSON line of the job's lifecycle event, or null. */
    private static JsonNode event(CapturedOutput output, String jobId, String event) {
        List<JsonNode> matches = new ArrayList<>();
        for (String line : output.getOut().lines().toList()) {
            if (line.startsWith("{") && line.contains(jobId)) {
                JsonNode json = Http.JSON.readTree(line);
                if (jobId.equals(json.path("jobId").asString(null)) && event.equals(json.path("jobEvent").asString(null))) {
                    matches.add(json);
                }
            }
        }
        assertThat(matches).as(event + " lines of job " + jobId).hasSizeLessThanOrEqualTo(1);
        return matches.isEmpty() ? null : matches.get(0);
    }
}
