package io.jobpool.function;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CEL expressions over HTTP: the ad-hoc {@code f} of a map job, sandboxed. */
class CelIT extends ServerTest {

    @Test
    void numbersStayExactIntegers() {
        JsonNode body = map(Map.of("expression", "x * x + params.k", "params", Map.of("k", 1), "inputs", List.of(1, 2, 3_000_000_000L)));

        assertThat(body.get("results").toString()).isEqualTo("[2,5,9000000000000000001]");
    }

    @Test
    void aNullParameterIsAValueNotAnError() {
        JsonNode body = map(Map.of("expression", "params.k == null ? x : 0", "params", java.util.Collections.singletonMap("k", null),
                "inputs", List.of(7)));

        assertThat(body.get("results").toString()).isEqualTo("[7]");
    }

    @Test
    void stringsObjectsAndListsMapToJson() {
        JsonNode strings = map(Map.of("expression", "x + '!' + string(size(x))", "inputs", List.of("héllo")));
        JsonNode objects = map(Map.of("expression", "{'name': x.name, 'adult': has(x.age) && x.age >= 18}",
                "inputs", List.of(Map.of("name", "ada", "age", 36), Map.of("name", "bo"))));
        JsonNode lists = map(Map.of("expression", "x.filter(v, v % 2 == 0).map(v, v * 10)", "inputs", List.of(List.of(1, 2, 3, 4))));

        assertThat(strings.get("results").toString()).isEqualTo("[\"héllo!5\"]");
        assertThat(objects.get("results").toString()).isEqualTo("[{\"name\":\"ada\",\"adult\":true},{\"name\":\"bo\",\"adult\":false}]");
        assertThat(lists.get("results").toString()).isEqualTo("[[20,40]]");
    }

    @Test
    void compileErrorIsUnprocessableWithItsPosition() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("expression", "x +* 2", "inputs", List.of(1)));

        assertThat(reply.status()).isEqualTo(422);
        JsonNode problem = reply.json();
        assertThat(problem.get("type").asString()).isEqualTo("urn:jobpool:problem:invalid-expression");
        assertThat(problem.get("field").asString()).isEqualTo("expression");
        assertThat(problem.get("detail").asString()).contains("line 1, column 4");
    }

    @Test
    void undeclaredVariableIsCaughtAtSubmitTime() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("expression", "y + 1", "inputs", List.of(1)));

        assertThat(reply.status()).isEqualTo(422);
        assertThat(reply.json().get("detail").asString()).contains("undeclared reference to 'y'");
    }

    @Test
    void costBombStopsWithAnItemErrorInBoundedTimeAndTheServiceStaysHealthy() {
        String ten = "[1,2,3,4,5,6,7,8,9,10]";
        String bomb = ten + ".map(a, " + ten + ".map(b, " + ten + ".map(c, " + ten + ".map(d, " + ten
                + ".map(e, a + b + c + d + e)))))";
        long started = System.nanoTime();

        JsonNode body = map(Map.of("expression", bomb, "inputs", List.of(1, 2), "onError", "continue"));

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(body.get("errors").findValuesAsString("type")).containsExactly("CostLimitExceeded", "CostLimitExceeded");
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        assertThat(http.get("/actuator/health").json().get("status").asString()).isEqualTo("UP");
        assertThat(map(Map.of("expression", "x + 1", "inputs", List.of(1))).get("results").toString()).isEqualTo("[2]");
        assertThat(metric("jobpool.cel.failures", "kind:cost-limit")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void runtimeErrorsAreItemErrors() {
        JsonNode body = map(Map.of("expression", "10 / x", "inputs", List.of(2, 0), "onError", "continue"));

        assertThat(body.get("results").get(0).asInt()).isEqualTo(5);
        assertThat(body.get("errors").get(0).get("type").asString()).isEqualTo("EvaluationError");
        assertThat(body.get("errors").get(0).get("message").asString()).contains("by zero");
    }

    @Test
    void functionAndExpressionTogetherAreRefused() {
        Http.Reply reply = http.post("/v1/jobs", Map.of("function", "square", "expression", "x", "inputs", List.of(1)));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("field").asString()).isEqualTo("expression");
    }

    @Test
    void jobStatusShowsTheExpression() {
        String id = submit(Map.of("expression", "x * 2", "inputs", List.of(1)));

        JsonNode status = awaitEnd(id, Duration.ofSeconds(10));

        assertThat(status.get("function").asString()).isEqualTo("cel");
        assertThat(status.get("expression").asString()).isEqualTo("x * 2");
    }

    private JsonNode map(Map<String, Object> job) {
        Http.Reply reply = http.post("/v1/map", job);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }
}
