package io.jobpool.function;

import io.jobpool.JobpoolApplication;
import io.jobpool.support.Http;
import io.jobpool.support.PluginJars;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Plugin jars: the example plugin, built from {@code examples/plugin}, served like a built-in. */
@ExtendWith(OutputCaptureExtension.class)
class PluginIT extends ServerTest {

    @DynamicPropertySource
    static void plugins(DynamicPropertyRegistry registry) throws IOException {
        Path directory = Files.createTempDirectory("jobpool-plugins");
        PluginJars.buildExample(directory);
        registry.add("jobpool.plugins.dir", directory::toString);
    }

    @Test
    void examplePluginIsInTheCatalogWithItsSchema() {
        JsonNode function = http.get("/v1/functions/prime-lookup").json();

        assertThat(function.get("kind").asString()).isEqualTo("cpu");
        assertThat(function.get("paramsSchema").get("properties").get("limit").get("maximum").asInt()).isEqualTo(100_000_000);
        assertThat(http.get("/v1/functions").json().get("functions").findValuesAsString("name")).contains("prime-lookup", "square");
    }

    @Test
    void pluginRunsJobsWithItsStateBuiltAtMostOncePerWorker() {
        int workers = http.get("/v1/pool").json().get("workers").asInt();
        double createdBefore = metric("jobpool.function.states.initialized", "function:prime-lookup");
        double closedBefore = metric("jobpool.function.states.closed", "function:prime-lookup");
        List<Integer> inputs = IntStream.range(0, 10_000).boxed().toList();

        JsonNode result = http.post("/v1/map", Map.of("function", "prime-lookup", "params", Map.of("limit", 2_000_000),
                "inputs", inputs)).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        long primes = 0;
        for (JsonNode value : result.get("results")) {
            primes += value.asBoolean() ? 1 : 0;
        }
        assertThat(primes).isEqualTo(1229); // primes below 10,000
        double created = metric("jobpool.function.states.initialized", "function:prime-lookup") - createdBefore;
        assertThat(created).isBetween(1.0, (double) workers);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metric("jobpool.function.states.closed", "function:prime-lookup") - closedBefore).isEqualTo(created));
    }

    @Test
    void pluginParamsAreValidatedAgainstItsSchema() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("function", "prime-lookup", "params", Map.of("limit", 1), "inputs", List.of(1)));

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.json().get("field").asString()).isEqualTo("params.limit");
    }

    @Test
    void brokenPluginStopsTheStartUpNamingTheJar(CapturedOutput output) throws IOException {
        Path directory = Files.createTempDirectory("jobpool-broken-plugins");
        PluginJars.withFiles(directory, "broken.jar",
                Map.of("META-INF/services/io.jobpool.function.spi.JobFunction", "org.example.DoesNotExist\n"));

        assertThatThrownBy(() -> start(directory)).hasStackTraceContaining("plugin broken.jar cannot be loaded");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("jobpool refused to start: plugin broken.jar cannot be loaded");
    }

    @Test
    void pluginNamedLikeABuiltInStopsTheStartUp(CapturedOutput output) throws IOException {
        Path directory = Files.createTempDirectory("jobpool-clashing-plugins");
        Path sources = Files.createTempDirectory("clash-src");
        Files.createDirectories(sources.resolve("org/example"));
        Files.writeString(sources.resolve("org/example/OtherSquare.java"), """
                package org.example;
                import io.jobpool.function.spi.*;
                public final class OtherSquare implements JobFunction<Void> {
                    public String name() { return "square"; }
                    public String description() { return "a second square"; }
                    public Kind kind() { return Kind.CPU; }
                    public Object apply(Object input, Void state) { return input; }
                }
                """);
        Path resources = Files.createTempDirectory("clash-res");
        Files.createDirectories(resources.resolve("META-INF/services"));
        Files.writeString(resources.resolve("META-INF/services/io.jobpool.function.spi.JobFunction"), "org.example.OtherSquare\n");
        PluginJars.build(directory, "clash.jar", sources, resources);

        assertThatThrownBy(() -> start(directory)).hasStackTraceContaining("Two functions are named 'square'")
                .hasStackTraceContaining("clash.jar");
        assertThat(output.getAll()).contains("jobpool refused to start: Two functions are named 'square'")
                .doesNotContain("\tat io.jobpool.function.FunctionCatalog"); // the trace is at DEBUG only
    }

    private static void start(Path pluginsDir) {
        System.out.println("PluginIT: the start-up failure reported below is this test's, and expected");
        new SpringApplicationBuilder(JobpoolApplication.class)
                .run("--server.port=0", "--jobpool.plugins.dir=" + pluginsDir).close();
    }
}
