package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.LineStream;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many open streams at once: each is its own connection, none holds a thread while it waits, every
 * client gets all of its lines, the rest of the API stays responsive, and a client that hangs up is
 * let go while its job still runs.
 */
class ManyStreamsIT extends ServerTest {

    private static final double MB = 1024 * 1024;

    @Test
    void twoHundredConcurrentStreamsAllGetCompleteOutputWhileStatusStaysFast() {
        int jobCount = 20;
        int clientsPerJob = 10;
        int items = 20;
        double heapBefore = metric("jvm.memory.used", "area:heap");
        double threadsBefore = metric("jvm.threads.live");
        double activeBefore = metric("jobpool.streams.active", "kind:results");
        List<List<Integer>> inputs = IntStream.range(0, jobCount).mapToObj(job -> IntStream.range(0, items)
                // item 0 is the slowest, so that every stream is still open when the last client connects
                .map(i -> i == 0 ? 3000 : 50 + (i * 37 + job * 11) % 450).boxed().toList()).toList();
        List<String> ids = inputs.stream().map(in -> submit(Map.of("function", "sleep", "inputs", in, "chunkSize", 1))).toList();

        long opening = System.nanoTime();
        List<LineStream> streams = new ArrayList<>();
        for (int client = 0; client < jobCount * clientsPerJob; client++) {
            String order = client % 2 == 0 ? "input" : "completion";
            streams.add(LineStream.open(http.base(), "/v1/jobs/" + ids.get(client % jobCount) + "/results/stream?order=" + order));
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(metric("jobpool.streams.active", "kind:results") - activeBefore).as("streams open")
                        .isGreaterThanOrEqualTo(streams.size()));
        System.out.printf("ManyStreamsIT: %d streams open after %d ms%n", streams.size(), (System.nanoTime() - opening) / 1_000_000);
        double heapDuring = metric("jvm.memory.used", "area:heap");
        double threadsDuring = metric("jvm.threads.live");
        String threadsByPool = threadsByPool();
        List<Long> latencies = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            long start = System.nanoTime();
            Http.Reply reply = http.get("/v1/jobs/" + ids.get(latencies.size() % jobCount));
            latencies.add((System.nanoTime() - start) / 1_000_000);
            assertThat(reply.status()).isEqualTo(200);
            return streams.stream().allMatch(LineStream::isClosed);
        });

        for (int client = 0; client < streams.size(); client++) {
            List<Integer> expected = inputs.get(client % jobCount);
            List<JsonNode> lines = streams.get(client).awaitAll(Duration.ofSeconds(5)).stream()
                    .map(line -> Http.JSON.readTree(line)).toList();
            // keep-alive lines may come on any stream that is quiet for a heartbeat: only items count
            List<JsonNode> itemLines = lines.stream().filter(line -> line.has("index")).toList();
            List<Integer> indexes = itemLines.stream().map(line -> line.get("index").asInt()).toList();
            if (client % 2 == 0) {
                assertThat(indexes).as("client %d (input order)", client).containsExactlyElementsOf(range(items));
            } else {
                assertThat(indexes).as("client %d (completion order)", client).containsExactlyInAnyOrderElementsOf(range(items));
            }
            assertThat(itemLines).allSatisfy(line ->
                    assertThat(line.get("value").asInt()).isEqualTo(expected.get(line.get("index").asInt())));
            JsonNode end = lines.get(lines.size() - 1);
            assertThat(end.get("end").asBoolean()).as("client %d ends with the end line", client).isTrue();
            assertThat(end.get("state").asString()).isEqualTo("SUCCEEDED");
            assertThat(end.get("completed").asInt()).isEqualTo(items);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("jobpool.streams.active", "kind:results") == activeBefore);
        double heapAfter = metric("jvm.memory.used", "area:heap");
        double threadsAfter = metric("jvm.threads.live");
        List<Long> sorted = latencies.stream().sorted().toList();
        long max = sorted.get(sorted.size() - 1);
        System.out.printf("ManyStreamsIT: %d concurrent streams on %d jobs; GET /v1/jobs/{id} while streaming: "
                        + "%d samples, median %d ms, p90 %d ms, max %d ms; heap used before %.1f MB, with all streams open "
                        + "%.1f MB, after %.1f MB; live threads before %.0f, with all streams open %.0f, after %.0f "
                        + "(server and test client share the JVM)%n", streams.size(), jobCount, sorted.size(),
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() * 9 / 10), max, heapBefore / MB, heapDuring / MB,
                heapAfter / MB, threadsBefore, threadsDuring, threadsAfter);
        System.out.println("ManyStreamsIT: threads by name while all streams were open: " + threadsByPool);
        assertThat(max).as("slowest status request while %d streams were open, ms", streams.size()).isLessThan(2000);
    }

    /** Live threads grouped by name without their number, e.g. {@code http-nio-exec=42}, for the printout. */
    private static String threadsByPool() {
        return Thread.getAllStackTraces().keySet().stream()
                .collect(java.util.stream.Collectors.groupingBy(thread -> thread.getName().replaceAll("[-#]?\\d+", ""),
                        java.util.TreeMap::new, java.util.stream.Collectors.counting())).toString();
    }

    @Test
    void streamsOfClientsThatHangUpAreClosedWhileTheJobStillRuns() {
        double resultsBefore = metric("jobpool.streams.active", "kind:results");
        double eventsBefore = metric("jobpool.streams.active", "kind:events");
        // 32 I/O threads, 100 ms items: lines keep coming for about 10 s
        String id = submit(Map.of("function", "sleep", "inputs", Collections.nCopies(3000, 100), "chunkSize", 1));
        List<LineStream> results = IntStream.range(0, 20).mapToObj(client -> LineStream.open(http.base(),
                "/v1/jobs/" + id + "/results/stream?order=" + (client % 2 == 0 ? "input" : "completion"))).toList();
        List<LineStream> events = IntStream.range(0, 5).mapToObj(client ->
                LineStream.open(http.base(), "/v1/jobs/" + id + "/events")).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> results.stream().allMatch(stream -> stream.lines().size() >= 2)
                && events.stream().allMatch(stream -> stream.lines().size() >= 6));
        assertThat(metric("jobpool.streams.active", "kind:results")).isEqualTo(resultsBefore + 20);
        assertThat(metric("jobpool.streams.active", "kind:events")).isEqualTo(eventsBefore + 5);

        results.forEach(LineStream::cancel);
        events.forEach(LineStream::cancel);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(metric("jobpool.streams.active", "kind:results")).isEqualTo(resultsBefore);
            assertThat(metric("jobpool.streams.active", "kind:events")).isEqualTo(eventsBefore);
        });
        assertThat(status(id).get("state").asString()).as("the streams were let go before the job ended").isEqualTo("RUNNING");
        http.delete("/v1/jobs/" + id);
    }
}
