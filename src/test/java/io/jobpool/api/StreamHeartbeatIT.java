package io.jobpool.api;

import io.jobpool.support.LineStream;
import io.jobpool.support.ServerTest;
import io.jobpool.support.Sse;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Idle streams stay alive: an event stream gets a {@code :keep-alive} comment and a result stream a
 * {@code {"keepAlive":true}} line after each heartbeat of silence, which are not items (jq filters such as
 * {@code select(.index != null)} skip them as they skip the end line). Heartbeats need their own context:
 * the default interval is 15 s.
 */
@TestPropertySource(properties = "jobpool.streams.heartbeat=200ms")
class StreamHeartbeatIT extends ServerTest {

    @Test
    void idleEventStreamGetsKeepAliveComments() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(3000)));
        LineStream stream = LineStream.open(http.base(), "/v1/jobs/" + id + "/events");

        await().atMost(Duration.ofSeconds(2)).until(() -> Sse.comments(stream.lines()).size() >= 3);

        List<String> lines = stream.lines();
        assertThat(Sse.comments(lines)).allSatisfy(comment -> assertThat(comment).contains("keep-alive"));
        assertThat(Sse.events(lines)).extracting(Sse.Event::event).containsOnly("progress");
        stream.cancel();
        http.delete("/v1/jobs/" + id);
    }

    @Test
    void idleResultStreamGetsKeepAliveLinesThatAreNotItems() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(10, 1000, 10), "chunkSize", 1));
        LineStream stream = LineStream.open(http.base(), "/v1/jobs/" + id + "/results/stream");

        List<JsonNode> lines = StreamsIT.json(stream.awaitAll(Duration.ofSeconds(10)));

        List<JsonNode> keepAlives = lines.stream().filter(line -> line.has("keepAlive")).toList();
        assertThat(keepAlives).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(line -> assertThat(line.toString()).isEqualTo("{\"keepAlive\":true}"));
        assertThat(StreamsIT.indexes(StreamsIT.items(lines))).containsExactly(0, 1, 2);
        StreamsIT.assertEndLine(lines.stream().filter(line -> !line.has("keepAlive")).toList(), "SUCCEEDED", 3, 0);
    }
}
