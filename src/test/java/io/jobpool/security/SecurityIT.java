package io.jobpool.security;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** API keys and tenants: who may call, and that a tenant's jobs are its own. */
@TestPropertySource(properties = "jobpool.security.api-keys=alice-key-0123456789:alice")
@ExtendWith(OutputCaptureExtension.class)
class SecurityIT extends ServerTest {

    static final String ALICE = "alice-key-0123456789";
    static final String BOB = "bob-key-from-a-file-42";

    /** Bob's key comes from a file, as a mounted Secret would provide it. */
    @DynamicPropertySource
    static void keyFile(DynamicPropertyRegistry registry) throws IOException {
        Path file = Files.createTempFile("jobpool-keys", ".txt");
        Files.writeString(file, "# tenants of the test\n" + BOB + ":bob\n");
        registry.add("jobpool.security.api-keys-file", file::toString);
    }

    @Test
    void missingKeyIsUnauthorizedWithAChallenge() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("function", "square", "inputs", List.of(1)));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().get("type").asString()).isEqualTo("urn:jobpool:problem:unauthorized");
        assertThat(http.get("/v1/pool").status()).isEqualTo(401);
    }

    @Test
    void wrongKeyIsUnauthorizedAndNotEchoed() {
        Http.Reply reply = http.send("GET", "/v1/jobs", null, null, Map.of("Authorization", "Bearer not-a-real-key-at-all"));

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.body()).doesNotContain("not-a-real-key-at-all");
    }

    @Test
    void bearerAndApiKeyHeadersBothIdentifyTheTenant() {
        String id = as(ALICE, "POST", "/v1/jobs", Map.of("function", "square", "inputs", List.of(2))).json().get("id").asString();

        Http.Reply viaBearer = http.send("GET", "/v1/jobs/" + id, null, null, Map.of("Authorization", "Bearer " + ALICE));
        Http.Reply viaHeader = http.send("GET", "/v1/jobs/" + id, null, null, Map.of("X-API-Key", ALICE));

        assertThat(viaBearer.status()).isEqualTo(200);
        assertThat(viaHeader.status()).isEqualTo(200);
    }

    @Test
    void anotherTenantsJobIsNotFoundOnEveryEndpoint() {
        String id = as(ALICE, "POST", "/v1/jobs", Map.of("function", "sleep", "open", true, "inputs", List.of(10))).json()
                .get("id").asString();
        String jobs = "/v1/jobs/" + id;

        List<Http.Reply> bobs = List.of(
                as(BOB, "GET", jobs, null), as(BOB, "GET", jobs + "/results", null),
                as(BOB, "GET", jobs + "/results/stream", null), as(BOB, "GET", jobs + "/events", null),
                as(BOB, "POST", jobs + "/inputs", List.of(1)), as(BOB, "POST", jobs + "/close", null),
                as(BOB, "DELETE", jobs, null));

        for (Http.Reply reply : bobs) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(404);
            assertThat(reply.json().get("type").asString()).isEqualTo("urn:jobpool:problem:job-not-found");
        }
        assertThat(as(BOB, "GET", "/v1/jobs?limit=1000", null).json().get("jobs").findValuesAsString("id")).doesNotContain(id);
        assertThat(as(ALICE, "GET", "/v1/jobs?limit=1000", null).json().get("jobs").findValuesAsString("id")).contains(id);
        assertThat(as(ALICE, "GET", jobs, null).json().get("state").asString()).isEqualTo("OPEN");
        assertThat(as(ALICE, "DELETE", jobs, null).status()).isEqualTo(200);
    }

    @Test
    void healthStaysOpenWhileMetricsNeedAKey() {
        assertThat(http.get("/actuator/health").status()).isEqualTo(200);
        assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(http.get("/actuator/metrics").status()).isEqualTo(401);
        assertThat(http.get("/actuator/prometheus").status()).isEqualTo(401);
        assertThat(as(ALICE, "GET", "/actuator/metrics", null).status()).isEqualTo(200);
        assertThat(as(ALICE, "GET", "/actuator/prometheus", null).status()).isEqualTo(200);
    }

    @Test
    void onlyHealthInfoMetricsAndPrometheusAreExposed() {
        for (String endpoint : List.of("env", "heapdump", "threaddump", "configprops", "beans", "shutdown", "loggers", "mappings")) {
            Http.Reply get = as(ALICE, "GET", "/actuator/" + endpoint, null);
            Http.Reply post = as(ALICE, "POST", "/actuator/" + endpoint, null);
            assertThat(get.status()).as(endpoint).isEqualTo(404);
            assertThat(post.status()).as(endpoint).isIn(404, 405);
        }
    }

    @Test
    void keysNeverReachTheLog(CapturedOutput output) {
        as(ALICE, "POST", "/v1/map", Map.of("function", "square", "inputs", List.of(3)));
        as(BOB, "GET", "/v1/jobs", null);
        http.send("GET", "/v1/jobs", null, null, Map.of("Authorization", "Bearer a-wrong-key-for-the-log"));

        assertThat(output.getAll()).doesNotContain(ALICE, BOB, "a-wrong-key-for-the-log");
    }

    @Test
    void tenantsSeeOnlyTheirOwnJobsInTheList() {
        String alices = as(ALICE, "POST", "/v1/jobs", Map.of("function", "square", "inputs", List.of(1))).json().get("id").asString();
        String bobs = as(BOB, "POST", "/v1/jobs", Map.of("function", "square", "inputs", List.of(1))).json().get("id").asString();
        awaitEndAs(BOB, bobs);

        JsonNode list = as(BOB, "GET", "/v1/jobs?limit=1000", null).json();

        assertThat(list.get("jobs").findValuesAsString("id")).contains(bobs).doesNotContain(alices);
    }

    private void awaitEndAs(String key, String id) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                isTerminal(as(key, "GET", "/v1/jobs/" + id, null).json().get("state").asString()));
    }

    private Http.Reply as(String key, String method, String path, Object body) {
        return http.send(method, path, body == null ? null : Http.JSON.writeValueAsString(body),
                body == null ? null : "application/json", Map.of("Authorization", "Bearer " + key));
    }
}
