package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.LineStream;
import io.jobpool.support.ServerTest;
import io.jobpool.support.Sse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live views of a job over HTTP: the NDJSON result stream ({@code imap} / {@code imap_unordered}) and
 * the Server-Sent Events progress stream, read line by line as a streaming client reads them.
 */
class StreamsIT extends ServerTest {

    private static final Duration STREAM_WITHIN = Duration.ofSeconds(20);

    // ---- NDJSON result streams

    @Test
    void inputOrderStreamOfARunningJobWritesEveryItemInIndexOrderThenTheEndLine() {
        List<Integer> inputs = List.of(600, 20, 400, 0, 250, 10, 500, 50, 150, 0, 300, 5);
        String id = submit(Map.of("function", "sleep", "inputs", inputs, "chunkSize", 1));

        LineStream stream = openResults(id, "input", 0);
        assertThat(status(id).get("state").asString()).as("the job is still running when the stream opens")
                .isIn("QUEUED", "RUNNING");
        List<JsonNode> lines = json(stream.awaitAll(STREAM_WITHIN));

        List<JsonNode> items = items(lines);
        assertThat(items).extracting(line -> line.get("index").asInt()).containsExactlyElementsOf(range(inputs.size()));
        assertThat(items).extracting(line -> line.get("value").asInt()).containsExactlyElementsOf(inputs);
        assertEndLine(lines, "SUCCEEDED", inputs.size(), 0);
        assertThat(stream.response(STREAM_WITHIN).headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/x-ndjson"));
    }

    @Test
    void completionOrderStreamStartsWithTheFirstItemDoneAndWritesLinesWhileTheJobRuns() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(1500, 10, 10, 10), "chunkSize", 1));

        LineStream stream = openResults(id, "completion", 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> items(json(stream.lines())).size() == 3);
        String stateWhileStreaming = status(id).get("state").asString();
        List<JsonNode> lines = json(stream.awaitAll(STREAM_WITHIN));

        assertThat(stateWhileStreaming).as("three lines arrived before the slow item was done").isEqualTo("RUNNING");
        List<Integer> indexes = indexes(items(lines));
        assertThat(indexes.get(0)).isNotZero();
        assertThat(indexes.get(3)).isZero();
        assertThat(indexes).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertEndLine(lines, "SUCCEEDED", 4, 0);
    }

    @Test
    void streamOfAFinishedJobWritesAllItsResultsAndEnds() {
        String id = submit(Map.of("function", "square", "inputs", range(10_000)));
        awaitEnd(id, Duration.ofSeconds(10));

        List<JsonNode> inInputOrder = json(openResults(id, "input", 0).awaitAll(STREAM_WITHIN));
        List<JsonNode> inCompletionOrder = json(openResults(id, "completion", 0).awaitAll(STREAM_WITHIN));

        assertThat(indexes(items(inInputOrder))).containsExactlyElementsOf(range(10_000));
        assertThat(items(inInputOrder)).allSatisfy(line ->
                assertThat(line.get("value").asLong()).isEqualTo((long) line.get("index").asInt() * line.get("index").asInt()));
        assertEndLine(inInputOrder, "SUCCEEDED", 10_000, 0);
        assertThat(indexes(items(inCompletionOrder))).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(range(10_000));
        assertEndLine(inCompletionOrder, "SUCCEEDED", 10_000, 0);
    }

    @Test
    void streamOfAQueuedJobWaitsForItToStartAndThenWritesEverything() {
        String blocker = occupyTheIoPool(1500);
        String id = submit(Map.of("function", "sleep", "inputs", List.of(30, 10, 20), "chunkSize", 1));

        LineStream inputOrder = openResults(id, "input", 0);
        LineStream completionOrder = openResults(id, "completion", 0);
        assertThat(status(id).get("state").asString()).as("queued behind the blocker").isEqualTo("QUEUED");
        List<JsonNode> inInputOrder = json(inputOrder.awaitAll(STREAM_WITHIN));
        List<JsonNode> inCompletionOrder = json(completionOrder.awaitAll(STREAM_WITHIN));

        assertThat(indexes(items(inInputOrder))).containsExactly(0, 1, 2);
        assertThat(items(inInputOrder)).extracting(line -> line.get("value").asInt()).containsExactly(30, 10, 20);
        assertEndLine(inInputOrder, "SUCCEEDED", 3, 0);
        assertThat(indexes(items(inCompletionOrder))).containsExactlyInAnyOrder(0, 1, 2);
        assertEndLine(inCompletionOrder, "SUCCEEDED", 3, 0);
        awaitEnd(blocker, Duration.ofSeconds(10));
    }

    @Test
    void failedItemsAreErrorLinesWhenTheJobContinuesPastErrors() {
        String id = submit(Map.of("function", "fail", "params", Map.of("on", List.of(1, 3)), "inputs", range(5),
                "onError", "continue", "chunkSize", 1));

        List<JsonNode> lines = json(openResults(id, "input", 0).awaitAll(STREAM_WITHIN));

        List<JsonNode> items = items(lines);
        assertThat(indexes(items)).containsExactly(0, 1, 2, 3, 4);
        for (int index : List.of(0, 2, 4)) {
            assertThat(items.get(index).get("value").asInt()).isEqualTo(index);
            assertThat(items.get(index).has("error")).isFalse();
        }
        for (int index : List.of(1, 3)) {
            JsonNode error = items.get(index).get("error");
            assertThat(items.get(index).has("value")).isFalse();
            assertThat(error.get("type").asString()).isEqualTo("InjectedFailure");
            assertThat(error.get("message").asString()).contains(" " + index + " ").contains("listed in params.on");
        }
        JsonNode status = status(id);
        assertEndLine(lines, status.get("state").asString(), 5, 2);
    }

    @Test
    void resumingFromNInInputOrderContinuesWithItemNAndMissesNothing() {
        List<Integer> inputs = Stream.iterate(100, ms -> ms + 60).limit(20).toList();
        String id = submit(Map.of("function", "sleep", "inputs", inputs, "chunkSize", 1));
        List<JsonNode> firstPart = readSomeThenHangUp(openResults(id, "input", 0), 3);

        List<JsonNode> rest = json(openResults(id, "input", firstPart.size()).awaitAll(STREAM_WITHIN));

        assertThat(indexes(items(rest)).get(0)).isEqualTo(firstPart.size());
        List<Integer> all = new ArrayList<>(indexes(firstPart));
        all.addAll(indexes(items(rest)));
        assertThat(all).containsExactlyElementsOf(range(inputs.size()));
        assertEndLine(rest, "SUCCEEDED", inputs.size(), 0);
    }

    @Test
    void resumingFromNInCompletionOrderGivesExactlyTheItemsNotYetReceived() {
        List<Integer> inputs = Stream.iterate(1200, ms -> ms - 60).limit(20).toList(); // the last items finish first
        String id = submit(Map.of("function", "sleep", "inputs", inputs, "chunkSize", 1));
        List<JsonNode> firstPart = readSomeThenHangUp(openResults(id, "completion", 0), 3);

        List<JsonNode> rest = json(openResults(id, "completion", firstPart.size()).awaitAll(STREAM_WITHIN));

        List<Integer> all = new ArrayList<>(indexes(firstPart));
        all.addAll(indexes(items(rest)));
        assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(range(inputs.size()));
        assertThat(indexes(firstPart)).doesNotContain(0); // the slowest item cannot have been among the first
        assertEndLine(rest, "SUCCEEDED", inputs.size(), 0);
    }

    @Test
    void inputOrderStreamOfAnEndedJobWithUnfinishedItemsStillEnds() {
        // more items than one pump batch (4096), with a gap: the cancelled tail never runs
        List<Integer> inputs = new ArrayList<>(Collections.nCopies(5000, 0));
        inputs.addAll(Collections.nCopies(5000, 60_000));
        String id = submit(Map.of("function", "sleep", "inputs", inputs, "chunkSize", 100));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).get("completed").asInt() >= 5000);
        assertThat(http.delete("/v1/jobs/" + id).status()).isEqualTo(200);

        List<JsonNode> lines = json(openResults(id, "input", 0).awaitAll(STREAM_WITHIN));

        List<Integer> valueIndexes = indexes(items(lines).stream().filter(line -> line.has("value")).toList());
        assertThat(valueIndexes).containsExactlyElementsOf(range(5000));
        assertThat(indexes(items(lines))).isSorted().doesNotHaveDuplicates();
        assertThat(lines.get(lines.size() - 1).get("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void unknownOrderIsABadRequestProblem() {
        String id = submit(Map.of("function", "square", "inputs", List.of(1)));

        Http.Reply reply = http.get("/v1/jobs/" + id + "/results/stream?order=sorted");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(reply.json().get("type").asString()).isEqualTo("urn:jobpool:problem:invalid-request");
        assertThat(reply.json().get("field").asString()).isEqualTo("order");
    }

    @Test
    void streamsOfAnUnknownJobAreNotFoundProblems() {
        for (String path : List.of("/v1/jobs/no-such-job/results/stream", "/v1/jobs/no-such-job/events")) {
            Http.Reply reply = http.get(path);

            assertThat(reply.status()).as(path).isEqualTo(404);
            assertThat(reply.contentType()).as(path).startsWith("application/problem+json");
            assertThat(reply.json().get("type").asString()).as(path).isEqualTo("urn:jobpool:problem:job-not-found");
        }
    }

    // ---- SSE progress streams

    @Test
    void eventsReportRisingProgressThenAnEndEventWithTheFinalStatusThenTheStreamCloses() {
        List<Integer> inputs = IntStream.rangeClosed(1, 12).map(i -> i * 120).boxed().toList();
        String id = submit(Map.of("function", "sleep", "inputs", inputs, "chunkSize", 1));

        LineStream stream = openEvents(id, Map.of());
        List<Sse.Event> events = Sse.events(stream.awaitAll(STREAM_WITHIN));

        assertThat(stream.isClosed()).isTrue();
        List<Sse.Event> progress = events.subList(0, events.size() - 1);
        assertThat(progress).hasSizeGreaterThanOrEqualTo(4).allSatisfy(event -> {
            assertThat(event.event()).isEqualTo("progress");
            assertThat(event.id()).isEqualTo(data(event).get("completed").asString());
            assertThat(data(event).get("total").asInt()).isEqualTo(12);
        });
        assertThat(progress).extracting(event -> data(event).get("completed").asInt()).isSorted();
        assertThat(data(progress.get(progress.size() - 1)).get("completed").asInt()).isGreaterThan(data(progress.get(0)).get("completed").asInt());
        Sse.Event end = events.get(events.size() - 1);
        assertThat(end.event()).isEqualTo("end");
        assertThat(end.id()).isEqualTo("end");
        assertThat(data(end).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(data(end).get("completed").asInt()).isEqualTo(12);
    }

    @Test
    void eventsReportEachStateChangeFromQueuedToRunning() {
        String blocker = occupyTheIoPool(1000);
        String id = submit(Map.of("function", "sleep", "inputs", List.of(300, 300), "chunkSize", 1));

        List<Sse.Event> events = Sse.events(openEvents(id, Map.of()).awaitAll(STREAM_WITHIN));

        List<String> states = events.stream().map(event -> data(event).get("state").asString()).toList();
        assertThat(states.get(0)).isEqualTo("QUEUED");
        assertThat(states).contains("RUNNING");
        assertThat(states.get(states.size() - 1)).isEqualTo("SUCCEEDED");
        assertThat(states.indexOf("RUNNING")).isGreaterThan(states.lastIndexOf("QUEUED"));
        awaitEnd(blocker, Duration.ofSeconds(10));
    }

    @Test
    void progressEventsAreThrottledToAboutTenASecond() {
        // 32 I/O threads, 20 ms items: about 1,600 items done a second, for more than a second
        String id = submit(Map.of("function", "sleep", "inputs", Collections.nCopies(2500, 20), "chunkSize", 1));

        LineStream stream = openEvents(id, Map.of());
        long opened = System.nanoTime();
        List<Sse.Event> events = Sse.events(stream.awaitAll(STREAM_WITHIN));
        double seconds = (System.nanoTime() - opened) / 1e9;

        List<Sse.Event> progress = events.stream().filter(event -> event.event().equals("progress")).toList();
        long stateChanges = progress.stream().map(event -> data(event).get("state").asString()).distinct().count();
        assertThat(seconds).as("the job ran long enough to need throttling").isGreaterThan(1.0);
        assertThat(progress.size()).as("progress events over %.2f s", seconds)
                .isGreaterThanOrEqualTo(5)
                .isLessThanOrEqualTo((int) Math.ceil(seconds * 10) + (int) stateChanges + 1);
        assertThat(events.get(events.size() - 1).event()).isEqualTo("end");
    }

    @Test
    void reconnectingWithAProgressIdGivesOnlyNewerProgress() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(0, 0, 0, 1500, 2000), "chunkSize", 1));
        LineStream first = openEvents(id, Map.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> Sse.events(first.lines()).stream()
                .anyMatch(event -> "3".equals(event.id())));
        first.cancel();

        List<Sse.Event> events = Sse.events(openEvents(id, Map.of("Last-Event-ID", "3")).awaitAll(STREAM_WITHIN));

        List<Sse.Event> progress = events.stream().filter(event -> event.event().equals("progress")).toList();
        assertThat(progress).isNotEmpty();
        assertThat(progress).extracting(event -> data(event).get("completed").asInt()).allSatisfy(completed ->
                assertThat(completed).isGreaterThan(3));
        assertThat(events.get(events.size() - 1).id()).isEqualTo("end");
    }

    @Test
    void reconnectingAfterTheEndEventGivesNoEvents() {
        String id = submit(Map.of("function", "square", "inputs", List.of(1, 2)));
        awaitEnd(id, Duration.ofSeconds(5));

        List<String> afterEnd = openEvents(id, Map.of("Last-Event-ID", "end")).awaitAll(STREAM_WITHIN);
        List<Sse.Event> fresh = Sse.events(openEvents(id, Map.of()).awaitAll(STREAM_WITHIN));

        assertThat(Sse.events(afterEnd)).isEmpty();
        assertThat(fresh).extracting(Sse.Event::event).containsExactly("end");
    }

    // ---- helpers

    private LineStream openResults(String id, String order, int from) {
        return LineStream.open(http.base(), "/v1/jobs/" + id + "/results/stream?order=" + order + "&from=" + from);
    }

    private LineStream openEvents(String id, Map<String, String> headers) {
        return LineStream.open(http.base(), "/v1/jobs/" + id + "/events", headers);
    }

    /** A job that keeps every one of the 32 I/O threads busy for {@code millis}. */
    private String occupyTheIoPool(int millis) {
        int ioWorkers = http.get("/v1/pool").json().get("ioWorkers").asInt();
        String id = submit(Map.of("function", "sleep", "inputs", Collections.nCopies(ioWorkers, millis), "chunkSize", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> http.get("/v1/pool").json().get("ioBusy").asInt() == ioWorkers);
        return id;
    }

    /** Reads until {@code atLeast} item lines arrived, hangs up, and returns the item lines received. */
    private static List<JsonNode> readSomeThenHangUp(LineStream stream, int atLeast) {
        await().atMost(Duration.ofSeconds(10)).until(() -> items(json(stream.lines())).size() >= atLeast);
        stream.cancel();
        List<JsonNode> received = items(json(stream.lines()));
        assertThat(received).hasSizeGreaterThanOrEqualTo(atLeast);
        return received;
    }

    static List<JsonNode> json(List<String> lines) {
        return lines.stream().map(line -> Http.JSON.readTree(line)).toList();
    }

    static List<JsonNode> items(List<JsonNode> lines) {
        return lines.stream().filter(line -> line.has("index")).toList();
    }

    static List<Integer> indexes(List<JsonNode> items) {
        return items.stream().map(line -> line.get("index").asInt()).toList();
    }

    private static JsonNode data(Sse.Event event) {
        return Http.JSON.readTree(event.data());
    }

    static void assertEndLine(List<JsonNode> lines, String state, int total, int failed) {
        assertThat(lines).isNotEmpty();
        JsonNode end = lines.get(lines.size() - 1);
        assertThat(end.get("end").asBoolean()).as("last line %s", end).isTrue();
        assertThat(end.get("state").asString()).isEqualTo(state);
        assertThat(end.get("total").asInt()).isEqualTo(total);
        assertThat(end.get("completed").asInt()).isEqualTo(total);
        assertThat(end.get("failed").asInt()).isEqualTo(failed);
        assertThat(lines.subList(0, lines.size() - 1)).noneMatch(line -> line.has("end"));
    }
}
