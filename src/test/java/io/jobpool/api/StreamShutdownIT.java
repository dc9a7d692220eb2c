package io.jobpool.api;

import io.jobpool.JobpoolApplication;
import io.jobpool.support.Http;
import io.jobpool.support.LineStream;
import io.jobpool.support.SlowReader;
import io.jobpool.support.Sse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stopping service ends its streams at once, with a last line or event that tells the client to
 * resume elsewhere, instead of holding them (and its own shutdown) for as long as their jobs would run;
 * the jobs still get the grace period.
 */
class StreamShutdownIT {

    private static final Duration GRACE = Duration.ofSeconds(4);

    @Test
    void streamsEndAtOnceWithAStoppingLineWhileJobsGetTheGracePeriod() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--jobpool.shutdown-grace=" + GRACE.toSeconds() + "s");
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        Http http = new Http(port);
        // two quick items, then items that would run for a minute each
        List<Integer> inputs = List.of(10, 10, 60_000, 60_000);
        String longJob = http.post("/v1/jobs", Map.of("function", "sleep", "inputs", inputs, "chunkSize", 1))
                .json().get("id").asString();
        String bigJob = http.post("/v1/jobs", Map.of("function", "square", "inputs",
                IntStream.range(0, 200_000).boxed().toList())).json().get("id").asString();
        LineStream results = LineStream.open(http.base(), "/v1/jobs/" + longJob + "/results/stream");
        LineStream events = LineStream.open(http.base(), "/v1/jobs/" + longJob + "/events");
        SlowReader stalled = SlowReader.open(port, "/v1/jobs/" + bigJob + "/results/stream", 4096);
        await().atMost(Duration.ofSeconds(10)).until(() -> results.lines().size() >= 2
                && !Sse.events(events.lines()).isEmpty() && activeStreams(http, "results") == 2);

        Instant stopping = Instant.now();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
        List<String> resultLines = results.awaitAll(GRACE);
        List<String> eventLines = events.awaitAll(GRACE);
        Duration streamsEnded = Duration.between(stopping, later(results.endedAt(), events.endedAt()));
        Http.Reply refused = http.get("/v1/jobs/" + longJob + "/results/stream");
        closing.join();
        Duration stopped = Duration.between(stopping, Instant.now());
        stalled.close();
        System.out.printf("on shutdown, open streams ended %d ms after it began (grace for jobs: %d s); the service"
                + " stopped after %d ms, with a job whose items would run a minute each%n",
                streamsEnded.toMillis(), GRACE.toSeconds(), stopped.toMillis());

        JsonNode last = Http.JSON.readTree(resultLines.get(resultLines.size() - 1));
        assertThat(last.get("stopping").asBoolean()).as("last line %s", last).isTrue();
        assertThat(last.get("from").asInt()).isEqualTo(2);
        assertThat(resultLines).noneMatch(line -> line.contains("\"end\""));
        List<Sse.Event> sse = Sse.events(eventLines);
        assertThat(sse.get(sse.size() - 1).event()).isEqualTo("stopping");
        assertThat(eventLines).contains("retry:2000");
        assertThat(streamsEnded).isLessThan(GRACE.dividedBy(2));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:shutting-down");
        // the jobs got the grace period, then what was left was cancelled; nothing waited for the streams
        assertThat(stopped).isGreaterThanOrEqualTo(GRACE).isLessThan(GRACE.plusSeconds(10));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    @Test
    void manyStreamsOfAnOpenJobEndWithinASecondOfTheStopNotAfterTheGrace() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--jobpool.shutdown-grace=" + GRACE.toSeconds() + "s");
        Http http = new Http(((WebServerApplicationContext) context).getWebServer().getPort());
        String open = http.post("/v1/jobs", Map.of("function", "square", "open", true)).json().get("id").asString();
        http.post("/v1/jobs/" + open + "/inputs", List.of(1, 2, 3));
        List<LineStream> streams = Collections.nCopies(50, open).stream()
                .map(id -> LineStream.open(http.base(), "/v1/jobs/" + id + "/results/stream")).toList();
        await().atMost(Duration.ofSeconds(10)).until(() -> activeStreams(http, "results") == streams.size()
                && streams.stream().allMatch(stream -> stream.lines().size() == 3));

        Instant stopping = Instant.now();
        context.close();

        Instant lastEnded = stopping;
        for (LineStream stream : streams) {
            List<String> lines = stream.awaitAll(Duration.ofSeconds(5));
            assertThat(lines).hasSize(4).last().asString().contains("\"stopping\":true", "\"from\":3");
            lastEnded = later(lastEnded, stream.endedAt());
        }
        Duration streamsEnded = Duration.between(stopping, lastEnded);
        System.out.printf("%d streams of an open job ended %d ms after the shutdown began (grace for jobs: %d s)%n",
                streams.size(), streamsEnded.toMillis(), GRACE.toSeconds());
        assertThat(streamsEnded).isLessThan(Duration.ofSeconds(1));
    }

    private static int activeStreams(Http http, String kind) {
        return http.get("/actuator/metrics/jobpool.streams.active?tag=kind:" + kind).json()
                .get("measurements").get(0).get("value").asInt();
    }
}
