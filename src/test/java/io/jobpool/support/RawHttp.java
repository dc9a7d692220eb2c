package io.jobpool.support;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP/1.1 client for tests that sends what it is given, however wrong: any method, any bytes, any
 * content type or none, a path that is not a valid URI path. Unlike {@link Http} it neither encodes
 * nor checks, and its answers are bytes decoded as UTF-8. For bodies too big to hold it also streams
 * over a raw socket ({@link #upload}), reading the answer while it writes.
 *
 * <p>Safe to call from several threads at once; {@link #close} when done.
 */
public final class RawHttp implements AutoCloseable {

    /** How an {@linkplain #upload upload} says where its body ends. */
    public enum Framing {
        /** {@code Content-Length} declared up front. */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}, 64 KB a chunk. */
        CHUNKED
    }

    private final int port;
    private final String base;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final HttpClient client;

    public RawHttp(int port) {
        this.port = port;
        this.base = "http://127.0.0.1:" + port;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(executor).build();
    }

    /** An answer: status, content type, the body as UTF-8 and all headers. */
    public record Response(int status, String contentType, String body, Map<String, List<String>> headers) {

        @Override
        public String toString() {
            String text = body == null ? "" : body;
            return status + " [" + contentType + "] " + (text.length() <= 300 ? text : text.substring(0, 300) + "...");
        }
    }

    /** What an upload came to: the answer, how long it took, and how far the body had got by then. */
    public record Upload(Response response, Duration answeredAfter, long bodyBytesWrittenWhenAnswered,
                         Throwable writerEnd) {
    }

    public Response get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    /**
     * Sends one request and waits up to 60 s for the answer. {@code contentType} and {@code body} may be
     * {@code null}: no header, no body.
     */
    public Response send(String method, String path, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                new String(response.body(), StandardCharsets.UTF_8), response.headers().map());
    }

    /**
     * POSTs {@code body} ({@code size} bytes) over a raw socket from a writer thread, while this thread
     * reads the answer; returns as soon as the answer is read, with the bytes written by then. The
     * writer is expected to fail once the server stops reading and the socket closes: how it ended is
     * in {@link Upload#writerEnd()} ({@code null} if it wrote everything).
     */
    public Upload upload(String path, String contentType, InputStream body, long size, Framing framing)
            throws IOException, InterruptedException {
        boolean chunked = framing == Framing.CHUNKED;
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> writerEnd = new AtomicReference<>();
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: " + contentType
                    + "\r\n" + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + size) + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread writer = new Thread(() -> {
                try (body) {
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = body.read(buffer)) > 0) {
                        if (chunked) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(buffer, 0, n);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        written.addAndGet(n);
                    }
                    if (chunked) {
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    writerEnd.set(e);
                }
            }, "raw-http-upload");
            writer.setDaemon(true);
            writer.start();
            Response response = read(socket.getInputStream());
            Duration answeredAfter = Duration.ofNanos(System.nanoTime() - start);
            long writtenWhenAnswered = written.get();
            socket.close();
            writer.join(10_000);
            return new Upload(response, answeredAfter, writtenWhenAnswered, writerEnd.get());
        }
    }

    /** Shuts down the client's threads. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Reads a response off a raw socket: status line, headers, and a Content-Length or chunked body. */
    private static Response read(InputStream in) throws IOException {
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
        Map<String, List<String>> all = new LinkedHashMap<>();
        headers.forEach((name, value) -> all.put(name, List.of(value)));
        return new Response(status, headers.get("content-type"), body.toString(StandardCharsets.UTF_8), all);
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
