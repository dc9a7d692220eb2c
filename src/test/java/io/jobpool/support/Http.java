package io.jobpool.support;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A small HTTP client for tests, talking to the real server the way curl would. Every exchange can be
 * observed (the contract test validates each one against openapi.yaml).
 */
public final class Http {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private static final List<Consumer<Exchange>> observers = new ArrayList<>();

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** One request and its answer, as sent and received. */
    public record Exchange(String method, String path, Map<String, List<String>> requestHeaders, String requestBody,
                           Reply reply) {
    }

    /** An answer: status, headers and body, with the body parsed as JSON when it is JSON. */
    public record Reply(int status, Map<String, List<String>> headers, String body) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
        }
    }

    public static synchronized void observe(Consumer<Exchange> observer) {
        observers.add(observer);
    }

    public static synchronized void stopObserving(Consumer<Exchange> observer) {
        observers.remove(observer);
    }

    public String base() {
        return base;
    }

    public Reply get(String path) {
        return send("GET", path, null, "application/json");
    }

    public Reply delete(String path) {
        return send("DELETE", path, null, "application/json");
    }

    /** POSTs {@code body} serialised as JSON. */
    public Reply post(String path, Object body) {
        return send("POST", path, JSON.writeValueAsString(body), "application/json");
    }

    public Reply postRaw(String path, String body, String contentType) {
        return send("POST", path, body, contentType);
    }

    public Reply send(String method, String path, String body, String contentType) {
        return send(method, path, body, contentType, Map.of());
    }

    public Reply send(String method, String path, String body, String contentType, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null && contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        HttpRequest built = request.build();
        try {
            HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
            Reply reply = new Reply(response.statusCode(), response.headers().map(), response.body());
            notify(new Exchange(method, path, built.headers().map(), body, reply));
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static synchronized void notify(Exchange exchange) {
        for (Consumer<Exchange> observer : observers) {
            observer.accept(exchange);
        }
    }
}
