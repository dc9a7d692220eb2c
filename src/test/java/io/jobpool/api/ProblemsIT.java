package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every bad input is answered with an RFC 9457 {@code application/problem+json} problem: the right
 * status, a stable type, a title, a detail and, for a field's fault, the field. Never a 5xx.
 */
class ProblemsIT extends ServerTest {

    private static final String WELL_FORMED_UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAA";

    // ---- 400: the body is not a JSON object of the right shape ----

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "malformed JSON           | {\"function\": square}",
            "truncated JSON           | {\"function\":\"square\",\"inputs\":[1,2",
            "trailing garbage         | {\"function\":\"square\",\"inputs\":[1]} }",
            "a JSON array             | [{\"function\":\"square\",\"inputs\":[1]}]",
            "a JSON string            | `\"square\"`",
            "a JSON number            | 42",
            "JSON null                | null",
            "not JSON at all          | function=square&inputs=1",
    })
    void unreadableBodyIsMalformedRequest(String what, String body) {
        Http.Reply reply = http.postRaw("/v1/jobs", body, "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST);
    }

    @Test
    void emptyBodyIsMalformedRequest() {
        Http.Reply reply = http.postRaw("/v1/jobs", "", "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST);
    }

    @Test
    void whitespaceOnlyBodyIsMalformedRequest() {
        Http.Reply reply = http.postRaw("/v1/map", "  \n ", "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST);
    }

    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                arguments("function", "5"),
                arguments("function", "true"),
                arguments("function", "{\"name\":\"square\"}"),
                arguments("function", "[\"square\"]"),
                arguments("params", "[]"),
                arguments("params", "\"rounds=3\""),
                arguments("params", "7"),
                arguments("inputs", "\"1,2,3\""),
                arguments("inputs", "{\"0\":1}"),
                arguments("inputs", "3"),
                arguments("chunkSize", "2.5"),
                arguments("chunkSize", "2.0"),
                arguments("chunkSize", "\"10\""),
                arguments("chunkSize", "true"),
                arguments("chunkSize", "[10]"),
                arguments("chunkSize", "99999999999"),
                arguments("onError", "1"),
                arguments("onError", "false"),
                arguments("onError", "[\"fail\"]"),
                arguments("retries", "1.5"),
                arguments("retries", "\"2\""),
                arguments("retries", "{}"),
                arguments("timeout", "30"),
                arguments("timeout", "30.5"),
                arguments("timeout", "{\"seconds\":30}"),
                arguments("priority", "5.5"),
                arguments("priority", "\"5\""),
                arguments("priority", "false"));
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("wrongTypes")
    void wrongJsonTypeIsMalformedRequestNamingTheField(String field, String json) {
        Http.Reply reply = http.postRaw("/v1/jobs", bodyWith(field, json), "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST, field);
    }

    @Test
    void unknownFieldIsRefusedNamingIt() {
        Http.Reply reply = http.postRaw("/v1/jobs", "{\"function\":\"square\",\"inputs\":[1],\"chunksize\":3}",
                "application/json");

        JsonNode problem = assertProblem(reply, ProblemType.INVALID_REQUEST, "chunksize");
        assertThat(problem.get("detail").asString()).contains("chunksize");
    }

    // ---- 400: field constraints ----

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                arguments("function", "{\"inputs\":[1]}"),
                arguments("function", "{\"function\":null,\"inputs\":[1]}"),
                arguments("function", "{\"function\":\"\",\"inputs\":[1]}"),
                arguments("function", "{\"function\":\"   \",\"inputs\":[1]}"),
                arguments("inputs", "{\"function\":\"square\"}"),
                arguments("inputs", "{\"function\":\"square\",\"inputs\":null}"),
                arguments("chunkSize", "{\"function\":\"square\",\"inputs\":[1],\"chunkSize\":0}"),
                arguments("chunkSize", "{\"function\":\"square\",\"inputs\":[1],\"chunkSize\":-1}"),
                arguments("chunkSize", "{\"function\":\"square\",\"inputs\":[1],\"chunkSize\":1000001}"),
                arguments("retries", "{\"function\":\"square\",\"inputs\":[1],\"retries\":-1}"),
                arguments("retries", "{\"function\":\"square\",\"inputs\":[1],\"retries\":11}"),
                arguments("priority", "{\"function\":\"square\",\"inputs\":[1],\"priority\":0}"),
                arguments("priority", "{\"function\":\"square\",\"inputs\":[1],\"priority\":11}"),
                arguments("priority", "{\"function\":\"square\",\"inputs\":[1],\"priority\":-5}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"5s\"}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"PT0S\"}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"-PT1S\"}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"P2D\"}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"\"}"),
                arguments("timeout", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"PT\"}"),
                arguments("onError", "{\"function\":\"square\",\"inputs\":[1],\"onError\":\"ignore\"}"),
                arguments("onError", "{\"function\":\"square\",\"inputs\":[1],\"onError\":\"\"}"));
    }

    @ParameterizedTest(name = "[{index}] {0}: {1}")
    @MethodSource("invalidFields")
    void fieldBreakingItsConstraintIsInvalidRequestNamingTheField(String field, String body) {
        Http.Reply reply = http.postRaw("/v1/jobs", body, "application/json");

        assertProblem(reply, ProblemType.INVALID_REQUEST, field);
    }

    @Test
    void fieldConstraintsAreCheckedOnMapToo() {
        Http.Reply reply = http.postRaw("/v1/map", "{\"function\":\"square\",\"inputs\":[1],\"timeout\":\"P2D\"}",
                "application/json");

        assertProblem(reply, ProblemType.INVALID_REQUEST, "timeout");
    }

    @Test
    void deeplyNestedInputsAreABadRequestNotAServerError() {
        int depth = 5000;
        String body = "{\"function\":\"square\",\"inputs\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

        Http.Reply reply = http.postRaw("/v1/jobs", body, "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST);
    }

    @Test
    void deeplyNestedParamsAreABadRequestNotAServerError() {
        int depth = 5000;
        String body = "{\"function\":\"square\",\"inputs\":[1],\"params\":" + "{\"a\":".repeat(depth) + "1"
                + "}".repeat(depth) + "}";

        Http.Reply reply = http.postRaw("/v1/map", body, "application/json");

        assertProblem(reply, ProblemType.MALFORMED_REQUEST);
    }

    // ---- 400: query parameters ----

    @ParameterizedTest(name = "[{index}] GET {0}")
    @CsvSource({
            "/v1/jobs?limit=0,                 limit",
            "/v1/jobs?limit=1001,              limit",
            "/v1/jobs?limit=abc,               limit",
            "/v1/jobs?limit=1.5,               limit",
            "/v1/jobs?offset=-1,               offset",
            "/v1/jobs?offset=x,                offset",
            "/v1/jobs?offset=99999999999,      offset",
            "/v1/jobs?state=bogus,             state",
    })
    void badListQueryParameterIsInvalidRequestNamingIt(String path, String field) {
        Http.Reply reply = http.get(path);

        assertProblem(reply, ProblemType.INVALID_REQUEST, field);
    }

    @ParameterizedTest(name = "[{index}] GET results?{0}")
    @CsvSource({
            "limit=0,        limit",
            "limit=100001,   limit",
            "limit=abc,      limit",
            "offset=-1,      offset",
            "offset=one,     offset",
    })
    void badResultsQueryParameterIsInvalidRequestNamingIt(String query, String field) {
        String id = submit(Map.of("function", "square", "inputs", List.of(1, 2, 3)));

        Http.Reply reply = http.get("/v1/jobs/" + id + "/results?" + query);

        assertProblem(reply, ProblemType.INVALID_REQUEST, field);
    }

    @ParameterizedTest(name = "[{index}] waitSeconds={0}")
    @ValueSource(strings = {"301", "-1", "abc", "1.5"})
    void badWaitSecondsIsInvalidRequestNamingIt(String waitSeconds) {
        Http.Reply reply = http.post("/v1/map?waitSeconds=" + waitSeconds, Map.of("function", "square", "inputs", List.of(1)));

        assertProblem(reply, ProblemType.INVALID_REQUEST, "waitSeconds");
    }

    // ---- 404 ----

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource({
            "GET,    /v1/jobs/" + WELL_FORMED_UNKNOWN_ID,
            "GET,    /v1/jobs/" + WELL_FORMED_UNKNOWN_ID + "/results",
            "DELETE, /v1/jobs/" + WELL_FORMED_UNKNOWN_ID,
            "GET,    /v1/jobs/not-a-job-id",
            "GET,    /v1/jobs/not-a-job-id/results",
            "DELETE, /v1/jobs/not-a-job-id",
            "GET,    /v1/jobs/AAAAAAAAAAAAAAAAAAAAAAA",
            "GET,    /v1/jobs/AAAAAAAAAAAAAAAAAAAAA%2B",
            "DELETE, /v1/jobs/%20",
    })
    void unknownOrMalformedJobIdIsJobNotFound(String method, String path) {
        Http.Reply reply = http.send(method, path, null, null);

        assertProblem(reply, ProblemType.JOB_NOT_FOUND);
    }

    @ParameterizedTest(name = "[{index}] GET {0}")
    @ValueSource(strings = {"/nope", "/v1/nope", "/v1/jobs/" + WELL_FORMED_UNKNOWN_ID + "/nope", "/v2/jobs",
            "/v1/functions/square/extra"})
    void unknownPathIsNotFound(String path) {
        Http.Reply reply = http.get(path);

        assertProblem(reply, ProblemType.NOT_FOUND);
    }

    @Test
    void unknownFunctionInTheCatalogIsFunctionNotFound() {
        Http.Reply reply = http.get("/v1/functions/cube");

        JsonNode problem = assertProblem(reply, ProblemType.FUNCTION_NOT_FOUND);
        assertThat(problem.get("detail").asString()).contains("cube");
    }

    // ---- 405 ----

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource({
            "PUT,    /v1/jobs",
            "DELETE, /v1/jobs",
            "PATCH,  /v1/jobs/" + WELL_FORMED_UNKNOWN_ID,
            "POST,   /v1/jobs/" + WELL_FORMED_UNKNOWN_ID,
            "GET,    /v1/map",
            "POST,   /v1/pool",
            "DELETE, /v1/functions/square",
    })
    void wrongMethodIsMethodNotAllowedWithAllow(String method, String path) {
        Http.Reply reply = http.send(method, path, "{}", "application/json");

        assertProblem(reply, ProblemType.METHOD_NOT_ALLOWED);
        assertThat(reply.header("Allow")).as(reply.headers().toString()).isNotBlank();
    }

    // ---- 406 ----

    @ParameterizedTest(name = "[{index}] GET {0} accepting {1}")
    @CsvSource({
            "/v1/pool,      text/csv",
            "/v1/functions, application/xml",
    })
    void unacceptableAcceptHeaderIsNotAcceptable(String path, String accept) {
        Http.Reply reply = http.send("GET", path, null, null, Map.of("Accept", accept));

        assertProblem(reply, ProblemType.NOT_ACCEPTABLE);
    }

    // ---- 409 ----

    @Test
    void cancellingAFinishedJobIsAConflict() {
        String id = submit(Map.of("function", "square", "inputs", List.of(1, 2, 3)));
        assertThat(awaitEnd(id, Duration.ofSeconds(10)).get("state").asString()).isEqualTo("SUCCEEDED");

        Http.Reply reply = http.delete("/v1/jobs/" + id);

        JsonNode problem = assertProblem(reply, ProblemType.JOB_STATE_CONFLICT);
        assertThat(problem.get("detail").asString()).contains("SUCCEEDED");
    }

    @Test
    void cancellingTwiceIsAConflict() {
        String id = submit(Map.of("function", "sleep", "inputs", List.of(2000, 2000)));
        assertThat(http.delete("/v1/jobs/" + id).status()).isEqualTo(200);

        Http.Reply reply = http.delete("/v1/jobs/" + id);

        JsonNode problem = assertProblem(reply, ProblemType.JOB_STATE_CONFLICT);
        assertThat(problem.get("detail").asString()).contains("CANCELLED");
    }

    // ---- 415 ----

    @ParameterizedTest(name = "[{index}] {0} as {1}")
    @CsvSource({
            "/v1/jobs, text/plain",
            "/v1/jobs, application/x-www-form-urlencoded",
            "/v1/jobs, multipart/form-data; boundary=x",
            "/v1/jobs, application/xml",
            "/v1/map,  text/plain",
            "/v1/map,  application/x-www-form-urlencoded",
    })
    void nonJsonContentTypeIsUnsupportedMediaType(String path, String contentType) {
        Http.Reply reply = http.postRaw(path, "{\"function\":\"square\",\"inputs\":[1]}", contentType);

        JsonNode problem = assertProblem(reply, ProblemType.UNSUPPORTED_MEDIA_TYPE);
        assertThat(problem.get("detail").asString()).contains("application/json");
    }

    @Test
    void missingContentTypeIsUnsupportedMediaType() {
        Http.Reply reply = http.postRaw("/v1/jobs", "{\"function\":\"square\",\"inputs\":[1]}", null);

        assertProblem(reply, ProblemType.UNSUPPORTED_MEDIA_TYPE);
    }

    // ---- 422 ----

    @ParameterizedTest(name = "[{index}] POST {0}")
    @ValueSource(strings = {"/v1/jobs", "/v1/map"})
    void unknownFunctionIsUnprocessable(String path) {
        Http.Reply reply = http.post(path, Map.of("function", "cube", "inputs", List.of(1)));

        JsonNode problem = assertProblem(reply, ProblemType.UNKNOWN_FUNCTION, "function");
        assertThat(problem.get("detail").asString()).contains("cube");
    }

    static Stream<Arguments> badParams() {
        return Stream.of(
                arguments("sha256", "{\"rounds\":0}", "params.rounds"),
                arguments("sha256", "{\"rounds\":-3}", "params.rounds"),
                arguments("sha256", "{\"rounds\":\"3\"}", "params.rounds"),
                arguments("sha256", "{\"rounds\":2.5}", "params.rounds"),
                arguments("sha256", "{\"rounds\":null}", "params.rounds"),
                arguments("sha256", "{\"x\":1}", "params.x"),
                arguments("square", "{\"x\":1}", "params.x"),
                arguments("fail", "{\"on\":\"7\"}", "params.on"),
                arguments("fail", "{\"on\":null}", "params.on"),
                arguments("fail", "{\"on\":[1],\"off\":[2]}", "params.off"));
    }

    @ParameterizedTest(name = "[{index}] {0} params {1}")
    @MethodSource("badParams")
    void badParamsAreUnprocessableNamingTheParam(String function, String params, String field) {
        Http.Reply reply = http.postRaw("/v1/jobs", "{\"function\":\"" + function + "\",\"params\":" + params
                + ",\"inputs\":[\"a\"]}", "application/json");

        assertProblem(reply, ProblemType.INVALID_PARAMS, field);
    }

    @Test
    void roundsAboveTheAdvertisedMaximumAreUnprocessable() {
        long maximum = http.get("/v1/functions/sha256").json().get("paramsSchema").get("properties").get("rounds")
                .get("maximum").asLong();

        Http.Reply reply = http.post("/v1/jobs", Map.of("function", "sha256", "params", Map.of("rounds", maximum + 1),
                "inputs", List.of("a")));

        JsonNode problem = assertProblem(reply, ProblemType.INVALID_PARAMS, "params.rounds");
        assertThat(problem.get("detail").asString()).contains(Long.toString(maximum));
    }

    // ---- the server keeps serving ----

    @Test
    void serverStillServesAfterABarrageOfBadRequests() {
        http.postRaw("/v1/jobs", "{", "application/json");
        http.postRaw("/v1/jobs", "[".repeat(5000), "application/json");
        http.get("/v1/jobs?limit=abc");

        Http.Reply reply = http.post("/v1/map", Map.of("function", "square", "inputs", List.of(3)));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("results").toString()).isEqualTo("[9]");
    }

    // ---- helpers ----

    private static String bodyWith(String field, String json) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("function", "\"square\"");
        fields.put("inputs", "[1,2]");
        fields.put(field, json);
        StringBuilder body = new StringBuilder("{");
        fields.forEach((name, value) -> body.append(body.length() > 1 ? "," : "").append('"').append(name)
                .append("\":").append(value));
        return body.append('}').toString();
    }

    /** Asserts an RFC 9457 problem of {@code type} without a field requirement and returns its body. */
    static JsonNode assertProblem(Http.Reply reply, ProblemType type) {
        return assertProblem(reply, type, null);
    }

    /** Asserts an RFC 9457 problem of {@code type}, naming {@code field} when not null, and returns its body. */
    static JsonNode assertProblem(Http.Reply reply, ProblemType type, String field) {
        assertThat(reply.status()).as(reply.toString()).isLessThan(500).isEqualTo(type.status());
        assertThat(reply.contentType()).as(reply.toString()).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).as(reply.toString()).isEqualTo(type.uri())
                .startsWith("urn:jobpool:problem:");
        assertThat(problem.get("title").asString()).as(reply.toString()).isEqualTo(type.title()).isNotBlank();
        assertThat(problem.get("status").isInt()).as(reply.toString()).isTrue();
        assertThat(problem.get("status").asInt()).as(reply.toString()).isEqualTo(reply.status());
        assertThat(problem.get("detail").asString()).as(reply.toString()).isNotBlank();
        assertThat(problem.get("instance").asString()).as(reply.toString()).startsWith("/");
        if (field != null) {
            assertThat(problem.hasNonNull("field")).as(reply.toString()).isTrue();
            assertThat(problem.get("field").asString()).as(reply.toString()).isEqualTo(field);
        }
        return problem;
    }
}
