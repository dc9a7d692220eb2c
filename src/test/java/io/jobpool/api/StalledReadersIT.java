package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.LineStream;
import io.jobpool.support.ServerTest;
import io.jobpool.support.SlowReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limits of a stream (a short stall timeout and a small budget here, so that a stalled reader is
 * found quickly): a reader that stops reading is cut and resumes with nothing lost or repeated, one that
 * keeps taking its budget is not cut, and streams beyond {@code max-open} are refused with 429.
 */
@TestPropertySource(properties = {"jobpool.streams.stall-timeout=1s", "jobpool.streams.write-budget=8KB",
        "jobpool.streams.max-open=4"})
class StalledReadersIT extends ServerTest {

    /** Enough results that no reader gets near the end while the test runs (about 8 MB of lines). */
    private static final int BIG_JOB_ITEMS = 200_000;

    private final List<SlowReader> readers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService readerClock = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void hangUp() {
        readerClock.shutdownNow();
        readers.forEach(SlowReader::close);
    }

    @Test
    void streamsBeyondMaxOpenAreRefusedWithRetryAfter() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(5000)));
        List<LineStream> open = IntStream.range(0, 4)
                .mapToObj(i -> LineStream.open(http.base(), "/v1/jobs/" + id + (i % 2 == 0 ? "/events" : "/results/stream")))
                .toList();
        await().atMost(Duration.ofSeconds(5)).until(() -> metric("jobpool.streams.active", "kind:results")
                + metric("jobpool.streams.active", "kind:events") == 4);

        Http.Reply refused = http.get("/v1/jobs/" + id + "/results/stream");

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:overloaded");
        assertThat(refused.json().get("detail").asString()).contains("jobpool.streams.max-open");
        assertThat(refused.header("Retry-After")).isEqualTo("5");
        open.forEach(LineStream::cancel);
        http.delete("/v1/jobs/" + id);
    }

    @Test
    void readerThatStopsReadingIsCutAndResumesWithNothingLostOrRepeated() {
        String id = bigFinishedJob();
        double cutBefore = metric("jobpool.streams.cut", "reason:stalled");
        SlowReader stalled = readerOf(id);

        Instant start = Instant.now();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                metric("jobpool.streams.cut", "reason:stalled") > cutBefore);
        Duration cutAfter = Duration.between(start, Instant.now());
        stalled.drain(); // the reader wakes up: it gets what was sent, then the end of the response
        List<String> received = stalled.bodyLines();
        List<JsonNode> firstPart = received.stream().map(line -> Http.JSON.readTree(line)).toList();
        int from = firstPart.size();
        List<String> rest = LineStream.open(http.base(), "/v1/jobs/" + id + "/results/stream?from=" + from)
                .awaitAll(Duration.ofSeconds(30));
        System.out.printf("a reader that stopped reading was cut %d ms after it connected (stall timeout 1 s),"
                + " after %d lines; it resumed with from=%d%n", cutAfter.toMillis(), from, from);

        assertThat(stalled.statusLine()).contains("200");
        assertThat(firstPart).as("cut before the end").noneMatch(line -> line.has("end")).isNotEmpty();
        assertThat(from).isLessThan(BIG_JOB_ITEMS);
        List<Integer> indexes = new ArrayList<>(firstPart.stream().map(line -> line.get("index").asInt()).toList());
        List<JsonNode> restLines = rest.stream().map(line -> Http.JSON.readTree(line)).toList();
        restLines.stream().filter(line -> line.has("index")).forEach(line -> indexes.add(line.get("index").asInt()));
        assertThat(indexes).containsExactlyElementsOf(range(BIG_JOB_ITEMS));
        assertThat(restLines.get(restLines.size() - 1).get("end").asBoolean()).isTrue();
    }

    @Test
    void readerThatKeepsTakingItsBudgetInTimeIsNotCut() {
        double cutBefore = metric("jobpool.streams.cut", "reason:stalled");
        SlowReader steady = readerOf(bigFinishedJob());
        // 5 KB every 100 ms: 50 KB/s, several 8 KB budgets in each 1 s stall timeout
        readerClock.scheduleAtFixedRate(() -> steady.take(5 * 1024), 0, 100, TimeUnit.MILLISECONDS);

        // 150 KB at 50 KB/s take three stall timeouts at least
        await().atMost(Duration.ofSeconds(20)).until(() -> steady.receivedBytes() > 150 * 1024 || steady.isClosedByServer());

        assertThat(steady.isClosedByServer()).isFalse();
        assertThat(metric("jobpool.streams.cut", "reason:stalled")).isEqualTo(cutBefore);
    }

    /** A job whose 200,000 results are all ready: a stream of it writes until its reader's socket is full. */
    private String bigFinishedJob() {
        String id = submit(Map.of("function", "square", "inputs", range(BIG_JOB_ITEMS)));
        awaitEnd(id, Duration.ofSeconds(60));
        return id;
    }

    /** A reader of the job's result stream through a 4 KB receive buffer, taking nothing until told to. */
    private SlowReader readerOf(String id) {
        SlowReader reader = SlowReader.open(port, "/v1/jobs/" + id + "/results/stream", 4096);
        readers.add(reader);
        return reader;
    }
}
