package io.jobpool.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One streaming GET (NDJSON or SSE) read line by line as the lines arrive, without a thread of its own:
 * the client's line subscriber collects them, so a test can look at what has come so far, wait for the
 * end of the stream, or hang up (which closes the connection).
 */
public final class LineStream implements Flow.Subscriber<String> {

    /** HTTP/1.1 only: every concurrent stream gets its own connection, and nothing tries an h2c upgrade. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final List<String> lines = new ArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile Instant endedAt;
    private volatile CompletableFuture<HttpResponse<Void>> response;

    private LineStream() {
    }

    /** Starts a GET of {@code base + path} and returns at once; lines collect as they arrive. */
    public static LineStream open(String base, String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(request::header);
        LineStream stream = new LineStream();
        stream.response = CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.fromLineSubscriber(stream));
        return stream;
    }

    public static LineStream open(String base, String path) {
        return open(base, path, Map.of());
    }

    /** The lines received so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** When the server ended the stream; null while it is open (or if it failed). */
    public Instant endedAt() {
        return endedAt;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Waits until the server ends the stream and returns every line; fails (and hangs up) after {@code within}. */
    public List<String> awaitAll(Duration within) {
        try {
            closed.get(within.toMillis(), TimeUnit.MILLISECONDS);
            return lines();
        } catch (TimeoutException e) {
            cancel();
            throw new AssertionError("the stream did not end within " + within + "; received so far: " + tail(), e);
        } catch (ExecutionException e) {
            throw new AssertionError("the stream failed after: " + tail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The response once the stream has ended (the client completes it after the body). */
    public HttpResponse<Void> response(Duration within) {
        try {
            return response.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("no complete response within " + within, e);
        }
    }

    /** Hangs up: the client stops reading and closes the connection. */
    public void cancel() {
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
        response.cancel(true);
    }

    private String tail() {
        List<String> all = lines();
        return all.size() <= 20 ? all.toString() : "... " + all.subList(all.size() - 20, all.size());
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(String line) {
        lines.add(line);
    }

    @Override
    public void onError(Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        endedAt = Instant.now();
        closed.complete(null);
    }
}
