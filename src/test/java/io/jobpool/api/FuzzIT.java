package io.jobpool.api;

import io.jobpool.JobpoolApplication;
import io.jobpool.support.FuzzRequests;
import io.jobpool.support.FuzzRequests.Req;
import io.jobpool.support.RawHttp;
import io.jobpool.support.RawHttp.Framing;
import io.jobpool.support.RawHttp.Response;
import io.jobpool.support.RawHttp.Upload;
import io.jobpool.support.gen.Gen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input never gets a 5xx. {@link FuzzRequests} generates structured bad requests (mutated job
 * bodies, broken JSON and UTF-8, wrong content types, bad ids on every job path, bad query values,
 * wrong methods) and they are sent, a few at a time, to the real service: every answer must be a 4xx
 * {@code application/problem+json} whose {@code status} is the HTTP status. Valid square jobs are
 * mixed in; once all are sent, each accepted one must have SUCCEEDED with the right results, and the
 * service must be healthy. All {@value #TRIES} batches of {@value #BATCH} must go out within
 * {@link #BUDGET}: a run that cannot send them fails, rather than passing as a smaller test. Also: a
 * 200,000-deep array and a 1 GB body (chunked or declared) are refused early.
 *
 * <p>The requests come from one {@link Random} with a fixed seed, so CI sends the same 100,000 every
 * run; {@code -Dfuzz.seed=N} explores others, and a failure found that way is replayed by its seed.
 * The service runs in this JVM, started here with small body and item limits so crossing them is cheap.
 */
class FuzzIT {

    static final long SEED = 20261125;
    static final int MAX_BODY_BYTES = 1 << 20;
    static final int MAX_ITEMS = 1000;
    static final int BATCH = 100;
    static final int TRIES = 1000;          // TRIES * BATCH = 100,000 requests
    static final int SENDERS = 6;
    /** -Dfuzz.collect=true: go on after a wrong answer and list every distinct kind at the end. */
    static final boolean COLLECT = Boolean.getBoolean("fuzz.collect");
    static final Duration BUDGET = Duration.ofMinutes(8);

    static final JsonMapper JSON = JsonMapper.builder().build();

    static ConfigurableApplicationContext context;
    static RawHttp http;
    static ExecutorService senders;

    // What the fuzz run saw, counted by the sender threads; JUnit gives each test a fresh instance.
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong validSent = new AtomicLong();
    private final AtomicLong validRefused = new AtomicLong();
    private final AtomicLong sendNanos = new AtomicLong();
    private final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final Map<String, String> failureShapes = new ConcurrentHashMap<>();
    private final Queue<AcceptedJob> accepted = new ConcurrentLinkedQueue<>();
    private final List<String> knownIds = new CopyOnWriteArrayList<>();

    private record AcceptedJob(String id, List<Integer> inputs) {
    }

    @BeforeAll
    static void startServer() {
        context = new SpringApplicationBuilder(JobpoolApplication.class).run("--server.port=0",
                "--spring.main.banner-mode=off",
                "--jobpool.limits.max-body-bytes=" + MAX_BODY_BYTES,
                "--jobpool.limits.max-items-per-job=" + MAX_ITEMS,
                "--logging.level.org.apache.coyote.http11=WARN",
                "--logging.level.io.jobpool.job.JobService=WARN");
        http = new RawHttp(Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
        senders = Executors.newFixedThreadPool(SENDERS);
    }

    @AfterAll
    static void stopServer() {
        if (senders != null) {
            senders.shutdownNow();
        }
        if (http != null) {
            http.close();
        }
        if (context != null) {
            context.close();
        }
    }

    // ------------------------------------------------------------------ the fuzz run

    /**
     * Every one of 100,000 generated requests is answered with a 4xx problem, or, for a valid job, with
     * 202 (or 429 when the queue is full); afterwards no accepted job is lost and the service is healthy.
     */
    @Test
    void everyBadRequestIsAFourHundredProblem() throws Exception {
        long seed = Long.getLong("fuzz.seed", SEED);
        System.out.printf("FuzzIT: seed %d%s%n", seed, seed == SEED ? "" : " (from -Dfuzz.seed; CI uses " + SEED + ")");
        submitJobsForKnownIds();
        Gen<List<Req>> batches = new FuzzRequests(MAX_BODY_BYTES, MAX_ITEMS).request().list().ofSize(BATCH);
        Random random = new Random(seed);
        long start = System.nanoTime();
        long deadline = start + BUDGET.toNanos();
        try {
            for (int i = 0; i < TRIES && System.nanoTime() < deadline; i++) {
                sendBatch(batches.next(random));
            }
        } finally {
            report(System.nanoTime() - start);
        }

        everyAcceptedJobSucceededWithTheRightResultsAndTheServiceIsHealthy();
        assertThat(failureShapes).as("distinct kinds of wrong answers").isEmpty();
        assertThat(sent.get())
                .withFailMessage("only %,d of %,d requests were sent within the time budget of %s", sent.get(),
                        (long) TRIES * BATCH, BUDGET)
                .isGreaterThanOrEqualTo((long) TRIES * BATCH);
    }

    /** A few accepted jobs up front, so that paths with {@code {known}} name a job that exists. */
    private void submitJobsForKnownIds() throws Exception {
        for (int i = 0; i < 4; i++) {
            List<Integer> inputs = List.of(i, i + 1, i + 2);
            Response response = http.send("POST", "/v1/jobs", "application/json",
                    ("{\"function\":\"square\",\"inputs\":" + inputs + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(response.status()).as(response.toString()).isEqualTo(202);
            String id = JSON.readTree(response.body()).get("id").asString();
            accepted.add(new AcceptedJob(id, inputs));
            knownIds.add(id);
        }
    }

    private void sendBatch(List<Req> batch) throws Exception {
        List<Callable<String>> calls = new ArrayList<>();
        for (Req req : batch) {
            calls.add(() -> check(req));
        }
        List<String> failures = new ArrayList<>();
        for (Future<String> result : senders.invokeAll(calls)) {
            String failure = result.get();
            if (failure != null) {
                failures.add(failure);
            }
        }
        if (!COLLECT) {
            assertThat(failures).as("answers that are not 4xx problems").isEmpty();
        }
    }

    private void report(long nanos) {
        long total = sent.get();
        long seconds = nanos / 1_000_000_000;
        System.out.printf("FuzzIT: %,d requests in %d s (%.0f a second)%n", total, seconds, total / Math.max(1.0, seconds));
        System.out.printf("FuzzIT: %,d requests (%,d valid submissions, %,d of them refused with 429) in %.1f s"
                        + " of sender time over %d senders; statuses %s%n", total, validSent.get(), validRefused.get(),
                sendNanos.get() / 1e9 / SENDERS, SENDERS, new TreeMap<>(byStatus));
        System.out.println("FuzzIT: distinct failure shapes: " + failureShapes.size());
        failureShapes.forEach((shape, example) -> System.out.println("  " + shape + "\n      e.g. " + example));
    }

    /** No accepted job is lost: each ends SUCCEEDED with the squares of its inputs; the service is healthy. */
    private void everyAcceptedJobSucceededWithTheRightResultsAndTheServiceIsHealthy() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        int checked = 0;
        for (AcceptedJob job : accepted) {
            Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
            JsonNode status = await("job " + job.id() + " to end").atMost(left).pollInSameThread()
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> JSON.readTree(http.get("/v1/jobs/" + job.id()).body()),
                            s -> !List.of("QUEUED", "RUNNING").contains(s.get("state").asString()));
            assertThat(status.get("state").asString()).as("job %s: %s", job.id(), status).isEqualTo("SUCCEEDED");
            Response page = http.get("/v1/jobs/" + job.id() + "/results?offset=0&limit=1000");
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            List<Long> values = new ArrayList<>();
            JSON.readTree(page.body()).get("results").forEach(value -> values.add(value.asLong()));
            assertThat(values).as("results of %s", job.id())
                    .isEqualTo(job.inputs().stream().map(i -> (long) i * i).toList());
            checked++;
        }
        assertHealthy();
        System.out.printf("FuzzIT: all %d accepted jobs SUCCEEDED with correct results; health UP%n", checked);
    }

    /** Sends one generated request; returns null if the answer is right, else a description of what is wrong. */
    private String check(Req req) {
        long start = System.nanoTime();
        Response response;
        try {
            response = http.send(req.method(), req.path().replace("{known}", aKnownId()), req.contentType(), req.body());
        } catch (Exception e) {
            return record(req, "exception " + e.getClass().getSimpleName(), e.toString());
        } finally {
            sendNanos.addAndGet(System.nanoTime() - start);
            sent.incrementAndGet();
        }
        byStatus.computeIfAbsent(Integer.toString(response.status()), s -> new AtomicLong()).incrementAndGet();
        if (req.valid()) {
            validSent.incrementAndGet();
            if (response.status() == 202) {
                String id = JSON.readTree(response.body()).get("id").asString();
                accepted.add(new AcceptedJob(id, req.validInputs()));
                if (knownIds.size() < 200) {
                    knownIds.add(id);
                }
                return null;
            }
            if (response.status() == 429 && problemFailure(response) == null) {
                validRefused.incrementAndGet();
                return null;
            }
            return record(req, "valid job answered " + response.status(), response.toString());
        }
        String failure = problemFailure(response);
        if (failure == null) {
            return null;
        }
        return record(req, failure, response.toString());
    }

    /** The id of a job that exists, for paths with {@code {known}}. */
    private String aKnownId() {
        return knownIds.get(ThreadLocalRandom.current().nextInt(knownIds.size()));
    }

    private String record(Req req, String failure, String answer) {
        String shape = req.kind() + " -> " + failure;
        failureShapes.putIfAbsent(shape, req + "\n      answered " + answer);
        return shape + ": " + req + " answered " + answer;
    }

    // ------------------------------------------------------------------ early refusal

    /** A body nested 200,000 deep, whole or cut off, is refused with 400 in well under five seconds. */
    @Test
    void aTwoHundredThousandDeepArrayIsRefusedAtOnce() throws Exception {
        int depth = 200_000;
        for (String body : List.of("{\"function\":\"square\",\"inputs\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
                "{\"function\":\"square\",\"inputs\":" + "[".repeat(depth),
                "{\"function\":\"square\",\"inputs\":[1],\"params\":" + "{\"a\":".repeat(depth))) {
            long start = System.nanoTime();
            Response response = http.send("POST", "/v1/jobs", "application/json", body.getBytes(StandardCharsets.UTF_8));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(problemFailure(response)).as(response.toString()).isNull();
            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("detail").asString()).contains("nesting depth");
            assertThat(millis).as("ms to refuse a %d-deep body", depth).isLessThan(5_000);
            System.out.printf("FuzzIT: %,d-byte, %,d-deep body refused with 400 in %d ms%n", body.length(), depth, millis);
        }
        assertHealthy();
    }

    /** A chunked 1 GB body is answered 413 soon after it crosses the limit, long before it ends. */
    @Test
    void aOneGigabyteChunkedBodyIsRefusedAfterTheLimitWithoutReadingItAll() throws Exception {
        refuseHugeBody(Framing.CHUNKED);
    }

    /** A 1 GB body declared in Content-Length is answered 413 before much of it is sent. */
    @Test
    void aDeclaredOneGigabyteBodyIsRefusedBeforeItIsSent() throws Exception {
        refuseHugeBody(Framing.CONTENT_LENGTH);
    }

    /**
     * Streams a 1 GB job (a valid prefix, then "1," forever) while reading the answer: a complete 413
     * problem must arrive quickly, long before the body has been sent, and the server must stay healthy.
     */
    private static void refuseHugeBody(Framing framing) throws Exception {
        long size = 1L << 30;
        Upload upload = http.upload("/v1/jobs", "application/json", FuzzRequests.hugeJob(size), size, framing);
        Response response = upload.response();
        long millis = upload.answeredAfter().toMillis();
        System.out.printf("FuzzIT: 1 GB body (%s) answered %d in %d ms after %,d body bytes were sent (limit %,d);"
                        + " headers %s; writer ended with %s%n", framing == Framing.CHUNKED ? "chunked" : "Content-Length",
                response.status(), millis, upload.bodyBytesWrittenWhenAnswered(), MAX_BODY_BYTES, response.headers(),
                upload.writerEnd());
        assertThat(problemFailure(response)).as(response.toString()).isNull();
        assertThat(response.status()).as(response.toString()).isEqualTo(413);
        assertThat(millis).as("ms to refuse the 1 GB body").isLessThan(10_000);
        // socket buffers on loopback hold a few MB: far less than the 1 GB that was on offer
        assertThat(upload.bodyBytesWrittenWhenAnswered()).as("body bytes sent before the answer")
                .isLessThan(framing == Framing.CHUNKED ? MAX_BODY_BYTES + (32L << 20) : 16L << 20);
        assertHealthy();
    }

    // ------------------------------------------------------------------ what a right answer is

    /** Null if the answer is a 4xx problem+json whose status is the HTTP status and whose type is ours. */
    static String problemFailure(Response response) {
        if (response.status() < 400 || response.status() > 499) {
            return "status " + response.status();
        }
        if (response.contentType() == null || !response.contentType().startsWith("application/problem+json")) {
            return response.status() + " with content type " + response.contentType();
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            return response.status() + " with a body that is not JSON";
        }
        if (!problem.path("status").isInt() || problem.get("status").asInt() != response.status()) {
            return response.status() + " with body status " + problem.get("status");
        }
        if (!problem.path("type").isString() || !problem.get("type").asString().startsWith("urn:jobpool:problem:")) {
            return response.status() + " with type " + problem.get("type");
        }
        if (!problem.path("title").isString() || !problem.path("detail").isString()) {
            return response.status() + " without title or detail";
        }
        return null;
    }

    /** The service reports UP and still runs a job. */
    static void assertHealthy() throws Exception {
        Response health = http.get("/actuator/health");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asString()).isEqualTo("UP");
        Response map = http.send("POST", "/v1/map", "application/json",
                "{\"function\":\"square\",\"inputs\":[4]}".getBytes(StandardCharsets.UTF_8));
        assertThat(map.status()).as(map.toString()).isEqualTo(200);
        assertThat(JSON.readTree(map.body()).get("results").toString()).isEqualTo("[16]");
    }
}
