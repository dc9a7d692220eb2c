package io.jobpool.job;

import io.jobpool.JobpoolApplication;
import io.jobpool.support.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Graceful shutdown: submissions get 503 at once, running jobs get the grace period, what is still
 * running after it is cancelled, never silently lost.
 */
class ShutdownIT {

    @Test
    void shutdownRefusesNewJobsLetsShortOnesFinishAndCancelsTheRest() {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--jobpool.shutdown-grace=2s");
        Http http = new Http(((WebServerApplicationContext) context).getWebServer().getPort());
        JobService jobs = context.getBean(JobService.class);
        String shortJob = http.post("/v1/jobs", Map.of("function", "sleep", "inputs", List.of(800))).json().get("id").asString();
        String longJob = http.post("/v1/jobs", Map.of("function", "sleep", "inputs", Collections.nCopies(4, 60_000)))
                .json().get("id").asString();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(context::close);
        await().atMost(Duration.ofSeconds(5)).until(() ->
                http.post("/v1/jobs", Map.of("function", "square", "inputs", List.of(1))).status() == 503);
        Http.Reply refused = http.post("/v1/map", Map.of("function", "square", "inputs", List.of(1)));
        closing.join();

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:shutting-down");
        assertThat(jobs.get("anonymous", shortJob).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.get("anonymous", longJob).state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.get("anonymous", longJob).record().error().type()).isEqualTo("ServiceStopped");
    }
}
