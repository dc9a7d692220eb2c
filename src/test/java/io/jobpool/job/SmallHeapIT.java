package io.jobpool.job;

import io.jobpool.support.Http;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Results are stored compactly: the packaged service, started as an operator would with
 * {@code -Xmx512m}, maps a million squares and answers all of them.
 */
class SmallHeapIT {

    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
    }

    @Test
    void millionItemSquareJobWorksUnderHalfAGigabyteOfHeap() throws Exception {
        int port = PackagedJar.freePort();
        Path log = Files.createTempFile("jobpool-small-heap", ".log");
        server = new ProcessBuilder(PackagedJar.javaBinary(), "-Xmx512m", "-jar", PackagedJar.path().toString(), "--server.port=" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> http.get("/actuator/health").status() == 200);
        String inputs = IntStream.range(0, 1_000_000).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));

        Http.Reply reply = http.postRaw("/v1/map?waitSeconds=120", "{\"function\":\"square\",\"inputs\":" + inputs + "}",
                "application/json");

        assertThat(reply.status()).as(() -> reply + "\n" + tail(log)).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(body.get("results").size()).isEqualTo(1_000_000);
        assertThat(body.get("results").get(999_999).asLong()).isEqualTo(999_999L * 999_999L);
    }




    private static String tail(Path log) {
        try {
            var lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
