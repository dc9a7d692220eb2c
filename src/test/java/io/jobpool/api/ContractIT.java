package io.jobpool.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The running service against {@code openapi.yaml}, both ways.
 * <ul>
 * <li>Every HTTP exchange made by these tests (including the polling done by the {@link ServerTest} helpers) is
 * validated by the Atlassian swagger-request-validator: request and response must both match the spec. Requests
 * that are deliberately invalid (malformed JSON, unknown field, wrong content type, bad query parameter, wrong
 * Accept) must be refused by the spec too, and their answers must match the spec.</li>
 * <li>The spec is parsed on its own and every operation (and every documented status, except the few listed in
 * {@link #NOT_EXERCISED}) must have been exercised once all of its tests have run (checked after the class, in any order).</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// closed after the class: its 'unstartable' function retries its start every 30 s, and the warnings ran
// on into later tests (StructuredLogIT reads every console line and failed on one)
@DirtiesContext
class ContractIT extends ServerTest {

    private static final Path SPEC = Path.of("openapi.yaml");

    /**
     * Two process functions, so the catalog shows the kind {@code process} both ways: {@code ready} is a
     * shell worker that says it is ready and reads its chunks (enough for the catalog; it never gets a job
     * here), {@code unstartable} names a program that does not exist, so it is failing, with its error.
     */
    @DynamicPropertySource
    static void processFunctions(DynamicPropertyRegistry registry) {
        registry.add("jobpool.process-functions.ready.command", () -> "sh,-c,echo '{\"ready\": true}'; while read -r line; do :; done");
        registry.add("jobpool.process-functions.ready.processes", () -> "1");
        registry.add("jobpool.process-functions.unstartable.command", () -> "/nonexistent/worker");
        registry.add("jobpool.process-functions.unstartable.processes", () -> "1");
    }

    /** Operations in openapi.yaml: a change there must be reflected here (and exercised below). */
    private static final int EXPECTED_OPERATIONS = 20;

    /**
     * Documented answers these tests cannot provoke on the shared, default-configured server. 413, 429 and
     * 503 need special configuration (or a shutdown) and are tested elsewhere; 408 needs a client trickling
     * its body for {@code jobpool.limits.body-timeout} (SlowConnectionsIT). They stay in the spec.
     */
    private static final Set<String> NOT_EXERCISED = Set.of(
            "POST /v1/jobs 408", "POST /v1/map 408", "POST /v1/jobs/{id}/inputs 408",
            "POST /v1/jobs 413", "POST /v1/jobs 429", "POST /v1/jobs 503",
            "POST /v1/map 413", "POST /v1/map 429", "POST /v1/map 503", "POST /v1/jobs/{id}/inputs 503",
            // a cluster that could not take the close: a single node has no such failure
            "POST /v1/jobs/{id}/close 503",
            "GET /actuator/health 503", "GET /actuator/health/liveness 503", "GET /actuator/health/readiness 503",
            // streams: 429 needs jobpool.streams.max-open streams open (StalledReadersIT), 503 a shutdown (StreamShutdownIT)
            "GET /v1/jobs/{id}/results/stream 429", "GET /v1/jobs/{id}/results/stream 503",
            "GET /v1/jobs/{id}/events 429", "GET /v1/jobs/{id}/events 503");

    /** A job id of the right shape that names no job. */
    private static final String UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAA";

    private OpenApiInteractionValidator validator;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Set<Integer>> exercised = Collections.synchronizedMap(new TreeMap<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Consumer<Http.Exchange> observer = this::check;
    private int validated;
    private int testsRun;

    /** Set while a deliberately invalid request is sent: the spec must refuse the request too. */
    private boolean expectInvalidRequest;

    /** One operation of the spec: method, path template and its documented statuses. */
    private record Operation(String method, String template, Pattern pattern, Set<String> statuses) {

        String key() {
            return method + " " + template;
        }
    }

    @BeforeAll
    void loadSpecAndObserve() throws Exception {
        assertThat(SPEC).as("openapi.yaml at the project root").isRegularFile();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(Files.readString(SPEC), null, options);
        assertThat(parsed.getMessages()).as("openapi.yaml parses without messages").isEmpty();
        OpenAPI api = parsed.getOpenAPI();
        assertThat(api).isNotNull();
        api.getPaths().forEach((template, item) -> item.readOperationsMap().forEach((method, operation) ->
                operations.add(new Operation(method.name(), template, templatePattern(template),
                        new TreeSet<>(operation.getResponses().keySet())))));
        assertThat(operations).as("operations in openapi.yaml").hasSize(EXPECTED_OPERATIONS);

        validator = OpenApiInteractionValidator.createForSpecificationUrl(SPEC.toAbsolutePath().toString())
                .withLevelResolver(LevelResolver.create().withDefaultLevel(ValidationReport.Level.ERROR).build())
                .build();

        // The wiring must be able to fail: a status body missing its fields, and an undocumented status.
        ValidationReport bad = validator.validateResponse("/v1/jobs/" + UNKNOWN_ID, Request.Method.GET,
                SimpleResponse.Builder.ok().withContentType("application/json").withBody("{\"id\":42}").build());
        assertThat(errors(bad)).as("validator rejects a bad JobStatus").isNotEmpty();
        ValidationReport undocumented = validator.validateResponse("/v1/pool", Request.Method.GET,
                SimpleResponse.Builder.status(418).build());
        assertThat(errors(undocumented)).as("validator rejects an undocumented status").isNotEmpty();
        String status = "{\"id\":\"" + UNKNOWN_ID + "\",\"state\":\"QUEUED\",\"function\":\"square\",\"total\":1,"
                + "\"completed\":0,\"failed\":0,\"progress\":0.0,\"itemsPerSecond\":0.0,\"etaSeconds\":null,\"priority\":5,"
                + "\"onError\":\"fail\",\"createdAt\":\"2025-01-01T00:00:00.123456Z\",\"startedAt\":null,\"finishedAt\":null,"
                + "\"error\":null,\"open\":false}";
        ValidationReport noLocation = validator.validateResponse("/v1/jobs", Request.Method.POST,
                SimpleResponse.Builder.status(202).withContentType("application/json").withBody(status).build());
        assertThat(errors(noLocation)).as("validator requires Location on 202").isNotEmpty();
        ValidationReport withLocation = validator.validateResponse("/v1/jobs", Request.Method.POST,
                SimpleResponse.Builder.status(202).withContentType("application/json").withHeader("Location", "/v1/jobs/" + UNKNOWN_ID)
                        .withBody(status).build());
        assertThat(errors(withLocation)).as("a well-formed 202").isEmpty();

        Http.observe(observer);
    }

    @AfterAll
    void stopObserving() {
        Http.stopObserving(observer);
    }

    @AfterEach
    void everyExchangeMatchedTheSpec() {
        List<String> found;
        synchronized (failures) {
            found = List.copyOf(failures);
            failures.clear();
        }
        assertThat(found).as("exchanges that do not match openapi.yaml").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Jobs

    @Test
    void submitPollPageAndConflict() {
        Http.Reply submitted = http.post("/v1/jobs", Map.of("function", "square", "inputs", range(25), "chunkSize", 5,
                "onError", "continue", "retries", 1, "timeout", "PT30S", "priority", 7));
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        assertThat(submitted.header("Location")).isEqualTo("/v1/jobs/" + id);
        assertThat(submitted.json().get("priority").asInt()).isEqualTo(7);

        JsonNode ended = awaitEnd(id, Duration.ofSeconds(20));
        assertThat(ended.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(ended.get("etaSeconds").isNull()).isTrue();

        // Page through with next until it is null.
        List<Long> values = new ArrayList<>();
        Integer offset = 0;
        int pages = 0;
        while (offset != null) {
            Http.Reply page = http.get("/v1/jobs/" + id + "/results?offset=" + offset + "&limit=10");
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            page.json().get("results").forEach(value -> values.add(value.asLong()));
            JsonNode next = page.json().get("next");
            offset = next.isNull() ? null : next.asInt();
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(values).hasSize(25).startsWith(0L, 1L, 4L).endsWith(576L);

        Http.Reply all = http.get("/v1/jobs/" + id + "/results");
        assertThat(all.json().get("limit").asInt()).isEqualTo(10_000);
        assertThat(all.json().get("results").size()).isEqualTo(25);
        Http.Reply beyond = http.get("/v1/jobs/" + id + "/results?offset=100&limit=5");
        assertThat(beyond.status()).isEqualTo(200);
        assertThat(beyond.json().get("results").size()).isZero();
        assertThat(beyond.json().get("next").isNull()).isTrue();

        Http.Reply conflict = http.delete("/v1/jobs/" + id);
        assertProblem(conflict, 409, "job-state-conflict");
    }

    @Test
    void expressionJobsAnswerLikeFunctionJobs() {
        Http.Reply mapped = http.post("/v1/map", Map.of("expression", "{'n': x, 'sq': x * x}", "inputs", List.of(3)));
        assertThat(mapped.status()).as(mapped.toString()).isEqualTo(200);
        assertThat(mapped.json().get("results").toString()).isEqualTo("[{\"n\":3,\"sq\":9}]");
        String id = submit(Map.of("expression", "x + 1", "inputs", List.of(1)));
        assertThat(awaitEnd(id, Duration.ofSeconds(10)).get("expression").asString()).isEqualTo("x + 1");
    }

    @Test
    void mapAnswersEveryTerminalState() {
        Http.Reply ok = http.post("/v1/map?waitSeconds=30", Map.of("function", "pow", "inputs", List.of(List.of(2, 10), List.of(3, 3))));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.json().get("results").toString()).isEqualTo("[1024,27]");
        assertThat(ok.json().get("error").isNull()).isTrue();

        Http.Reply hashed = http.post("/v1/map", Map.of("function", "sha256", "inputs", List.of("a", "b"),
                "params", Map.of("rounds", 10), "onError", "continue"));
        assertThat(hashed.status()).as(hashed.toString()).isEqualTo(200);

        Http.Reply empty = http.post("/v1/map", Map.of("function", "primes", "inputs", List.of()));
        assertThat(empty.json().get("state").asString()).isEqualTo("SUCCEEDED");

        Http.Reply failed = http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(3)),
                "inputs", range(6), "chunkSize", 1));
        assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
        assertThat(failed.json().get("state").asString()).isEqualTo("FAILED");
        assertThat(failed.json().get("error").get("index").asInt()).isEqualTo(3);

        Http.Reply continued = http.post("/v1/map", Map.of("function", "fail", "params", Map.of("on", List.of(1)),
                "inputs", range(3), "onError", "continue"));
        assertThat(continued.json().get("results").toString()).isEqualTo("[0,null,2]");
        assertThat(continued.json().get("errors").size()).isEqualTo(1);

        Http.Reply timedOut = http.post("/v1/map", Map.of("function", "sleep", "inputs", List.of(5000),
                "timeout", "PT0.2S"));
        assertThat(timedOut.status()).as(timedOut.toString()).isEqualTo(200);
        assertThat(timedOut.json().get("state").asString()).isEqualTo("TIMED_OUT");
    }

    @Test
    void runningJobIsListedPagedAndCancelled() {
        Http.Reply accepted = http.post("/v1/map?waitSeconds=0", Map.of("function", "sleep", "inputs", List.of(0, 30_000, 30_000),
                "chunkSize", 1));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        String id = accepted.json().get("id").asString();
        assertThat(accepted.header("Location")).isEqualTo("/v1/jobs/" + id);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> status(id).get("completed").asInt() >= 1);
        JsonNode running = status(id);
        assertThat(running.get("state").asString()).isEqualTo("RUNNING");
        assertThat(running.get("finishedAt").isNull()).isTrue();

        Http.Reply list = http.get("/v1/jobs?state=RUNNING");
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.json().get("jobs").findValuesAsString("id")).contains(id);

        // An unfinished job's page stops at the first item not done yet.
        Http.Reply partial = http.get("/v1/jobs/" + id + "/results?offset=0&limit=3");
        assertThat(partial.json().get("results").toString()).isEqualTo("[0]");
        assertThat(partial.json().get("next").asInt()).isEqualTo(1);

        Http.Reply cancelled = http.delete("/v1/jobs/" + id);
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().get("state").asString()).isEqualTo("CANCELLED");

        Http.Reply after = http.get("/v1/jobs/" + id + "/results");
        assertThat(after.json().get("results").toString()).isEqualTo("[0,null,null]");
        assertProblem(http.delete("/v1/jobs/" + id), 409, "job-state-conflict");
    }

    @Test
    void listPagesNewestFirstWithStateFilter() {
        submit(Map.of("function", "square", "inputs", List.of(1)));
        awaitEnd(submit(Map.of("function", "square", "inputs", List.of(2))), Duration.ofSeconds(10));

        Http.Reply first = http.get("/v1/jobs?limit=1");
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.json().get("jobs").size()).isEqualTo(1);
        assertThat(first.json().get("next").asInt()).isEqualTo(1);

        Http.Reply second = http.get("/v1/jobs?state=SUCCEEDED&offset=1&limit=1");
        assertThat(second.status()).isEqualTo(200);
        second.json().get("jobs").forEach(job -> assertThat(job.get("state").asString()).isEqualTo("SUCCEEDED"));

        Http.Reply defaults = http.get("/v1/jobs");
        assertThat(defaults.json().get("limit").asInt()).isEqualTo(100);
        assertThat(defaults.json().get("offset").asInt()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pool and functions

    @Test
    void poolAndFunctionCatalog() {
        Http.Reply pool = http.get("/v1/pool");
        assertThat(pool.status()).as(pool.toString()).isEqualTo(200);
        assertThat(pool.json().get("workers").asInt()).isPositive();

        Http.Reply functions = http.get("/v1/functions");
        assertThat(functions.status()).isEqualTo(200);
        assertThat(functions.json().get("functions").findValuesAsString("name"))
                .contains("square", "sha256", "primes", "sleep", "fail", "pow");

        Http.Reply sha256 = http.get("/v1/functions/sha256");
        assertThat(sha256.status()).isEqualTo(200);
        assertThat(sha256.json().get("kind").asString()).isEqualTo("cpu");
        Http.Reply pow = http.get("/v1/functions/pow");
        assertThat(pow.json().get("arity").asInt()).isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode ready = http.get("/v1/functions/ready").json();
            assertThat(ready.get("kind").asString()).isEqualTo("process");
            assertThat(ready.get("process").get("alive").asInt()).isEqualTo(1);
            JsonNode unstartable = http.get("/v1/functions/unstartable").json();
            assertThat(unstartable.get("process").get("status").asString()).isEqualTo("failing");
            assertThat(unstartable.get("process").get("error").asString()).contains("cannot start [/nonexistent/worker]");
        });

        assertProblem(http.get("/v1/functions/nope"), 404, "function-not-found");
    }

    @Test
    void openJobTakesBatchesUntilClosedAndStreamsItsResults() {
        Map<String, String> csv = Map.of("Accept", "text/csv");
        String id = submit(Map.of("function", "sleep", "open", true, "maxPending", 3));
        Http.Reply batch = http.post("/v1/jobs/" + id + "/inputs", List.of(5, 5));
        assertThat(batch.status()).as(batch.toString()).isEqualTo(200);
        assertThat(batch.json().get("first").asInt()).isZero();
        assertProblem(http.post("/v1/jobs/" + id + "/inputs", List.of(1, 1, 1, 1)), 413, "payload-too-large");
        assertProblem(invalid(() -> http.postRaw("/v1/jobs/" + id + "/inputs", "[1,", "application/json")), 400, "malformed-request");
        assertProblem(invalid(() -> http.postRaw("/v1/jobs/" + id + "/inputs", "[1]", "text/plain")), 415, "unsupported-media-type");
        assertProblem(invalid(() -> http.send("POST", "/v1/jobs/" + id + "/inputs", "[1]", "application/json", csv)), 406, "not-acceptable");
        String slow = submit(Map.of("function", "sleep", "open", true, "maxPending", 2, "inputs", List.of(5000, 5000)));
        assertProblem(http.post("/v1/jobs/" + slow + "/inputs", List.of(1)), 429, "overloaded");
        assertThat(http.delete("/v1/jobs/" + slow).status()).isEqualTo(200);

        Http.Reply closed = http.send("POST", "/v1/jobs/" + id + "/close", null, null);
        assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
        assertProblem(http.send("POST", "/v1/jobs/" + id + "/close", null, null), 409, "job-state-conflict");
        assertProblem(http.post("/v1/jobs/" + id + "/inputs", List.of(1)), 409, "job-state-conflict");
        assertProblem(invalid(() -> http.send("POST", "/v1/jobs/" + id + "/close", null, null, csv)), 406, "not-acceptable");
        assertProblem(http.post("/v1/jobs/" + UNKNOWN_ID + "/inputs", List.of(1)), 404, "job-not-found");
        assertProblem(http.send("POST", "/v1/jobs/" + UNKNOWN_ID + "/close", null, null), 404, "job-not-found");
        awaitEnd(id, Duration.ofSeconds(10));

        Http.Reply lines = http.get("/v1/jobs/" + id + "/results/stream?order=completion&from=0");
        assertThat(lines.status()).isEqualTo(200);
        assertThat(lines.contentType()).startsWith("application/x-ndjson");
        assertThat(lines.body().lines()).hasSize(3).last().asString().contains("\"end\":true");
        assertProblem(invalid(() -> http.get("/v1/jobs/" + id + "/results/stream?order=sideways")), 400, "invalid-request");
        assertProblem(http.get("/v1/jobs/" + UNKNOWN_ID + "/results/stream"), 404, "job-not-found");
        assertProblem(invalid(() -> http.send("GET", "/v1/jobs/" + id + "/results/stream", null, null, csv)), 406, "not-acceptable");

        Http.Reply events = http.send("GET", "/v1/jobs/" + id + "/events", null, null, Map.of("Accept", "text/event-stream"));
        assertThat(events.status()).isEqualTo(200);
        assertThat(events.body()).contains("event:end");
        assertProblem(http.get("/v1/jobs/" + UNKNOWN_ID + "/events"), 404, "job-not-found");
        assertProblem(invalid(() -> http.send("GET", "/v1/jobs/" + id + "/events", null, null, csv)), 406, "not-acceptable");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Problems

    @Test
    void badBodiesAreRefusedAsTheSpecSays() {
        for (String path : List.of("/v1/jobs", "/v1/map")) {
            assertProblem(invalid(() -> http.postRaw(path, "{\"function\":\"square\",", "application/json")), 400, "malformed-request");
            Http.Reply unknownField = invalid(() -> http.post(path, Map.of("function", "square", "inputs", List.of(1), "bogus", true)));
            assertProblem(unknownField, 400, "invalid-request");
            assertThat(unknownField.json().get("field").asString()).isEqualTo("bogus");
            assertProblem(invalid(() -> http.post(path, Map.of("function", "square", "inputs", "x"))), 400, "malformed-request");
            Http.Reply constraint = invalid(() -> http.post(path, Map.of("function", "square", "inputs", List.of(1), "chunkSize", 0)));
            assertProblem(constraint, 400, "invalid-request");
            assertThat(constraint.json().get("field").asString()).isEqualTo("chunkSize");
            // valid for the spec (inputs is optional for open jobs), refused by the service
            assertProblem(http.post(path, Map.of("function", "square")), 400, "invalid-request");
            assertProblem(invalid(() -> http.postRaw(path, "{\"function\":\"square\",\"inputs\":[1]}", "text/plain")), 415,
                    "unsupported-media-type");

            // Valid for the spec (which cannot know the catalog), refused by the service.
            assertProblem(http.post(path, Map.of("function", "nope", "inputs", List.of(1))), 422, "unknown-function");
            Http.Reply badParams = http.post(path, Map.of("function", "sha256", "inputs", List.of("a"), "params", Map.of("rounds", 0)));
            assertProblem(badParams, 422, "invalid-params");
            assertProblem(http.post(path, Map.of("expression", "x +* 1", "inputs", List.of(1))), 422, "invalid-expression");
        }
        assertProblem(invalid(() -> http.post("/v1/map?waitSeconds=301", Map.of("function", "square", "inputs", List.of(1)))),
                400, "invalid-request");
    }

    @Test
    void unknownAndMalformedIdsAre404() {
        for (String id : List.of(UNKNOWN_ID, "not-an-id")) {
            assertProblem(http.get("/v1/jobs/" + id), 404, "job-not-found");
            assertProblem(http.get("/v1/jobs/" + id + "/results"), 404, "job-not-found");
            assertProblem(http.delete("/v1/jobs/" + id), 404, "job-not-found");
        }
    }

    @Test
    void badQueryParametersAre400() {
        assertProblem(invalid(() -> http.get("/v1/jobs?limit=0")), 400, "invalid-request");
        assertProblem(invalid(() -> http.get("/v1/jobs?limit=1001")), 400, "invalid-request");
        Http.Reply state = invalid(() -> http.get("/v1/jobs?state=BOGUS"));
        assertProblem(state, 400, "invalid-request");
        assertThat(state.json().get("field").asString()).isEqualTo("state");
        assertProblem(invalid(() -> http.get("/v1/jobs?offset=x")), 400, "invalid-request");

        String id = submit(Map.of("function", "square", "inputs", List.of(3)));
        assertProblem(invalid(() -> http.get("/v1/jobs/" + id + "/results?limit=0")), 400, "invalid-request");
        assertProblem(invalid(() -> http.get("/v1/jobs/" + id + "/results?offset=-1")), 400, "invalid-request");
    }

    @Test
    void everyApiOperationAnswers406WhenJsonIsNotAcceptable() {
        Map<String, String> csv = Map.of("Accept", "text/csv");
        String body = "{\"function\":\"square\",\"inputs\":[1]}";
        String id = submit(Map.of("function", "square", "inputs", List.of(4)));
        awaitEnd(id, Duration.ofSeconds(10));
        List<Supplier<Http.Reply>> calls = List.of(
                () -> http.send("POST", "/v1/jobs", body, "application/json", csv),
                () -> http.send("POST", "/v1/map", body, "application/json", csv),
                () -> http.send("GET", "/v1/jobs", null, null, csv),
                () -> http.send("GET", "/v1/jobs/" + id, null, null, csv),
                () -> http.send("DELETE", "/v1/jobs/" + id, null, null, csv),
                () -> http.send("GET", "/v1/jobs/" + id + "/results", null, null, csv),
                () -> http.send("GET", "/v1/pool", null, null, csv),
                () -> http.send("GET", "/v1/functions", null, null, csv),
                () -> http.send("GET", "/v1/functions/square", null, null, csv));
        for (Supplier<Http.Reply> call : calls) {
            assertProblem(invalid(call), 406, "not-acceptable");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Actuator

    @Test
    void actuatorEndpoints() {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
            Http.Reply health = http.get(path);
            assertThat(health.status()).as(path + " " + health).isEqualTo(200);
            assertThat(health.json().get("status").asString()).isEqualTo("UP");
            Http.Reply json = http.send("GET", path, null, null, Map.of("Accept", "application/json"));
            assertThat(json.contentType()).startsWith("application/json");
        }

        assertThat(http.get("/actuator/info").status()).isEqualTo(200);

        Http.Reply names = http.get("/actuator/metrics");
        assertThat(names.status()).isEqualTo(200);
        assertThat(names.json().get("names").findValuesAsString("names")).isNotNull();
        Http.Reply memory = http.get("/actuator/metrics/jvm.memory.used");
        assertThat(memory.status()).as(memory.toString()).isEqualTo(200);
        Http.Reply heap = http.get("/actuator/metrics/jvm.memory.used?tag=area:heap");
        assertThat(heap.status()).as(heap.toString()).isEqualTo(200);
        assertThat(http.get("/actuator/metrics/no.such.metric").status()).isEqualTo(404);
        assertThat(http.get("/actuator/metrics/jvm.memory.used?tag=area:nowhere").status()).isEqualTo(404);
        assertProblem(invalid(() -> http.get("/actuator/metrics/jvm.memory.used?tag=area")), 400, "invalid-request");

        Http.Reply text = http.get("/actuator/prometheus");
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.contentType()).startsWith("text/plain");
        assertThat(text.body()).contains("jvm_memory_used_bytes");
        Http.Reply openMetrics = http.send("GET", "/actuator/prometheus", null, null,
                Map.of("Accept", "application/openmetrics-text"));
        assertThat(openMetrics.status()).isEqualTo(200);
        assertThat(openMetrics.contentType()).startsWith("application/openmetrics-text");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Coverage, the other way round

    /**
     * After the class, when all of its tests ran (a run filtered to some of them cannot cover the spec and
     * says so): no test depends on another's order, and this check needs only that every test has run.
     */
    @AfterEach
    void countTests() {
        testsRun++;
    }

    @AfterAll
    void everyOperationAndDocumentedAnswerOfTheSpecWasExercised() {
        long tests = java.util.Arrays.stream(ContractIT.class.getDeclaredMethods())
                .filter(method -> method.isAnnotationPresent(Test.class)).count();
        if (testsRun < tests) {
            System.out.printf("ContractIT: the spec-coverage check is skipped: only %d of its %d tests ran%n", testsRun, tests);
            return;
        }
        assertThat(operations).hasSize(EXPECTED_OPERATIONS);

        Set<String> missingOperations = operations.stream().map(Operation::key)
                .filter(key -> !exercised.containsKey(key)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(missingOperations).as("operations of openapi.yaml never exercised (seen: %s)", exercised).isEmpty();
        assertThat(exercised.keySet()).as("exercised operations").hasSize(EXPECTED_OPERATIONS);
        assertThat(validated).as("exchanges validated").isGreaterThan(EXPECTED_OPERATIONS);

        Set<String> missingAnswers = new TreeSet<>();
        for (Operation operation : operations) {
            Set<Integer> seen = exercised.getOrDefault(operation.key(), Set.of());
            for (String status : operation.statuses()) {
                if (!status.equals("default") && !seen.contains(Integer.parseInt(status))) {
                    missingAnswers.add(operation.key() + " " + status);
                }
            }
        }
        // 401 needs API keys, which this server runs without (open on loopback): SecurityIT covers it
        missingAnswers.removeIf(answer -> answer.endsWith(" 401"));
        assertThat(missingAnswers).as("documented answers never provoked (seen: %s)", exercised).isSubsetOf(NOT_EXERCISED);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Plumbing

    /** Runs a request the spec itself must refuse; its answer is still validated. */
    private Http.Reply invalid(Supplier<Http.Reply> call) {
        expectInvalidRequest = true;
        try {
            return call.get();
        } finally {
            expectInvalidRequest = false;
        }
    }

    private static void assertProblem(Http.Reply reply, int status, String slug) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.contentType()).as("Content-Type of " + reply).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:jobpool:problem:" + slug);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
    }

    private void check(Http.Exchange exchange) {
        String where = exchange.method() + " " + exchange.path() + " -> " + exchange.reply().status();
        try {
            int question = exchange.path().indexOf('?');
            String path = question < 0 ? exchange.path() : exchange.path().substring(0, question);

            Operation operation = operations.stream()
                    .filter(op -> op.method().equals(exchange.method()) && op.pattern().matcher(path).matches())
                    .findFirst().orElse(null);
            if (operation == null) {
                failures.add(where + ": no operation of openapi.yaml matches");
                return;
            }
            exercised.computeIfAbsent(operation.key(), key -> Collections.synchronizedSet(new TreeSet<>()))
                    .add(exchange.reply().status());

            SimpleRequest.Builder request = new SimpleRequest.Builder(exchange.method(), path);
            if (question >= 0) {
                query(exchange.path().substring(question + 1)).forEach(request::withQueryParam);
            }
            exchange.requestHeaders().forEach((name, values) -> {
                if (name.equalsIgnoreCase("Content-Type")) {
                    request.withContentType(values.get(0));
                } else {
                    request.withHeader(name, values);
                }
            });
            if (exchange.requestBody() != null) {
                request.withBody(exchange.requestBody());
            }

            SimpleResponse.Builder response = new SimpleResponse.Builder(exchange.reply().status());
            exchange.reply().headers().forEach((name, values) -> {
                if (name.startsWith(":")) {
                    return;
                }
                if (name.equalsIgnoreCase("Content-Type")) {
                    response.withContentType(values.get(0));
                } else {
                    response.withHeader(name, values);
                }
            });
            if (!exchange.reply().body().isEmpty()) {
                response.withBody(exchange.reply().body());
            }

            SimpleRequest builtRequest = request.build();
            SimpleResponse builtResponse = response.build();
            List<String> found = new ArrayList<>();
            if (expectInvalidRequest) {
                if (errors(validator.validateRequest(builtRequest)).isEmpty()) {
                    found.add("the service refused the request but openapi.yaml allows it");
                }
                found.addAll(errors(validator.validateResponse(path, Request.Method.valueOf(exchange.method()), builtResponse)));
            } else {
                found.addAll(errors(validator.validate(builtRequest, builtResponse)));
            }
            validated++;
            if (!found.isEmpty()) {
                failures.add(where + "\n    " + String.join("\n    ", found) + "\n    response: "
                        + exchange.reply().contentType() + " " + abbreviate(exchange.reply().body()));
            }
        } catch (RuntimeException e) {
            failures.add(where + ": validation failed with " + e);
        }
    }

    private static List<String> errors(ValidationReport report) {
        return report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .map(m -> "[" + m.getKey() + "] " + m.getMessage()
                        + (m.getAdditionalInfo().isEmpty() ? "" : " " + m.getAdditionalInfo())
                        + m.getNestedMessages().stream().map(n -> "\n      [" + n.getKey() + "] " + n.getMessage())
                        .collect(Collectors.joining()))
                .toList();
    }

    private static Map<String, List<String>> query(String query) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
        }
        return params;
    }

    /** {@code /v1/jobs/{id}} as a regex matching one non-empty path segment per variable. */
    private static Pattern templatePattern(String template) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") && part.endsWith("}") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    private static String abbreviate(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "..." : text;
    }
}
