package io.jobpool.function;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Process functions against real worker processes: the seed's {@code init}/{@code hello} example,
 * the Node.js worker, and a Python worker that misbehaves on request ({@code examples/process-functions}).
 * Nothing on the process side is faked: every test spawns, talks to and kills real processes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
// its 'broken' function retries its start every 30 s while the service lives: closed after the class, so
// that the retries and their warnings do not run on through the rest of the build
@DirtiesContext
class ProcessFunctionsIT extends ServerTest {

    private static final Path EXAMPLES = Path.of("examples", "process-functions").toAbsolutePath();
    private static final String SDK = Path.of("clients", "python").toAbsolutePath().toString();
    private static final Path INIT_LOG = tempFile("hello-init");
    /** A worker that says it is ready, then answers every chunk with a line that is not JSON. */
    private static final Path GARBAGE = script("garbage", "import sys\n"
            + "print('{\"ready\": true}', flush=True)\n"
            + "for line in sys.stdin:\n"
            + "    print('not json', flush=True)\n");
    /** A worker that answers each item with the item written twice (its answers are twice as long as its items). */
    private static final Path DOUBLER = script("doubler", "import json, sys\n"
            + "print('{\"ready\": true}', flush=True)\n"
            + "for line in sys.stdin:\n"
            + "    print(json.dumps({'values': [x + x for x in json.loads(line)['items']]}), flush=True)\n");
    /** A worker that answers every chunk, then writes one answer more that nobody asked for. */
    private static final Path CHATTY = script("chatty", "import json, sys\n"
            + "print('{\"ready\": true}', flush=True)\n"
            + "for line in sys.stdin:\n"
            + "    print(json.dumps({'values': json.loads(line)['items']}), flush=True)\n"
            + "    print(json.dumps({'values': ['unasked']}), flush=True)\n");

    @BeforeAll
    static void pythonIsHere() {
        assumeTrue(runs("python3", "--version"), "no python3 on the PATH: ProcessFunctionsIT cannot run here");
    }

    @DynamicPropertySource
    static void processFunctions(DynamicPropertyRegistry registry) {
        python(registry, "hello", "hello.py", Map.of("processes", "2", "environment.HELLO_INIT_LOG", INIT_LOG.toString(),
                "params-schema", "{\"type\":\"object\",\"properties\":{\"greeting\":{\"type\":\"string\"}},\"additionalProperties\":false}"));
        registry.add("jobpool.process-functions.upper.command", () -> "node," + EXAMPLES.resolve("upper.js"));
        registry.add("jobpool.process-functions.upper.processes", () -> "1");
        python(registry, "faulty", "faulty.py", Map.of("processes", "1"));
        python(registry, "cancellable", "faulty.py", Map.of("processes", "1"));
        // each fault test has its own function: a slot's back-off after crashes must not reach another test
        python(registry, "crashing", "faulty.py", Map.of("processes", "1"));
        python(registry, "segfaulting", "faulty.py", Map.of("processes", "1"));
        python(registry, "crashloop", "faulty.py", Map.of("processes", "1"));
        python(registry, "broken", "faulty.py", Map.of("processes", "1", "environment.FAULTY_INIT", "fail"));
        python(registry, "hanging", "faulty.py", Map.of("processes", "1", "environment.FAULTY_INIT", "hang",
                "startup-timeout", "1s"));
        python(registry, "hog", "faulty.py", Map.of("processes", "1", "memory-limit", "150MB"));
        python(registry, "recycled", "faulty.py", Map.of("processes", "1", "max-items-per-process", "5"));
        python(registry, "slot", "slot.py", Map.of("processes", "2", "kind", "io",
                "environment.CUDA_VISIBLE_DEVICES", "{slot}"));
        registry.add("jobpool.process-functions.missing.command", () -> "/nonexistent/worker,--flag");
        registry.add("jobpool.process-functions.garbage.command", () -> "python3," + GARBAGE);
        registry.add("jobpool.process-functions.chatty.command", () -> "python3," + CHATTY);
        registry.add("jobpool.process-functions.chatty.processes", () -> "1");
        registry.add("jobpool.process-functions.doubler.command", () -> "python3," + DOUBLER);
        registry.add("jobpool.process-functions.doubler.processes", () -> "1");
        registry.add("jobpool.process-functions.doubler.max-message-size", () -> "1KB");
        python(registry, "idler", "faulty.py", Map.of("processes", "1", "idle-timeout", "1s"));
    }

    private static void python(DynamicPropertyRegistry registry, String name, String file, Map<String, String> settings) {
        String prefix = "jobpool.process-functions." + name + ".";
        // the function's name as a last argument only tells the processes apart in ps (and in these tests)
        registry.add(prefix + "command", () -> "python3,-u," + EXAMPLES.resolve(file) + "," + name);
        registry.add(prefix + "environment.PYTHONPATH", () -> SDK);
        settings.forEach((key, value) -> registry.add(prefix + key, () -> value));
    }

    // ---- the seed example

    @Test
    void seedExampleGreetsThroughItsWarmProcesses() {
        JsonNode result = http.post("/v1/map", Map.of("function", "hello", "inputs", List.of("world", "abc"))).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(result.get("results").get(0).asString()).startsWith("hello world");
        assertThat(result.get("results").get(1).asString()).startsWith("hello abc");
    }

    @Test
    void initializerRunsOncePerProcessAcrossTenJobs() throws IOException {
        for (int job = 0; job < 10; job++) {
            JsonNode result = http.post("/v1/map", Map.of("function", "hello", "params", Map.of("greeting", "hi"),
                    "inputs", IntStream.range(0, 200).mapToObj(i -> "n" + i).toList())).json();
            assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
            assertThat(result.get("results").get(199).asString()).startsWith("hi n199");
        }

        List<String> initializers = Files.readAllLines(INIT_LOG);
        assertThat(initializers).hasSize(2).doesNotHaveDuplicates();
        assertThat(metric("jobpool.process.starts", "function:hello")).isEqualTo(2.0);
        assertThat(metric("jobpool.process.initializer", "function:hello")).isEqualTo(2.0);
        assertThat(metric("jobpool.process.alive", "function:hello")).isEqualTo(2.0);
    }

    @Test
    void userErrorsAreItemErrorsWithTheExceptionsTypeAndParamsAreChecked() {
        JsonNode result = http.post("/v1/map", Map.of("function", "hello", "onError", "continue",
                "inputs", List.of("world", 3))).json();
        assertThat(result.get("errors").get(0).get("type").asString()).isEqualTo("ValueError");
        assertThat(result.get("errors").get(0).get("message").asString()).contains("3 is not a name");

        Http.Reply refused = http.post("/v1/jobs", Map.of("function", "hello", "params", Map.of("greting", "hi"),
                "inputs", List.of("x")));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().get("field").asString()).isEqualTo("params.greting");
    }

    /** An open job (Pool's producer/consumer) and its NDJSON stream, as for any function. */
    @Test
    void anOpenJobIsFedAndStreamedThroughTheProcesses() {
        String id = submit(Map.of("function", "hello", "open", true));
        assertThat(http.post("/v1/jobs/" + id + "/inputs", List.of("a", "b")).status()).isEqualTo(200);
        assertThat(http.post("/v1/jobs/" + id + "/inputs", List.of("c")).status()).isEqualTo(200);
        assertThat(http.post("/v1/jobs/" + id + "/close", Map.of()).status()).isEqualTo(200);

        assertThat(awaitEnd(id, Duration.ofSeconds(20)).get("state").asString()).isEqualTo("SUCCEEDED");
        List<String> values = http.get("/v1/jobs/" + id + "/results/stream").body().lines().map(Http.JSON::readTree)
                .filter(line -> line.has("index")).map(line -> line.get("value").asString()).toList();
        assertThat(values).containsExactly("hello a", "hello b", "hello c");
    }

    @Test
    void catalogShowsProcessFunctionsWithTheirProcesses() {
        JsonNode hello = http.get("/v1/functions/hello").json();
        assertThat(hello.get("kind").asString()).isEqualTo("process");
        assertThat(hello.get("process").get("pool").asString()).isEqualTo("cpu");
        assertThat(hello.get("process").get("processes").asInt()).isEqualTo(2);
        assertThat(hello.get("paramsSchema").get("properties").has("greeting")).isTrue();
        assertThat(http.get("/v1/functions/slot").json().get("process").get("pool").asString()).isEqualTo("io");
    }

    // ---- the protocol is all a worker needs

    @Test
    void nodeWorkerServesTheSameProtocol() {
        assumeTrue(runs("node", "--version"), "no node on the PATH: nodeWorkerServesTheSameProtocol cannot run here");
        List<Object> inputs = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            inputs.add(i == 1234 ? 1234 : "item-" + i);
        }
        JsonNode result = http.post("/v1/map", Map.of("function", "upper", "onError", "continue", "inputs", inputs)).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(result.get("results").get(0).asString()).isEqualTo("ITEM-0");
        assertThat(result.get("results").get(2999).asString()).isEqualTo("ITEM-2999");
        assertThat(result.get("failed").asInt()).isEqualTo(1);
        assertThat(result.get("errors").get(0).get("index").asInt()).isEqualTo(1234);
        assertThat(result.get("errors").get(0).get("type").asString()).isEqualTo("TypeError");
    }

    @Test
    void printInUserCodeDoesNotCorruptResults() {
        JsonNode result = http.post("/v1/map", Map.of("function", "faulty", "inputs", List.of("a", "print", "b", "print"))).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(result.get("results").toString()).isEqualTo("[\"a\",\"printed\",\"b\",\"printed\"]");
    }

    @Test
    void notTheProtocolIsAProtocolErrorOnItsItems() {
        JsonNode result = http.post("/v1/map", Map.of("function", "garbage", "inputs", List.of(1, 2))).json();

        assertThat(result.get("state").asString()).isEqualTo("FAILED");
        assertThat(result.get("error").get("type").asString()).isEqualTo("ProtocolError");
        assertThat(result.get("error").get("message").asString()).contains("not JSON", "\"not json\"");
    }

    /** Lines are bounded both ways by max-message-size: a chunk too big fails its items, an answer too long its process. */
    @Test
    void linesOverMaxMessageSizeAreProtocolErrors() {
        JsonNode tooBig = http.post("/v1/map", Map.of("function", "doubler", "inputs", List.of("x".repeat(1100)))).json();
        assertThat(tooBig.get("error").get("type").asString()).isEqualTo("ProtocolError");
        assertThat(tooBig.get("error").get("message").asString()).contains("over max-message-size (1024)");
        assertThat(http.post("/v1/map", Map.of("function", "doubler", "inputs", List.of("ab"))).json()
                .get("results").get(0).asString()).isEqualTo("abab");

        JsonNode tooLong = http.post("/v1/map", Map.of("function", "doubler", "inputs", List.of("y".repeat(600)))).json();
        assertThat(tooLong.get("error").get("type").asString()).isEqualTo("ProtocolError");
        assertThat(tooLong.get("error").get("message").asString()).contains("a line longer than 1024 bytes (max-message-size)");
    }

    /** A process without work for idle-timeout is ended; the next job starts a fresh one. */
    @Test
    void anIdleProcessIsEndedAndTheNextJobStartsAnother() {
        // the process started with the service; a second after it, it has been idle long enough
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("jobpool.process.recycles", "function:idler", "reason:idle")).isGreaterThanOrEqualTo(1.0));
        assertThat(metric("jobpool.process.alive", "function:idler")).isZero();

        assertThat(http.post("/v1/map", Map.of("function", "idler", "inputs", List.of("back"))).json()
                .get("results").get(0).asString()).isEqualTo("back");
        assertThat(metric("jobpool.process.starts", "function:idler")).isGreaterThanOrEqualTo(2.0);
    }

    // ---- faults are contained and named

    @Test
    void aCrashFailsOnlyItsItemAndTheProcessIsReplaced() {
        List<Object> inputs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            inputs.add(i == 17 ? "crash" : "v" + i);
        }
        JsonNode result = http.post("/v1/map", Map.of("function", "crashing", "onError", "continue", "retries", 2,
                "chunkSize", 5, "inputs", inputs)).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(result.get("failed").asInt()).isEqualTo(1);
        JsonNode error = result.get("errors").get(0);
        assertThat(error.get("index").asInt()).isEqualTo(17);
        assertThat(error.get("type").asString()).isEqualTo("WorkerCrashed");
        assertThat(error.get("message").asString()).contains("exited with code 3");
        for (int i = 0; i < 40; i++) {
            if (i != 17) {
                assertThat(result.get("results").get(i).asString()).isEqualTo("v" + i);
            }
        }
        assertThat(metric("jobpool.process.crashes", "function:crashing", "cause:crashed")).isEqualTo(3.0);
        awaitAlive("crashing", 1);
    }

    /** Items whose process dies every time fail fast once the back-off grows: no worker sleeps through it. */
    @Test
    void aCrashLoopFailsItsItemsWithoutBurningTheCpu() {
        long started = System.nanoTime();
        JsonNode result = http.post("/v1/map", Map.of("function", "crashloop", "onError", "continue", "chunkSize", 1,
                "inputs", java.util.Collections.nCopies(30, "crash"))).json();
        double seconds = (System.nanoTime() - started) / 1e9;

        assertThat(result.get("failed").asInt()).isEqualTo(30);
        assertThat(result.get("errors").findValuesAsString("type")).containsOnly("WorkerCrashed");
        assertThat(result.get("errors").get(29).get("message").asString()).contains("keep crashing", "exited with code 3");
        double starts = metric("jobpool.process.starts", "function:crashloop");
        System.out.printf("[process] 30 crashing items: %.0f process starts, %.1f s%n", starts, seconds);
        assertThat(starts).isLessThan(10.0);
    }

    /**
     * The extra line arrives while no chunk is asked for (the next job comes a round trip later): the
     * process is not trusted with another chunk. It is replaced before the next one, which is answered
     * by a fresh process, and the replacement is counted as a protocol error. Answers are matched to
     * items by order alone: an extra line that raced a chunk sent right after (within one job) could not
     * be told from its answer, which docs/process-functions.md says.
     */
    @Test
    void aProcessThatWritesUnaskedIsReplacedBeforeItsNextChunk() {
        JsonNode first = http.post("/v1/map", Map.of("function", "chatty", "chunkSize", 2, "inputs", List.of("a", "b"))).json();
        assertThat(first.get("results").toString()).isEqualTo("[\"a\",\"b\"]");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("jobpool.process.crashes", "function:chatty", "cause:protocol_error")).isGreaterThanOrEqualTo(1.0));
        JsonNode next = http.post("/v1/map", Map.of("function", "chatty", "inputs", List.of("c"))).json();
        assertThat(next.get("results").toString()).isEqualTo("[\"c\"]");
    }

    @Test
    void aSegfaultIsNamedBySignal() {
        JsonNode result = http.post("/v1/map", Map.of("function", "segfaulting", "inputs", List.of("segv"))).json();

        assertThat(result.get("error").get("type").asString()).isEqualTo("WorkerCrashed");
        assertThat(result.get("error").get("message").asString()).contains("signal 11 (SIGSEGV");
    }

    @Test
    void cancelEndsTheRunningProcessWithinASecondAndAFreshOneTakesItsPlace() {
        awaitAlive("cancellable", 1);
        Set<Long> before = pids("cancellable");
        assertThat(before).hasSize(1);
        String id = submit(Map.of("function", "cancellable", "inputs", List.of("sleep")));
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).get("state").asString().equals("RUNNING"));

        long cancelled = System.nanoTime();
        assertThat(http.delete("/v1/jobs/" + id).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> before.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        double seconds = (System.nanoTime() - cancelled) / 1e9;
        System.out.printf("[process] a cancelled job's process was gone %.2f s after the DELETE%n", seconds);
        assertThat(seconds).isLessThan(2.0);

        assertThat(status(id).get("state").asString()).isEqualTo("CANCELLED");
        awaitAlive("cancellable", 1);
        assertThat(pids("cancellable")).doesNotContainAnyElementsOf(before);
    }

    @Test
    void aJobDeadlineEndsTheRunningProcess() {
        JsonNode result = http.post("/v1/map", Map.of("function", "faulty", "timeout", "PT1S",
                "inputs", List.of("sleep"))).json();

        assertThat(result.get("state").asString()).isEqualTo("TIMED_OUT");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("jobpool.process.recycles", "function:faulty", "reason:job_ended")).isGreaterThanOrEqualTo(1.0));
    }

    @Test
    void aBrokenInitializerFailsItsItemsClearlyAndTheServiceStaysHealthy() {
        JsonNode result = http.post("/v1/map", Map.of("function", "broken", "inputs", List.of(1, 2))).json();

        assertThat(result.get("state").asString()).isEqualTo("FAILED");
        assertThat(result.get("error").get("type").asString()).isEqualTo("WorkerStartFailed");
        assertThat(result.get("error").get("message").asString()).contains("RuntimeError: initializer broke on purpose",
                "exited with code 1");

        JsonNode function = http.get("/v1/functions/broken").json();
        assertThat(function.get("process").get("status").asString()).isEqualTo("failing");
        assertThat(function.get("process").get("error").asString()).contains("initializer broke on purpose");
        JsonNode health = http.get("/actuator/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("processFunctions").get("status").asString()).isEqualTo("DEGRADED");
        assertThat(http.get("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(http.post("/v1/map", Map.of("function", "square", "inputs", List.of(3))).json().get("results").get(0).asInt())
                .isEqualTo(9);
    }

    @Test
    void aStartThatNeverGetsReadyOrCannotRunIsAStartFailure() {
        JsonNode hanging = http.post("/v1/map", Map.of("function", "hanging", "inputs", List.of(1))).json();
        assertThat(hanging.get("error").get("type").asString()).isEqualTo("WorkerStartFailed");
        assertThat(hanging.get("error").get("message").asString()).contains("no ready line within PT1S");

        JsonNode missing = http.post("/v1/map", Map.of("function", "missing", "inputs", List.of(1))).json();
        assertThat(missing.get("error").get("type").asString()).isEqualTo("WorkerStartFailed");
        assertThat(missing.get("error").get("message").asString()).contains("cannot start [/nonexistent/worker, --flag]");
    }

    @Test
    void aProcessOverItsMemoryLimitIsEndedWithANamedError() {
        JsonNode result = http.post("/v1/map", Map.of("function", "hog", "inputs", List.of("hog"))).json();

        assertThat(result.get("error").get("type").asString()).isEqualTo("MemoryLimitExceeded");
        assertThat(result.get("error").get("message").asString()).contains("memory-limit of 150 MiB");
    }

    @Test
    void processesAreRecycledAfterMaxItems() {
        double startsBefore = metric("jobpool.process.starts", "function:recycled");
        JsonNode result = http.post("/v1/map", Map.of("function", "recycled", "chunkSize", 5,
                "inputs", IntStream.range(0, 20).mapToObj(i -> "r" + i).toList())).json();

        assertThat(result.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(metric("jobpool.process.recycles", "function:recycled", "reason:max_items")).isGreaterThanOrEqualTo(4.0);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("jobpool.process.starts", "function:recycled") - startsBefore).isGreaterThanOrEqualTo(4.0));
    }

    // ---- one device per process

    @Test
    void eachProcessSeesItsOwnSlotAndAReplacementKeepsIt() {
        awaitAlive("slot", 2);
        Map<String, Long> pidBySlot = slots();
        assertThat(pidBySlot.keySet()).containsExactlyInAnyOrder("0", "1");

        long victim = pidBySlot.get("1");
        ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, Long> now = slots();
            assertThat(now.keySet()).containsExactlyInAnyOrder("0", "1");
            assertThat(now.get("1")).isNotEqualTo(victim);
            assertThat(now.get("0")).isEqualTo(pidBySlot.get("0"));
        });
    }

    /** The slot each process reports, from enough items that both processes answer some. */
    private Map<String, Long> slots() {
        JsonNode result = http.post("/v1/map", Map.of("function", "slot", "chunkSize", 1,
                "inputs", IntStream.range(0, 40).boxed().toList())).json();
        assertThat(result.get("state").asString()).as(result.toString()).isEqualTo("SUCCEEDED");
        Map<String, Long> pids = new HashMap<>();
        Map<Long, Set<String>> slotsByPid = new LinkedHashMap<>();
        for (JsonNode value : result.get("results")) {
            pids.put(value.get("slot").asString(), value.get("pid").asLong());
            slotsByPid.computeIfAbsent(value.get("pid").asLong(), pid -> new HashSet<>()).add(value.get("slot").asString());
        }
        assertThat(slotsByPid.values()).allSatisfy(slots -> assertThat(slots).hasSize(1));
        return pids;
    }

    // ---- shared fairly with Java jobs

    @Test
    void aJavaJobAndAPythonJobSubmittedTogetherBothProgress() {
        String java = submit(Map.of("function", "sha256", "params", Map.of("rounds", 20_000),
                "inputs", IntStream.range(0, 400).mapToObj(i -> "j" + i).toList()));
        String python = submit(Map.of("function", "hello", "params", Map.of("greeting", "hey"),
                "inputs", IntStream.range(0, 20_000).mapToObj(i -> "p" + i).toList()));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            JsonNode a = status(java);
            JsonNode b = status(python);
            return a.get("completed").asInt() > 0 && b.get("completed").asInt() > 0
                    && !isTerminal(a.get("state").asString()) && !isTerminal(b.get("state").asString());
        });
        assertThat(awaitEnd(java, Duration.ofSeconds(60)).get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(awaitEnd(python, Duration.ofSeconds(60)).get("state").asString()).isEqualTo("SUCCEEDED");
    }

    // ---- helpers

    private void awaitAlive(String function, int processes) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(metric("jobpool.process.alive", "function:" + function)).isEqualTo((double) processes));
    }

    /** The worker processes of {@code function} under this JVM (each has the function's name as its last argument). */
    private static Set<Long> pids(String function) {
        Set<Long> pids = new HashSet<>();
        ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).forEach(process -> {
            String line = process.info().commandLine().orElse("");
            if (line.endsWith(" " + function)) {
                pids.add(process.pid());
            }
        });
        return pids;
    }

    private static boolean runs(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path script(String prefix, String text) {
        try {
            return Files.writeString(tempFile(prefix), text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path tempFile(String prefix) {
        try {
            Path file = Files.createTempFile(prefix, ".log");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
