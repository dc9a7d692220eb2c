package io.jobpool.api;

import io.jobpool.JobpoolApplication;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input never gets a 5xx. jqwik generates structured bad requests (mutated job bodies, broken
 * JSON and UTF-8, wrong content types, bad ids on every job path, bad query values, wrong methods)
 * and sends them, a few at a time, to the real service: every answer must be a 4xx
 * {@code application/problem+json} whose {@code status} is the HTTP status. Valid square jobs are
 * mixed in; at the end each accepted one must have SUCCEEDED with the right results, and the service
 * must be healthy. Also: a 200,000-deep array and a 1 GB body (chunked or declared) are refused early.
 *
 * <p>The service runs in this JVM (jqwik is its own JUnit Platform engine, so it is started here
 * rather than by the Spring test extension), with small body and item limits so crossing them is cheap.
 */
class FuzzIT {

    static final int MAX_BODY_BYTES = 1 << 20;
    static final int MAX_ITEMS = 1000;
    static final int BATCH = 100;
    static final int TRIES = 1000;          // TRIES * BATCH = 100,000 requests
    static final int SENDERS = 6;
    /** -Dfuzz.collect=true: go on after a wrong answer and list every distinct kind at the end (no shrinking). */
    static final boolean COLLECT = Boolean.getBoolean("fuzz.collect");
    static final Duration BUDGET = Duration.ofMinutes(8);

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final List<String> FIELDS = List.of("function", "params", "inputs", "chunkSize", "onError", "retries",
            "timeout", "priority", "open", "maxPending");
    static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    static ConfigurableApplicationContext context;
    static String base;
    static int port;
    static HttpClient client;
    static ExecutorService senders;

    static final java.util.concurrent.atomic.AtomicInteger tries = new java.util.concurrent.atomic.AtomicInteger();
    static final AtomicLong started = new AtomicLong();
    static volatile boolean budgetExceeded;
    static final AtomicLong sent = new AtomicLong();
    static final AtomicLong validSent = new AtomicLong();
    static final AtomicLong validRefused = new AtomicLong();
    static final AtomicLong sendNanos = new AtomicLong();
    static final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
    static final Map<String, String> failureShapes = new ConcurrentHashMap<>();
    static final Queue<AcceptedJob> accepted = new ConcurrentLinkedQueue<>();
    static final List<String> knownIds = new CopyOnWriteArrayList<>();

    /** A generated request; {@code valid} ones are small square jobs that should be accepted. */
    record Req(String kind, String method, String path, String contentType, Map<String, String> headers, byte[] body,
               List<Integer> validInputs) {

        boolean valid() {
            return validInputs != null;
        }

        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.ISO_8859_1);
            return kind + ": " + method + " " + abbreviate(path, 200) + " [" + contentType + "] " + headers + " "
                    + (body == null ? "(no body)" : body.length + " bytes " + text.replaceAll("[^\\x20-\\x7e]", "?"));
        }
    }

    record AcceptedJob(String id, List<Integer> inputs) {
    }

    @BeforeContainer
    static void startServer() throws Exception {
        context = new SpringApplicationBuilder(JobpoolApplication.class).run("--server.port=0",
                "--spring.main.banner-mode=off",
                "--jobpool.limits.max-body-bytes=" + MAX_BODY_BYTES,
                "--jobpool.limits.max-items-per-job=" + MAX_ITEMS,
                "--logging.level.org.apache.coyote.http11=WARN",
                "--logging.level.io.jobpool.job.JobService=WARN");
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        base = "http://127.0.0.1:" + port;
        senders = Executors.newFixedThreadPool(SENDERS);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(2)).build();
        for (int i = 0; i < 4; i++) {
            List<Integer> inputs = List.of(i, i + 1, i + 2);
            Req seed = new Req("seed", "POST", "/v1/jobs", "application/json", Map.of(),
                    ("{\"function\":\"square\",\"inputs\":" + inputs + "}").getBytes(StandardCharsets.UTF_8), inputs);
            Outcome outcome = send(seed);
            assertThat(outcome.status()).as(outcome.toString()).isEqualTo(202);
            String id = JSON.readTree(outcome.body()).get("id").asString();
            accepted.add(new AcceptedJob(id, inputs));
            knownIds.add(id);
        }
    }

    @AfterContainer
    static void stopServer() {
        if (senders != null) {
            senders.shutdownNow();
        }
        if (context != null) {
            context.close();
        }
    }

    // ------------------------------------------------------------------ the fuzz property

    // A fixed seed keeps CI reproducible (the 100,000 requests are the same every run); drop it locally to
    // explore new ones: a failing random seed is printed by jqwik and can be pinned here.
    @Property(tries = TRIES, shrinking = ShrinkingMode.BOUNDED, seed = "20261125")
    void everyBadRequestIsAFourHundredProblem(@ForAll("batches") List<Req> batch) throws Exception {
        int attempt = tries.incrementAndGet();
        if (started.get() == 0) {
            started.compareAndSet(0, System.nanoTime());
        }
        if (System.nanoTime() - started.get() > BUDGET.toNanos()) {
            budgetExceeded = true; // bounded in time as well as in count
        } else {
            sendBatch(batch);
        }
        if (attempt == TRIES) {
            long seconds = (System.nanoTime() - started.get()) / 1_000_000_000;
            System.out.printf("FuzzIT: %,d requests in %d s (%.0f a second)%n", sent.get(), seconds,
                    sent.get() / Math.max(1.0, seconds));
            if (budgetExceeded) {
                System.out.println("FuzzIT: WARNING: the time budget of " + BUDGET + " ran out before all tries");
            } else {
                assertThat(sent.get()).isGreaterThanOrEqualTo((long) TRIES * BATCH);
            }
            everyAcceptedJobSucceededWithTheRightResultsAndTheServiceIsHealthy();
            assertThat(failureShapes).as("distinct kinds of wrong answers").isEmpty();
        }
    }

    private static void sendBatch(List<Req> batch) throws Exception {
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

    @AfterProperty
    void report() {
        long total = sent.get();
        System.out.printf("FuzzIT: %,d requests (%,d valid submissions, %,d of them refused with 429) in %.1f s"
                        + " of sender time over %d senders; statuses %s%n", total, validSent.get(), validRefused.get(),
                sendNanos.get() / 1e9 / SENDERS, SENDERS, new java.util.TreeMap<>(byStatus));
        System.out.println("FuzzIT: distinct failure shapes: " + failureShapes.size());
        failureShapes.forEach((shape, example) -> System.out.println("  " + shape + "\n      e.g. " + example));
    }

    /** No accepted job is lost: each ends SUCCEEDED with the squares of its inputs; the service is healthy. */
    static void everyAcceptedJobSucceededWithTheRightResultsAndTheServiceIsHealthy() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int checked = 0;
        for (AcceptedJob job : accepted) {
            JsonNode status;
            do {
                status = JSON.readTree(send(get("/v1/jobs/" + job.id())).body());
                if (!List.of("QUEUED", "RUNNING").contains(status.get("state").asString())) {
                    break;
                }
                Thread.sleep(20);
            } while (System.nanoTime() < deadline);
            assertThat(status.get("state").asString()).as("job %s: %s", job.id(), status).isEqualTo("SUCCEEDED");
            Outcome page = send(get("/v1/jobs/" + job.id() + "/results?offset=0&limit=1000"));
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            List<Long> values = new ArrayList<>();
            JSON.readTree(page.body()).get("results").forEach(value -> values.add(value.asLong()));
            assertThat(values).as("results of %s", job.id())
                    .isEqualTo(job.inputs().stream().map(i -> (long) i * i).toList());
            checked++;
        }
        Outcome health = send(get("/actuator/health"));
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asString()).isEqualTo("UP");
        Outcome map = send(new Req("map", "POST", "/v1/map", "application/json", Map.of(),
                "{\"function\":\"square\",\"inputs\":[12]}".getBytes(StandardCharsets.UTF_8), null));
        assertThat(map.status()).as(map.toString()).isEqualTo(200);
        assertThat(JSON.readTree(map.body()).get("results").toString()).isEqualTo("[144]");
        System.out.printf("FuzzIT: all %d accepted jobs SUCCEEDED with correct results; health UP%n", checked);
    }

    // ------------------------------------------------------------------ early refusal

    @Example
    void aTwoHundredThousandDeepArrayIsRefusedAtOnce() throws Exception {
        int depth = 200_000;
        for (String body : List.of("{\"function\":\"square\",\"inputs\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
                "{\"function\":\"square\",\"inputs\":" + "[".repeat(depth),
                "{\"function\":\"square\",\"inputs\":[1],\"params\":" + "{\"a\":".repeat(depth))) {
            long start = System.nanoTime();
            Outcome outcome = send(new Req("deep", "POST", "/v1/jobs", "application/json", Map.of(),
                    body.getBytes(StandardCharsets.UTF_8), null));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(problemFailure(outcome)).as(outcome.toString()).isNull();
            assertThat(outcome.status()).as(outcome.toString()).isEqualTo(400);
            assertThat(JSON.readTree(outcome.body()).get("detail").asString()).contains("nesting depth");
            assertThat(millis).as("ms to refuse a %d-deep body", depth).isLessThan(5_000);
            System.out.printf("FuzzIT: %,d-byte, %,d-deep body refused with 400 in %d ms%n", body.length(), depth, millis);
        }
        assertHealthy();
    }

    @Example
    void aOneGigabyteChunkedBodyIsRefusedAfterTheLimitWithoutReadingItAll() throws Exception {
        refuseHugeBody(false);
    }

    @Example
    void aDeclaredOneGigabyteBodyIsRefusedBeforeItIsSent() throws Exception {
        refuseHugeBody(true);
    }

    /**
     * Streams a 1 GB job (a valid prefix, then "1," forever) over a raw socket, chunked or with its
     * Content-Length declared, while reading the answer: a complete 413 problem must arrive quickly,
     * long before the body has been sent, and the server must stay healthy.
     */
    private static void refuseHugeBody(boolean declared) throws Exception {
        long size = 1L << 30;
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            String head = "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
                    + (declared ? "Content-Length: " + size : "Transfer-Encoding: chunked") + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread writer = new Thread(() -> {
                try (InputStream body = hugeBody(size)) {
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = body.read(buffer)) > 0) {
                        if (!declared) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(buffer, 0, n);
                        if (!declared) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        written.addAndGet(n);
                    }
                    if (!declared) {
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    writerError.set(e); // expected: the server stops reading and closes the connection
                }
            }, "huge-body-writer");
            writer.setDaemon(true);
            writer.start();
            RawResponse response = RawResponse.read(socket.getInputStream());
            long millis = (System.nanoTime() - start) / 1_000_000;
            long sentWhenAnswered = written.get();
            socket.close();
            writer.join(10_000);
            System.out.printf("FuzzIT: 1 GB body (%s) answered %d in %d ms after %,d body bytes were sent (limit %,d);"
                            + " headers %s; writer ended with %s%n", declared ? "Content-Length" : "chunked",
                    response.status(), millis, sentWhenAnswered, MAX_BODY_BYTES, response.headers(), writerError.get());
            Outcome outcome = new Outcome(response.status(), response.headers().get("content-type"), response.body(), null);
            assertThat(problemFailure(outcome)).as(outcome.toString()).isNull();
            assertThat(response.status()).as(outcome.toString()).isEqualTo(413);
            assertThat(millis).as("ms to refuse the 1 GB body").isLessThan(10_000);
            // socket buffers on loopback hold a few MB: far less than the 1 GB that was on offer
            assertThat(sentWhenAnswered).as("body bytes sent before the answer")
                    .isLessThan(declared ? 16L << 20 : MAX_BODY_BYTES + (32L << 20));
        }
        assertHealthy();
    }

    /** {"function":"square","inputs":[1,1,1,... generated on the fly, never materialised; {@code size} bytes. */
    private static InputStream hugeBody(long size) {
        byte[] prefix = "{\"function\":\"square\",\"inputs\":[".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            long position;

            @Override
            public int read() {
                if (position >= size) {
                    return -1;
                }
                long at = position++;
                return at < prefix.length ? prefix[(int) at] : ((at - prefix.length) % 2 == 0 ? '1' : ',');
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(length, size - position);
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = (byte) read();
                }
                return n;
            }
        };
    }

    /** A response read off a raw socket: status line, headers, and a Content-Length or chunked body. */
    record RawResponse(int status, Map<String, String> headers, String body) {

        static RawResponse read(InputStream in) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int n = Integer.parseInt(line(in).trim(), 16); n > 0; n = Integer.parseInt(line(in).trim(), 16)) {
                    body.write(in.readNBytes(n));
                    line(in);
                }
                line(in);
            }
            return new RawResponse(status, headers, body.toString(StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed mid-response after: " + line);
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    // ------------------------------------------------------------------ sending and checking

    record Outcome(int status, String contentType, String body, Map<String, List<String>> headers) {

        @Override
        public String toString() {
            return status + " [" + contentType + "] " + abbreviate(body == null ? "" : body, 300);
        }
    }

    static Req get(String path) {
        return new Req("get", "GET", path, null, Map.of(), null, null);
    }

    static Outcome send(Req req) throws IOException, InterruptedException {
        String path = req.path();
        if (path.contains("{known}")) {
            path = path.replace("{known}", knownIds.get(ThreadLocalRandom.current().nextInt(knownIds.size())));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(req.method(), req.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(req.body()));
        if (req.contentType() != null) {
            request.header("Content-Type", req.contentType());
        }
        req.headers().forEach(request::header);
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Outcome(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                new String(response.body(), StandardCharsets.UTF_8), response.headers().map());
    }

    /** Sends one generated request; returns null if the answer is right, else a description of what is wrong. */
    static String check(Req req) {
        long start = System.nanoTime();
        Outcome outcome;
        try {
            outcome = send(req);
        } catch (Exception e) {
            return record(req, "exception " + e.getClass().getSimpleName(), e.toString());
        } finally {
            sendNanos.addAndGet(System.nanoTime() - start);
            sent.incrementAndGet();
        }
        byStatus.computeIfAbsent(Integer.toString(outcome.status()), s -> new AtomicLong()).incrementAndGet();
        if (req.valid()) {
            validSent.incrementAndGet();
            if (outcome.status() == 202) {
                String id = JSON.readTree(outcome.body()).get("id").asString();
                accepted.add(new AcceptedJob(id, req.validInputs()));
                if (knownIds.size() < 200) {
                    knownIds.add(id);
                }
                return null;
            }
            if (outcome.status() == 429 && problemFailure(outcome) == null) {
                validRefused.incrementAndGet();
                return null;
            }
            return record(req, "valid job answered " + outcome.status(), outcome.toString());
        }
        String failure = problemFailure(outcome);
        if (failure == null) {
            return null;
        }
        return record(req, failure, outcome.toString());
    }

    /** Null if the answer is a 4xx problem+json whose status is the HTTP status and whose type is ours. */
    static String problemFailure(Outcome outcome) {
        if (outcome.status() < 400 || outcome.status() > 499) {
            return "status " + outcome.status();
        }
        if (outcome.contentType() == null || !outcome.contentType().startsWith("application/problem+json")) {
            return outcome.status() + " with content type " + outcome.contentType();
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(outcome.body());
        } catch (RuntimeException e) {
            return outcome.status() + " with a body that is not JSON";
        }
        if (!problem.path("status").isInt() || problem.get("status").asInt() != outcome.status()) {
            return outcome.status() + " with body status " + problem.get("status");
        }
        if (!problem.path("type").isString() || !problem.get("type").asString().startsWith("urn:jobpool:problem:")) {
            return outcome.status() + " with type " + problem.get("type");
        }
        if (!problem.path("title").isString() || !problem.path("detail").isString()) {
            return outcome.status() + " without title or detail";
        }
        return null;
    }

    static String record(Req req, String failure, String answer) {
        String shape = req.kind() + " -> " + failure;
        failureShapes.putIfAbsent(shape, req + "\n      answered " + answer);
        return shape + ": " + req + " answered " + answer;
    }

    static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "...";
    }

    // ------------------------------------------------------------------ generators

    @Provide
    Arbitrary<List<Req>> batches() {
        return request().list().ofSize(BATCH);
    }

    Arbitrary<Req> request() {
        return Arbitraries.frequencyOf(
                Tuple.of(300, mutatedJob()),
                Tuple.of(80, brokenBytes()),
                Tuple.of(40, randomBytes()),
                Tuple.of(60, wrongContentType()),
                Tuple.of(160, badId()),
                Tuple.of(140, badQuery()),
                Tuple.of(40, wrongMethod()),
                Tuple.of(2, oversized()),
                Tuple.of(30, validJob()));
    }

    /** A valid square job: tiny, so the queue bound is never near. */
    Arbitrary<Req> validJob() {
        return Combinators.combine(Arbitraries.integers().between(-1000, 1000).list().ofMaxSize(6), validExtras())
                .as((inputs, extras) -> {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("function", "\"square\"");
                    fields.put("inputs", inputs.toString().replace(" ", ""));
                    fields.putAll(extras);
                    return new Req("valid job", "POST", "/v1/jobs", "application/json", Map.of(), json(fields), inputs);
                });
    }

    /** Optional fields with valid values. */
    Arbitrary<Map<String, String>> validExtras() {
        Arbitrary<Tuple.Tuple2<String, String>> extra = Arbitraries.oneOf(
                Arbitraries.integers().between(1, 10).map(p -> Tuple.of("priority", p.toString())),
                Arbitraries.integers().between(1, 1_000_000).map(c -> Tuple.of("chunkSize", c.toString())),
                Arbitraries.of("\"fail\"", "\"continue\"", "\"CONTINUE\"").map(v -> Tuple.of("onError", v)),
                Arbitraries.integers().between(0, 10).map(r -> Tuple.of("retries", r.toString())),
                Arbitraries.of("\"PT30S\"", "\"PT1M\"", "\"P1D\"", "\"PT59.5S\"").map(t -> Tuple.of("timeout", t)),
                Arbitraries.of("false", "null").map(o -> Tuple.of("open", o)),
                Arbitraries.just(Tuple.of("params", "{}")));
        return extra.list().ofMaxSize(3).map(list -> {
            Map<String, String> fields = new LinkedHashMap<>();
            list.forEach(t -> fields.put(t.get1(), t.get2()));
            return fields;
        });
    }

    /** A valid job with one to three fields made wrong, each on its own enough for a 4xx. */
    Arbitrary<Req> mutatedJob() {
        return Combinators.combine(validExtras(), mutation().list().ofMinSize(1).ofMaxSize(3),
                        Arbitraries.of("/v1/jobs", "/v1/map", "/v1/map?waitSeconds=5"),
                        Arbitraries.of("application/json", "application/json;charset=UTF-8", "APPLICATION/JSON"))
                .as((extras, mutations, path, contentType) -> {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("function", "\"square\"");
                    fields.put("inputs", "[1,2,3]");
                    fields.putAll(extras);
                    StringBuilder kind = new StringBuilder("mutated job");
                    for (Tuple.Tuple2<String, String> m : mutations) {
                        if (m.get2() == null) {
                            fields.remove(m.get1());
                        } else {
                            fields.put(m.get1(), m.get2());
                        }
                        kind.append(' ').append(FIELDS.contains(m.get1()) ? m.get1() : "unknown-field");
                    }
                    return new Req(kind.toString(), "POST", path, contentType, Map.of(), json(fields), null);
                });
    }

    /** A field and a raw JSON value (null: remove the field) that makes any job invalid. */
    Arbitrary<Tuple.Tuple2<String, String>> mutation() {
        Arbitrary<String> hugeInts = Arbitraries.oneOf(
                Arbitraries.longs().between(Integer.MAX_VALUE + 1L, Long.MAX_VALUE).map(String::valueOf),
                Arbitraries.longs().between(Long.MIN_VALUE, Integer.MIN_VALUE - 1L).map(String::valueOf),
                Arbitraries.integers().between(20, 2000).map(n -> "9".repeat(n)),
                Arbitraries.of("1e400", "-1e400", "1E3", "2.0", "-0.0", "1.5", "NaN", "Infinity", "-Infinity", "0x10",
                        "01", "+1", "--1", "1.", ".5", "1e", "-"));
        Arbitrary<String> wrongTypes = Arbitraries.of("true", "false", "{}", "[]", "[1]", "{\"a\":1}", "\"1\"", "\"\"",
                "1.5", "\"true\"");
        Arbitrary<String> badStrings = Arbitraries.oneOf(
                Arbitraries.strings().ofMinLength(1).ofMaxLength(40).map(FuzzIT::quote),
                Arbitraries.of("\"\\ud800\"", "\"\\udfff\"", "\"a\\ud83d\"", "\"\\u0000\"", "\"\\uffff\"",
                        "\"\\ud83d\\ude00\"", "\"\u00e9\u6f22\u5b57\"", "\"\\x\"", "\"\\u12\"", "\"\t\"", "\"unterminated"));
        return Arbitraries.oneOf(
                // function
                Arbitraries.oneOf(wrongTypes, hugeInts, Arbitraries.of("null", "\"\"", "\"   \"", "\"Square\"",
                                "\"square \"", "\"sq\\u0000uare\""),
                        badStrings.filter(s -> !s.matches("\"(square|sha256|primes|sleep|fail|pow)\"")))
                        .map(v -> Tuple.of("function", v)),
                Arbitraries.just(Tuple.of("function", (String) null)),
                // params: wrong types, unknown params for square, deep nesting
                Arbitraries.oneOf(Arbitraries.of("[]", "\"x\"", "7", "true", "[{}]", "{\"x\":1}", "{\"rounds\":3}",
                        "{\"\\ud800\":1}"), deep('{'), deep('['), hugeInts).map(v -> Tuple.of("params", v)),
                // inputs: wrong types, missing, too deep, too many, numbers too long
                Arbitraries.oneOf(Arbitraries.of("\"1,2,3\"", "{\"0\":1}", "3", "true", "null", "{}", "\"\\ud800\""),
                                deep('['), tooManyItems(),
                                Arbitraries.integers().between(1001, 5000).map(n -> "[" + "7".repeat(n) + "]"),
                                Arbitraries.integers().between(1001, 5000).map(n -> "[0." + "7".repeat(n) + "]"))
                        .map(v -> Tuple.of("inputs", v)),
                Arbitraries.just(Tuple.of("inputs", (String) null)),
                // integer fields out of range, of the wrong type, or too big for an int
                Combinators.combine(Arbitraries.of("chunkSize", "retries", "priority", "maxPending"),
                        Arbitraries.oneOf(hugeInts, wrongTypes, badStrings, Arbitraries.integers().between(Integer.MIN_VALUE, -1) // 0 is a valid retries
                                .map(String::valueOf))).as(Tuple::of),
                Arbitraries.integers().between(JobSpecLimits.CHUNK + 1, Integer.MAX_VALUE).map(v -> Tuple.of("chunkSize", v.toString())),
                Arbitraries.integers().between(11, Integer.MAX_VALUE).map(v -> Tuple.of("retries", v.toString())),
                Arbitraries.integers().between(11, Integer.MAX_VALUE).map(v -> Tuple.of("priority", v.toString())),
                Arbitraries.integers().between(1, Integer.MAX_VALUE).map(v -> Tuple.of("maxPending", v.toString())), // not open
                // onError
                Arbitraries.oneOf(wrongTypes, hugeInts, Arbitraries.of("\"ignore\"", "\"\"", "\"fail \"", "\"con tinue\""),
                                badStrings.filter(s -> !s.matches("(?i)\"(fail|continue)\"")))
                        .map(v -> Tuple.of("onError", v)),
                // timeout: bad durations
                Arbitraries.oneOf(badDurations(), hugeInts, wrongTypes.filter(v -> !v.equals("\"1\"")))
                        .map(v -> Tuple.of("timeout", v)),
                // open: wrong types
                Arbitraries.of("\"true\"", "1", "0", "[]", "{}", "\"yes\"", "1.0", "[true]").map(v -> Tuple.of("open", v)),
                // unknown fields, with any value
                Combinators.combine(unknownFieldName(), Arbitraries.oneOf(wrongTypes, hugeInts, badStrings,
                        Arbitraries.just("null"))).as(Tuple::of));
    }

    Arbitrary<String> unknownFieldName() {
        return Arbitraries.oneOf(
                Arbitraries.of("chunksize", "Function", "INPUTS", "input", "args", "", " ", "function ", "\\u0000",
                        "\\ud800", "\\udc00x", "wait", "id", "state", "__proto__", "constructor", "on_error",
                        "\u00e9t\u00e9", "\u2028"),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(30).filter(s -> !FIELDS.contains(s)),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                        .map(s -> quote(s)).map(q -> q.substring(1, q.length() - 1)).filter(s -> !FIELDS.contains(s)),
                Arbitraries.integers().between(300, 3000).map(n -> "x".repeat(n)));
    }

    Arbitrary<String> badDurations() {
        return Arbitraries.oneOf(
                Arbitraries.of("5s", "30", "PT0S", "-PT1S", "PT-1S", "P2D", "", "PT", "P", "P1DT1S", "PT86401S",
                        "PT24H0.000000001S", "PT1000000H", "PT99999999999999999999H", "P1Y", "P1M", "P1W", "pt30s x",
                        " PT30S", "PT30S ", "PT3O S", "T30S", "PT30", "PT30.S", "PT.5S", "PT1.0000000001S", "PT0.0S",
                        "-P1D", "P-1D", "PT\u0661S", "\\ud800", "PT30S\\u0000")
                        .map(FuzzIT::quoteDuration),
                Arbitraries.longs().between(1, Long.MAX_VALUE).map(n -> quote("PT" + n + "S")).filter(q -> {
                    long seconds = Long.parseLong(q.substring(3, q.length() - 2));
                    return seconds > 86_400;
                }),
                Arbitraries.strings().ofMinLength(0).ofMaxLength(20).map(FuzzIT::quote)
                        .filter(q -> !q.matches("(?i)\"P.*\"")));
    }

    private static String quoteDuration(String text) {
        return text.startsWith("\\u") || text.contains("\\u") ? "\"" + text + "\"" : quote(text);
    }

    Arbitrary<String> deep(char open) {
        return Arbitraries.integers().between(501, 5000).map(depth -> open == '['
                ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
    }

    Arbitrary<String> tooManyItems() {
        return Arbitraries.integers().between(MAX_ITEMS + 1, MAX_ITEMS + 200)
                .map(n -> IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
    }

    /** A valid job's bytes, truncated or with ill-formed UTF-8 (including lone surrogates as raw bytes) spliced in. */
    Arbitrary<Req> brokenBytes() {
        byte[][] bad = {{(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80},
                {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {0}, {0x1B}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};
        return Combinators.combine(validJob(), Arbitraries.integers().between(0, bad.length - 1),
                        Arbitraries.doubles().between(0, 1), Arbitraries.of("insert", "truncate", "replace", "bom-and-bad"))
                .as((job, which, where, how) -> {
                    byte[] body = job.body();
                    int at = (int) Math.min(body.length - 1, Math.floor(where * body.length));
                    byte[] mutated = switch (how) {
                        case "truncate" -> java.util.Arrays.copyOf(body, at);
                        case "replace" -> splice(body, at, 1, bad[which]);
                        case "bom-and-bad" -> splice(splice(body, 0, 0, new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}),
                                at + 3, 0, bad[which == 16 ? 0 : which]);
                        default -> splice(body, at, 0, bad[which == 16 ? 0 : which]);
                    };
                    return new Req("broken bytes " + how + " " + which, "POST", "/v1/jobs", "application/json", Map.of(),
                            mutated, null);
                });
    }

    private static byte[] splice(byte[] body, int at, int remove, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        out.writeBytes(insert);
        out.write(body, Math.min(body.length, at + remove), Math.max(0, body.length - at - remove));
        return out.toByteArray();
    }

    Arbitrary<Req> randomBytes() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                        Arbitraries.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs", "/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/inputs"),
                        Arbitraries.of("application/json", "text/plain", null))
                .as((bytes, path, type) -> new Req("random bytes", "POST", path, type, Map.of(), bytes, null));
    }

    /** A valid job under a content type that is not JSON (or none): 415 and no job. */
    Arbitrary<Req> wrongContentType() {
        return Combinators.combine(validJob(), Arbitraries.of("text/plain", "application/xml", "text/json",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream",
                        "application/jsonx", "application/problem+json", "application/ndjson", "text/event-stream",
                        "application/json;charset=no-such-charset", "application/json; charset=\"", "application/",
                        "json", ";;;", "*/*", "application/*", "image/png", null),
                        Arbitraries.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs"))
                .as((job, type, path) -> new Req("content type " + type, "POST", path, type, Map.of(),
                        path.endsWith("inputs") ? "[1,2]".getBytes(StandardCharsets.UTF_8) : job.body(), null));
    }

    /** Ids that are not ids, or name no job, on every /v1/jobs/{id}... path. */
    Arbitrary<Req> badId() {
        Arbitrary<String> ids = Arbitraries.oneOf(
                Arbitraries.strings().withChars(ID_CHARS.toCharArray()).ofLength(22),
                Arbitraries.strings().withChars(ID_CHARS.toCharArray()).ofMinLength(1).ofMaxLength(21),
                Arbitraries.strings().withChars(ID_CHARS.toCharArray()).ofMinLength(23).ofMaxLength(300),
                Arbitraries.strings().ofMinLength(1).ofMaxLength(30).map(FuzzIT::percentEncode),
                Arbitraries.of("%ED%A0%80", "%ED%BF%BFAAAAAAAAAAAAAAAAAAAAA", "%FF", "%C0%80", "%E2%82", "%F4%90%80%80",
                        "AAAAAAAAAAAAAAAAAAAAA%2B", "AAAAAAAAAAAAAAAAAAAAA%20", "%00", "%2e", "..", ".", "%2F", "a%2Fb",
                        "AAAAAAAAAAAAAAAAAAAAA=", "A;x=1", ";", "~", "%25", "%E2%80%AE", "null", "undefined",
                        "-1", "0", "99999999999999999999", "%EF%BB%BF", "%C3%A9%C3%A9%C3%A9"));
        Arbitrary<String[]> endpoints = Arbitraries.of(new String[]{"GET", ""}, new String[]{"DELETE", ""},
                new String[]{"GET", "/results"}, new String[]{"GET", "/results?offset=0&limit=10"},
                new String[]{"GET", "/results/stream"}, new String[]{"GET", "/results/stream?order=completion&from=0"},
                new String[]{"GET", "/events"}, new String[]{"POST", "/inputs"}, new String[]{"POST", "/close"});
        return Combinators.combine(ids, endpoints).as((id, endpoint) -> new Req("bad id " + endpoint[0] + " " + endpoint[1].replaceAll("\\?.*", ""),
                endpoint[0], "/v1/jobs/" + id + endpoint[1], endpoint[1].equals("/inputs") ? "application/json" : null,
                Map.of(), endpoint[1].equals("/inputs") ? "[1,2]".getBytes(StandardCharsets.UTF_8) : null, null))
                .filter(req -> !(req.method().equals("GET") && req.path().matches("/v1/jobs/(\\.|%2e|;)?")));
    }

    /** Query values out of range, of the wrong type, or of ill-formed UTF-8, on every endpoint that takes them. */
    Arbitrary<Req> badQuery() {
        Arbitrary<String> notInts = Arbitraries.oneOf(
                Arbitraries.of("abc", "1.5", "1e3", "0x10", "99999999999", "-99999999999", "%ED%A0%80", "%FF", "1%00",
                        "NaN", "--1", "1-", "%E2%80%8B1", "one", "%2B%2B1", "true", "[1]", "%7B%7D"),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(20),
                Arbitraries.longs().between(Integer.MAX_VALUE + 1L, Long.MAX_VALUE).map(String::valueOf));
        Arbitrary<String> negatives = Arbitraries.integers().between(Integer.MIN_VALUE, -1).map(String::valueOf);
        Arbitrary<String> badStates = Arbitraries.oneOf(Arbitraries.of("bogus", "%ED%A0%80", "%FF", "SUCCEEDED%00",
                        "RUNNING,QUEUED", "queued%20", "*", "%C3%A9"),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(15)
                        .filter(s -> !List.of("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "OPEN")
                                .contains(s.toUpperCase(Locale.ROOT))));
        Arbitrary<String> badOrders = Arbitraries.oneOf(Arbitraries.of("random", "%ED%A0%80", "%FF", "input%00",
                        "completion,input", "INPUTS"),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(15)
                        .filter(s -> !List.of("INPUT", "COMPLETION").contains(s.toUpperCase(Locale.ROOT))));
        Arbitrary<String> badLimitsForList = Arbitraries.oneOf(notInts, negatives, Arbitraries.of("0", "1001", "100000"),
                Arbitraries.integers().between(1001, Integer.MAX_VALUE).map(String::valueOf));
        Arbitrary<String> badLimitsForResults = Arbitraries.oneOf(notInts, negatives, Arbitraries.of("0", "100001"),
                Arbitraries.integers().between(100_001, Integer.MAX_VALUE).map(String::valueOf));
        Arbitrary<String> badWaits = Arbitraries.oneOf(notInts, negatives, Arbitraries.of("301", "86400"),
                Arbitraries.integers().between(301, Integer.MAX_VALUE).map(String::valueOf));
        Arbitrary<String> badOffsets = Arbitraries.oneOf(notInts, negatives);
        byte[] square = "{\"function\":\"square\",\"inputs\":[5]}".getBytes(StandardCharsets.UTF_8);
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("limit", "offset", "state"), badLimitsForList, badOffsets, badStates)
                        .as((which, limit, offset, state) -> get("/v1/jobs?" + which + "="
                                + (which.equals("limit") ? limit : which.equals("offset") ? offset : state))),
                Combinators.combine(Arbitraries.of("limit", "offset"), badLimitsForResults, badOffsets)
                        .as((which, limit, offset) -> get("/v1/jobs/{known}/results?" + which + "="
                                + (which.equals("limit") ? limit : offset))),
                Combinators.combine(Arbitraries.of("order", "from"), badOrders, badOffsets)
                        .as((which, order, from) -> get("/v1/jobs/{known}/results/stream?" + which + "="
                                + (which.equals("order") ? order : from))),
                badWaits.map(wait -> new Req("bad waitSeconds", "POST", "/v1/map?waitSeconds=" + wait, "application/json",
                        Map.of(), square, null)))
                .map(req -> new Req("bad query " + req.path().replaceAll("\\?([a-zA-Z]+)=.*", " $1")
                        .replaceAll("/v1/jobs/\\{known}", "/v1/jobs/{id}"), req.method(), req.path(), req.contentType(),
                        req.headers(), req.body(), null));
    }

    Arbitrary<Req> wrongMethod() {
        return Combinators.combine(Arbitraries.of("PUT", "PATCH", "DELETE", "POST", "GET"),
                        Arbitraries.of("/v1/jobs", "/v1/map", "/v1/pool", "/v1/functions", "/v1/functions/square",
                                "/v1/jobs/{known}/results", "/v1/jobs/{known}/inputs", "/v1/jobs/{known}/close",
                                "/v1/jobs/{known}/events", "/v1/jobs/{known}", "/v1", "/v2/jobs", "/v1/jobs/{known}/nope"))
                .as((method, path) -> new Req("wrong method " + method + " " + path, method, path, "application/json",
                        Map.of(), "{}".getBytes(StandardCharsets.UTF_8), null))
                .filter(req -> !allowed(req.method(), req.path()));
    }

    /** Whether the method is one the path serves (those are not generated: they could succeed). */
    private static boolean allowed(String method, String path) {
        return switch (method) {
            case "GET" -> List.of("/v1/jobs", "/v1/pool", "/v1/functions", "/v1/functions/square", "/v1/jobs/{known}",
                    "/v1/jobs/{known}/results", "/v1/jobs/{known}/events").contains(path);
            case "POST" -> List.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs", "/v1/jobs/{known}/close").contains(path);
            case "DELETE" -> path.equals("/v1/jobs/{known}");
            default -> false;
        };
    }

    /** Bodies just over the limit: 413. */
    Arbitrary<Req> oversized() {
        return Arbitraries.integers().between(MAX_BODY_BYTES + 1, MAX_BODY_BYTES + 4096).map(size -> {
            String prefix = "{\"function\":\"square\",\"inputs\":[1],\"params\":{},\"x\":\"";
            String body = prefix + "a".repeat(size - prefix.length() - 2) + "\"}";
            return new Req("oversized body", "POST", "/v1/jobs", "application/json", Map.of(),
                    body.getBytes(StandardCharsets.UTF_8), null);
        });
    }

    // ------------------------------------------------------------------ helpers

    static byte[] json(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}")).getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string literal; lone surrogates become \\u escapes (still lone once parsed). */
    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    static String percentEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(String.format("%%%02X", b & 0xFF));
        }
        return out.toString();
    }

    static void assertHealthy() throws Exception {
        Outcome health = send(get("/actuator/health"));
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asString()).isEqualTo("UP");
        Outcome map = send(new Req("map", "POST", "/v1/map", "application/json", Map.of(),
                "{\"function\":\"square\",\"inputs\":[4]}".getBytes(StandardCharsets.UTF_8), null));
        assertThat(map.status()).as(map.toString()).isEqualTo(200);
        assertThat(JSON.readTree(map.body()).get("results").toString()).isEqualTo("[16]");
    }

    /** Limits of a job's fields, as the service documents them. */
    static final class JobSpecLimits {
        static final int CHUNK = 1_000_000;
    }
}
