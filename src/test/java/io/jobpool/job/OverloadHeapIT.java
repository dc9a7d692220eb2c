package io.jobpool.job;

import io.jobpool.support.Http;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Overload under a small heap: the packaged service, started with {@code -Xmx256m} and a queue bound of
 * 200,000 items, is offered thirty times that at once by 20 concurrent submitters. It answers 429 with
 * {@code Retry-After} to what it cannot take, never a 5xx, does not run out of memory, stays healthy,
 * and every job it accepted ends SUCCEEDED with the right results.
 */
class OverloadHeapIT {

    static final int MAX_QUEUED_ITEMS = 200_000;
    static final int ITEMS_PER_JOB = 100_000;
    static final int SUBMITTERS = 20;
    static final int JOBS_PER_SUBMITTER = 3;

    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
    }

    record Accepted(String id, int first) {
    }

    @Test
    void tenTimesTheAdmissionLimitUnderASmallHeapIsRefusedWith429AndEveryAcceptedJobCompletes() throws Exception {
        int port = PackagedJar.freePort();
        Path log = Files.createTempFile("jobpool-overload-heap", ".log");
        server = new ProcessBuilder(PackagedJar.javaBinary(), "-Xmx256m", "-jar", PackagedJar.path().toString(), "--server.port=" + port,
                "--jobpool.limits.max-queued-items=" + MAX_QUEUED_ITEMS)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> http.get("/actuator/health").status() == 200); // generous: CI may share the cores
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + port;
        long offeredItems = (long) SUBMITTERS * JOBS_PER_SUBMITTER * ITEMS_PER_JOB;
        assertThat(offeredItems).isGreaterThanOrEqualTo(10L * MAX_QUEUED_ITEMS);

        Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
        AtomicInteger rejected = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicLong retryAfterSum = new AtomicLong();
        ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < SUBMITTERS; s++) {
            int submitter = s;
            done.add(submitters.submit(() -> {
                for (int j = 0; j < JOBS_PER_SUBMITTER; j++) {
                    int first = (submitter * JOBS_PER_SUBMITTER + j) * ITEMS_PER_JOB; // every job maps different numbers
                    byte[] body = ("{\"function\":\"square\",\"inputs\":" + IntStream.range(first, first + ITEMS_PER_JOB)
                            .mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")) + "}")
                            .getBytes(StandardCharsets.US_ASCII);
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                            .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
                    statuses.computeIfAbsent(response.statusCode(), k -> new AtomicInteger()).incrementAndGet();
                    if (response.statusCode() == 202) {
                        accepted.add(new Accepted(Http.JSON.readTree(response.body()).get("id").asString(), first));
                    } else if (response.statusCode() == 429) {
                        rejected.incrementAndGet();
                        String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
                        if (retryAfter == null || Long.parseLong(retryAfter) < 1
                                || !response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")
                                || Http.JSON.readTree(response.body()).get("status").asInt() != 429) {
                            wrong.add("429 without Retry-After or problem body: " + response.headers().map() + " " + response.body());
                        } else {
                            retryAfterSum.addAndGet(Long.parseLong(retryAfter));
                        }
                    } else {
                        wrong.add(response.statusCode() + " " + response.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        submitters.shutdown();
        long offerMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("OverloadHeapIT: offered %,d items (%dx the bound of %,d) in %d jobs over %d ms: %d accepted,"
                        + " %d refused with 429 (mean Retry-After %.1f s); statuses %s%n", offeredItems,
                offeredItems / MAX_QUEUED_ITEMS, MAX_QUEUED_ITEMS, SUBMITTERS * JOBS_PER_SUBMITTER, offerMillis,
                accepted.size(), rejected.get(), rejected.get() == 0 ? 0.0 : retryAfterSum.get() / (double) rejected.get(),
                new TreeMap<>(statuses));

        assertThat(wrong).as("answers other than 202 or a 429 problem with Retry-After").isEmpty();
        assertThat(rejected.get()).as("some submissions refused with 429").isPositive();
        assertThat(accepted).as("some submissions accepted").isNotEmpty();

        for (Accepted job : accepted) {
            JsonNode status = awaitEnd(http, job.id());
            assertThat(status.get("state").asString()).as(status.toString()).isEqualTo("SUCCEEDED");
            assertThat(status.get("total").asInt()).isEqualTo(ITEMS_PER_JOB);
            assertThat(status.get("completed").asInt()).isEqualTo(ITEMS_PER_JOB);
            assertThat(status.get("failed").asInt()).isZero();
            for (int index : new int[]{0, 1, 4_999, 50_000, 77_777, ITEMS_PER_JOB - 1}) {
                Http.Reply page = http.get("/v1/jobs/" + job.id() + "/results?offset=" + index + "&limit=1");
                assertThat(page.status()).as(page.toString()).isEqualTo(200);
                long input = job.first() + index;
                assertThat(page.json().get("results").get(0).asLong()).as("job %s item %d", job.id(), index)
                        .isEqualTo(input * input);
            }
            Http.Reply lastPage = http.get("/v1/jobs/" + job.id() + "/results?offset=" + (ITEMS_PER_JOB - 1000) + "&limit=100000");
            assertThat(lastPage.json().get("results").size()).isEqualTo(1000);
        }

        String output = Files.readString(log);
        assertThat(output).doesNotContain("OutOfMemoryError").doesNotContain("Unexpected error");
        assertThat(server.isAlive()).as("the server process is still running").isTrue();
        Http.Reply health = http.get("/actuator/health");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        Http.Reply map = http.post("/v1/map", Map.of("function", "square", "inputs", List.of(7)));
        assertThat(map.json().get("results").toString()).isEqualTo("[49]");
        System.out.printf("OverloadHeapIT: all %d accepted jobs SUCCEEDED with correct spot-checked results; no"
                + " OutOfMemoryError; health UP%n", accepted.size());
    }

    private static JsonNode awaitEnd(Http http, String id) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> !List.of("QUEUED", "RUNNING")
                .contains(http.get("/v1/jobs/" + id).json().get("state").asString()));
        return http.get("/v1/jobs/" + id).json();
    }



}
