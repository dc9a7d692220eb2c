package io.jobpool.security;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Quotas per tenant, fair share between tenants, and idempotent submissions. */
@TestPropertySource(properties = {
        "jobpool.security.api-keys=noisy-key-0123456789:noisy,quiet-key-0123456789:quiet,small-key-0123456789:small",
        "jobpool.quotas.tenants.small.max-queued-items=50",
        "jobpool.quotas.tenants.small.max-open-jobs=1"})
class TenantFairnessIT extends ServerTest {

    static final String NOISY = "noisy-key-0123456789";
    static final String QUIET = "quiet-key-0123456789";
    static final String SMALL = "small-key-0123456789";

    @Test
    void oneTenantsManyBigJobsDoNotStarveAnothersSmallOne() {
        List<String> big = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            big.add(submitAs(NOISY, Map.of("function", "primes", "inputs", Collections.nCopies(40, 300_000))));
        }
        long noisyBefore = completed(big);
        String small = submitAs(QUIET, Map.of("function", "primes", "inputs", Collections.nCopies(4, 300_000)));

        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> "SUCCEEDED".equals(statusAs(QUIET, small).get("state").asString()));
        long noisyMeanwhile = completed(big) - noisyBefore;

        // Job-by-job round-robin would give the quiet job 1 chunk in 11, so the noisy tenant would finish
        // about 40 items meanwhile; tenant-first fairness gives the quiet tenant every other chunk.
        assertThat(noisyMeanwhile).isLessThan(20);
        big.forEach(id -> as(NOISY, "DELETE", "/v1/jobs/" + id, null));
    }

    @Test
    void submissionPastTheTenantsQuotaIsTooManyRequests() {
        String running = submitAs(SMALL, Map.of("function", "sleep", "inputs", Collections.nCopies(40, 5_000)));

        Http.Reply refused = as(SMALL, "POST", "/v1/jobs", Map.of("function", "square", "inputs", range(20)));
        Http.Reply otherTenant = as(QUIET, "POST", "/v1/jobs", Map.of("function", "square", "inputs", range(20)));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:quota-exceeded");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
        assertThat(otherTenant.status()).isEqualTo(202);
        as(SMALL, "DELETE", "/v1/jobs/" + running, null);
    }

    @Test
    void openJobsPastTheTenantsQuotaAreTooManyRequests() {
        String open = submitAs(SMALL, Map.of("function", "square", "open", true));

        Http.Reply second = as(SMALL, "POST", "/v1/jobs", Map.of("function", "square", "open", true));

        assertThat(second.status()).isEqualTo(429);
        assertThat(second.json().get("type").asString()).isEqualTo("urn:jobpool:problem:quota-exceeded");
        as(SMALL, "POST", "/v1/jobs/" + open + "/close", null);
    }

    @Test
    void sameIdempotencyKeyReturnsTheSameJob() {
        Map<String, Object> job = Map.of("function", "square", "inputs", List.of(1, 2, 3));

        Http.Reply first = withKey(QUIET, "order-17", job);
        Http.Reply again = withKey(QUIET, "order-17", job);
        Http.Reply otherTenant = withKey(NOISY, "order-17", job);

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(otherTenant.json().get("id").asString()).isNotEqualTo(first.json().get("id").asString());
    }

    @Test
    void sameIdempotencyKeyWithAnotherBodyIsUnprocessable() {
        withKey(QUIET, "order-18", Map.of("function", "square", "inputs", List.of(1)));

        Http.Reply reused = withKey(QUIET, "order-18", Map.of("function", "square", "inputs", List.of(2)));

        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:idempotency-key-reused");
    }

    @Test
    void idempotentMapWaitsOnTheSameJob() {
        Map<String, Object> job = Map.of("function", "square", "inputs", List.of(4));
        Map<String, String> headers = Map.of("Authorization", "Bearer " + QUIET, "Idempotency-Key", "map-1");

        Http.Reply first = http.send("POST", "/v1/map", Http.JSON.writeValueAsString(job), "application/json", headers);
        Http.Reply again = http.send("POST", "/v1/map", Http.JSON.writeValueAsString(job), "application/json", headers);

        assertThat(again.json().get("jobId").asString()).isEqualTo(first.json().get("jobId").asString());
        assertThat(again.json().get("results").toString()).isEqualTo("[16]");
    }

    private long completed(List<String> jobs) {
        return jobs.stream().mapToLong(id -> statusAs(NOISY, id).get("completed").asLong()).sum();
    }

    private Http.Reply withKey(String key, String idempotencyKey, Object body) {
        return http.send("POST", "/v1/jobs", Http.JSON.writeValueAsString(body), "application/json",
                Map.of("Authorization", "Bearer " + key, "Idempotency-Key", idempotencyKey));
    }

    private String submitAs(String key, Map<String, Object> job) {
        Http.Reply reply = as(key, "POST", "/v1/jobs", job);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
        return reply.json().get("id").asString();
    }

    private JsonNode statusAs(String key, String id) {
        return as(key, "GET", "/v1/jobs/" + id, null).json();
    }

    private Http.Reply as(String key, String method, String path, Object body) {
        return http.send(method, path, body == null ? null : Http.JSON.writeValueAsString(body),
                body == null ? null : "application/json", Map.of("Authorization", "Bearer " + key));
    }
}
