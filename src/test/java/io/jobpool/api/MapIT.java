package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pool.map} and {@code map_async} over HTTP, with every built-in function. */
class MapIT extends ServerTest {

    @Test
    void mapReturnsResultsInInputOrder() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "square", "inputs", range(1000)));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(body.get("results").size()).isEqualTo(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(body.get("results").get(i).asLong()).isEqualTo((long) i * i);
        }
        assertThat(body.get("errors").size()).isZero();
    }

    @Test
    void squareStaysExactBeyondSixtyFourBits() {
        Http.Reply reply = http.postRaw("/v1/map",
                "{\"function\":\"square\",\"inputs\":[9223372036854775807, 123456789012345678901234567890]}", "application/json");

        assertThat(reply.body()).contains("85070591730234615847396907784232501249",
                new BigInteger("123456789012345678901234567890").pow(2).toString());
    }

    @Test
    void sha256HashesRoundsTimesLikeThePeer() throws Exception {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "sha256", "params", Map.of("rounds", 3),
                "inputs", List.of("item-0", "héllo")));

        JsonNode results = reply.json().get("results");
        assertThat(results.get(0).asString()).isEqualTo(sha256Rounds("item-0", 3));
        assertThat(results.get(1).asString()).isEqualTo(sha256Rounds("héllo", 3));
    }

    @Test
    void primesCountsByTrialDivision() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "primes", "inputs", List.of(0, 1, 2, 10, 20000)));

        assertThat(reply.json().get("results").toString()).isEqualTo("[0,0,1,4,2262]");
    }

    @Test
    void starmapSpreadsArgumentLists() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "pow", "inputs", List.of(List.of(2, 10), List.of(3, 3), List.of(2, 100))));

        assertThat(reply.json().get("results").toString()).isEqualTo("[1024,27," + BigInteger.TWO.pow(100) + "]");
    }

    @Test
    void failedItemReachesTheCallerWithIndexTypeAndMessage() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(7)),
                "inputs", range(10), "chunkSize", 1));

        JsonNode body = reply.json();
        assertThat(body.get("state").asString()).isEqualTo("FAILED");
        assertThat(body.get("error").get("index").asInt()).isEqualTo(7);
        assertThat(body.get("error").get("type").asString()).isEqualTo("InjectedFailure");
        assertThat(body.get("error").get("message").asString()).contains("7");
        assertThat(body.get("errors").get(0).get("index").asInt()).isEqualTo(7);
    }

    @Test
    void continueGivesEveryItemAValueOrAnError() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(1, 3)),
                "inputs", range(5), "onError", "continue"));

        JsonNode body = reply.json();
        assertThat(body.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(body.get("results").toString()).isEqualTo("[0,null,2,null,4]");
        assertThat(body.get("errors").findValuesAsString("type")).containsExactly("InjectedFailure", "InjectedFailure");
        assertThat(body.get("failed").asInt()).isEqualTo(2);
    }

    @Test
    void mapAnswers202WithLocationWhenTheWaitExpires() {
        Http.Reply reply = http.post("/v1/map?waitSeconds=0", Map.of("function", "sleep", "inputs", List.of(300, 300)));

        assertThat(reply.status()).isEqualTo(202);
        String id = reply.json().get("id").asString();
        assertThat(reply.header("Location")).isEqualTo("/v1/jobs/" + id);
        assertThat(awaitEnd(id, Duration.ofSeconds(10)).get("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void asyncJobCanBePolledToTheEnd() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(50, 50, 50, 50)));

        JsonNode status = awaitEnd(id, Duration.ofSeconds(10));

        assertThat(status.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(status.get("completed").asInt()).isEqualTo(4);
        assertThat(status.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(status.get("startedAt").isNull()).isFalse();
        assertThat(status.get("finishedAt").isNull()).isFalse();
        assertThat(http.get("/v1/jobs/" + id + "/results").json().get("results").toString()).isEqualTo("[50,50,50,50]");
    }

    @Test
    void emptyInputsSucceedAtOnce() {
        Http.Reply reply = http.post("/v1/map", Map.of("function", "square", "inputs", List.of()));

        assertThat(reply.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(reply.json().get("results").size()).isZero();
    }

    private static String sha256Rounds(String text, int rounds) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < rounds; i++) {
            bytes = MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        return HexFormat.of().formatHex(bytes);
    }
}
