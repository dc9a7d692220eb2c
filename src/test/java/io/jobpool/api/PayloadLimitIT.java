package io.jobpool.api;

import io.jobpool.config.LimitsProperties;
import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The body-size and items-per-job limits, with small limits so a test can cross them cheaply: a body
 * over {@code max-body-bytes} is a 413 problem whether its length is declared or chunked, and too many
 * inputs is a 413 naming {@code inputs}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "jobpool.limits.max-body-bytes=" + PayloadLimitIT.MAX_BODY_BYTES,
        "jobpool.limits.max-items-per-job=" + PayloadLimitIT.MAX_ITEMS})
class PayloadLimitIT extends ServerTest {

    static final int MAX_BODY_BYTES = 4096;
    static final int MAX_ITEMS = 10;

    @Autowired
    LimitsProperties limits;

    @Test
    void smallLimitsTakeEffect() {
        assertThat(limits.maxBodyBytes()).isEqualTo(MAX_BODY_BYTES);
        assertThat(limits.maxItemsPerJob()).isEqualTo(MAX_ITEMS);
    }

    @Test
    void bodyOverTheLimitWithContentLengthIsPayloadTooLarge() {
        String body = oversizedBody();

        Http.Reply reply = http.postRaw("/v1/jobs", body, "application/json");

        JsonNode problem = ProblemsIT.assertProblem(reply, ProblemType.PAYLOAD_TOO_LARGE);
        assertThat(problem.get("detail").asString()).contains(Integer.toString(MAX_BODY_BYTES));
        assertServerHealthy();
    }

    @Test
    void bodyOverTheLimitOnMapIsPayloadTooLarge() {
        Http.Reply reply = http.postRaw("/v1/map", oversizedBody(), "application/json");

        ProblemsIT.assertProblem(reply, ProblemType.PAYLOAD_TOO_LARGE);
        assertServerHealthy();
    }

    @Test
    void chunkedBodyOverTheLimitIsPayloadTooLarge() throws Exception {
        byte[] body = oversizedBody().getBytes(StandardCharsets.US_ASCII);
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/v1/jobs"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        assertThat(request.bodyPublisher().orElseThrow().contentLength()).as("no Content-Length: chunked").isNegative();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        Http.Reply reply = new Http.Reply(response.statusCode(), response.headers().map(), response.body());
        JsonNode problem = ProblemsIT.assertProblem(reply, ProblemType.PAYLOAD_TOO_LARGE);
        assertThat(problem.get("detail").asString()).contains(Integer.toString(MAX_BODY_BYTES));
        assertServerHealthy();
    }

    @Test
    void chunkedBodyUnderTheLimitStillWorks() throws Exception {
        byte[] body = "{\"function\":\"square\",\"inputs\":[1,2,3]}".getBytes(StandardCharsets.US_ASCII);
        HttpRequest request = HttpRequest.newBuilder(URI.create(http.base() + "/v1/map"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Http.JSON.readTree(response.body()).get("results").toString()).isEqualTo("[1,4,9]");
    }

    @Test
    void bodyJustUnderTheLimitStillWorks() {
        String body = paddedBody(MAX_BODY_BYTES - 16);
        assertThat(body.length()).isLessThanOrEqualTo(MAX_BODY_BYTES);

        Http.Reply reply = http.postRaw("/v1/map", body, "application/json");

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("results").toString()).isEqualTo("[1,4,9]");
    }

    @Test
    void inputsOverTheItemLimitArePayloadTooLargeNamingInputs() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("function", "square", "inputs", range(MAX_ITEMS + 1)));

        JsonNode problem = ProblemsIT.assertProblem(reply, ProblemType.PAYLOAD_TOO_LARGE, "inputs");
        assertThat(problem.get("detail").asString()).contains(Integer.toString(MAX_ITEMS));
    }

    @Test
    void inputsAtTheItemLimitAreAccepted() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "square", "inputs", range(MAX_ITEMS)));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("results").size()).isEqualTo(MAX_ITEMS);
    }

    /** A valid job whose body is about three times the limit. */
    private static String oversizedBody() {
        String inputs = IntStream.range(0, 3 * MAX_BODY_BYTES / 6).mapToObj(i -> "12345")
                .collect(Collectors.joining(","));
        String body = "{\"function\":\"square\",\"inputs\":[" + inputs + "]}";
        assertThat(body.length()).isGreaterThan(2 * MAX_BODY_BYTES);
        return body;
    }

    /** A job squaring 1, 2, 3, padded with whitespace to {@code length} bytes. */
    private static String paddedBody(int length) {
        String json = "{\"function\":\"square\",\"inputs\":[1,2,3]}";
        return json.substring(0, json.length() - 1) + " ".repeat(length - json.length()) + "}";
    }

    private void assertServerHealthy() {
        Http.Reply health = http.get("/actuator/health");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        Http.Reply map = http.post("/v1/map", Map.of("function", "square", "inputs", List.of(4)));
        assertThat(map.status()).as(map.toString()).isEqualTo(200);
        assertThat(map.json().get("results").toString()).isEqualTo("[16]");
    }
}
