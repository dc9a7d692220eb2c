package io.jobpool.client;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A jobpool client: {@code Pool.map} ({@link #map}), {@code map_async} ({@link #submit} then
 * {@link #status}, {@link #awaitEnd}, {@link #results}), {@code imap} / {@code imap_unordered}
 * ({@link #stream}), producer/consumer jobs ({@link #append}, {@link #close}) and {@code terminate}
 * ({@link #cancel}).
 *
 * <p>Immutable and thread-safe; one instance can serve a whole application. Refusals of the service
 * throw {@link JobpoolException} with its problem type; a job that did not succeed, when the caller
 * asked for its values, throws {@link JobFailedException}.
 */
public final class JobpoolClient {

    static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final URI base;
    private final String apiKey;
    private final HttpClient http;

    private JobpoolClient(URI base, String apiKey, HttpClient http) {
        this.base = base;
        this.apiKey = apiKey;
        this.http = http;
    }

    /** A client of the service at {@code baseUrl}, e.g. {@code http://localhost:8080}. */
    public static JobpoolClient create(String baseUrl) {
        String url = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return new JobpoolClient(URI.create(url), null, HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build());
    }

    /** The same client, sending {@code Authorization: Bearer <key>}. */
    public JobpoolClient withApiKey(String key) {
        return new JobpoolClient(base, Objects.requireNonNull(key), http);
    }

    /** Submits a job and returns at once ({@code map_async}). */
    public JobStatus submit(JobRequest job) {
        return read(send(post("/v1/jobs", job)), JobStatus.class);
    }

    /**
     * {@code Pool.map}: the results in input order. Waits for the job however long it runs; if it did not
     * succeed, throws {@link JobFailedException} naming the item that failed it.
     */
    public List<Object> map(JobRequest job) {
        MapResult result = mapResult(job);
        if (!"SUCCEEDED".equals(result.state())) {
            throw new JobFailedException(result.jobId(), result.state(), result.error());
        }
        return result.results();
    }

    /** The whole answer of a map: state, results, item errors, for {@code onError: continue} jobs too. */
    public MapResult mapResult(JobRequest job) {
        HttpResponse<String> response = send(post("/v1/map?waitSeconds=300", job));
        if (response.statusCode() == 200) {
            return read(response, MapResult.class);
        }
        JobStatus status = awaitEnd(read(response, JobStatus.class).id(), Duration.ofDays(1));
        List<Object> results = new ArrayList<>();
        List<ItemError> errors = new ArrayList<>();
        Integer offset = 0;
        while (offset != null) {
            ResultsPage page = results(status.id(), offset, 100_000);
            results.addAll(page.results());
            errors.addAll(page.errors());
            offset = page.next();
        }
        return new MapResult(status.id(), status.state(), status.total(), status.completed(), status.failed(),
                results, errors, status.error());
    }

    public JobStatus status(String id) {
        return read(send(get("/v1/jobs/" + encode(id), "application/json")), JobStatus.class);
    }

    /** Results {@code [offset, offset + limit)} in input order (for a running job, the part that is done). */
    public ResultsPage results(String id, int offset, int limit) {
        return read(send(get("/v1/jobs/" + encode(id) + "/results?offset=" + offset + "&limit=" + limit,
                "application/json")), ResultsPage.class);
    }

    /**
     * {@code imap} ({@code completionOrder} false) or {@code imap_unordered} (true): items as the job makes
     * them, read lazily from the service's NDJSON stream; the stream ends with the job. {@code from} skips
     * items already received. If the service ends the connection early (it is stopping, or the connection
     * broke), the stream reconnects from the items received, so none is lost or repeated. Close the stream
     * to hang up early.
     */
    public Stream<ItemResult> stream(String id, boolean completionOrder, int from) {
        ResultLines items = new ResultLines(start -> openLines(id, completionOrder, start), from);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(items::close);
    }

    private Stream<String> openLines(String id, boolean completionOrder, int from) {
        String path = "/v1/jobs/" + encode(id) + "/results/stream?order=" + (completionOrder ? "completion" : "input")
                + "&from=" + from;
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(get(path, "application/x-ndjson"), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().toList());
            throw problem(response.statusCode(), body);
        }
        return response.body();
    }

    /**
     * Waits until the job has ended, following its event stream, and returns its final status. A stream
     * that ends before its {@code end} event (the service is stopping, a proxy hung up) is followed again
     * until the job has ended or {@code timeout} has passed.
     */
    public JobStatus awaitEnd(String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JobStatus end = followEvents(id, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (end != null) {
                return end;
            }
            JobStatus status = status(id);
            if (status.isTerminal()) {
                return status;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new UncheckedIOException(new HttpTimeoutException("job " + id + " did not end within " + timeout));
            }
            try {
                Thread.sleep(250); // the service is stopping or a proxy hung up: give it a moment
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The status of the job's {@code end} event, or null if the stream ended without one. */
    private JobStatus followEvents(String id, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/jobs/" + encode(id) + "/events"))
                .timeout(timeout).header("Accept", "text/event-stream").headers(authorization()).GET().build();
        try {
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() == 503) {
                response.body().close();
                return null;
            }
            if (response.statusCode() != 200) {
                throw problem(response.statusCode(), String.join("\n", response.body().toList()));
            }
            try (Stream<String> lines = response.body()) {
                Iterator<String> it = lines.iterator();
                boolean end = false;
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.equals("event:end")) {
                        end = true;
                    } else if (end && line.startsWith("data:")) {
                        return JSON.readValue(line.substring(5), JobStatus.class);
                    }
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("waiting for job " + id + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Appends inputs to an open job; returns the index the first one got. */
    public int append(String id, List<?> batch) {
        JsonNode accepted = read(send(post("/v1/jobs/" + encode(id) + "/inputs", batch)), JsonNode.class);
        return accepted.get("first").asInt();
    }

    /** Closes an open job: no more inputs, it finishes with those it has. */
    public JobStatus close(String id) {
        return read(send(HttpRequest.newBuilder(base.resolve("/v1/jobs/" + encode(id) + "/close"))
                .headers(authorization()).header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()).build()), JobStatus.class);
    }

    /** Cancels a job ({@code Pool.terminate} for one job). */
    public JobStatus cancel(String id) {
        return read(send(HttpRequest.newBuilder(base.resolve("/v1/jobs/" + encode(id))).headers(authorization())
                .header("Accept", "application/json").DELETE().build()), JobStatus.class);
    }

    // ---- plumbing

    private HttpRequest post(String path, Object body) {
        return HttpRequest.newBuilder(base.resolve(path)).headers(authorization())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
    }

    private HttpRequest get(String path, String accept) {
        return HttpRequest.newBuilder(base.resolve(path)).headers(authorization()).header("Accept", accept).GET().build();
    }

    private String[] authorization() {
        return apiKey == null ? new String[] {"User-Agent", "jobpool-java-client"}
                : new String[] {"User-Agent", "jobpool-java-client", "Authorization", "Bearer " + apiKey};
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw problem(response.statusCode(), response.body());
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static JobpoolException problem(int status, String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            return new JobpoolException(status, text(problem, "type"), text(problem, "detail"), text(problem, "field"));
        } catch (JacksonException e) {
            return new JobpoolException(status, "about:blank", body, null);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static <T> T read(HttpResponse<String> response, Class<T> type) {
        return JSON.readValue(response.body(), type);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
