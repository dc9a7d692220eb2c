package io.jobpool.api;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slow and idle connections on a real server, with short deadlines so the tests take seconds: a client
 * trickling its headers is disconnected once {@code jobpool.limits.header-timeout} has passed since its
 * first byte, one trickling its body gets a 408 problem once {@code jobpool.limits.body-timeout} has
 * passed since its headers, while idle keep-alive connections and slow-but-in-time requests are left
 * alone and many tricklers do not slow an ordinary request. Measured times are printed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "jobpool.limits.header-timeout=" + SlowConnectionsIT.HEADER_TIMEOUT_MS + "ms",
        "jobpool.limits.body-timeout=" + SlowConnectionsIT.BODY_TIMEOUT_MS + "ms"})
class SlowConnectionsIT extends ServerTest {

    static final long HEADER_TIMEOUT_MS = 2000;
    static final long BODY_TIMEOUT_MS = 3000;
    /** The sweep runs every quarter deadline (500 ms here); the rest is scheduling and the close itself. */
    private static final Duration SLACK = Duration.ofMillis(1500);
    private static final Duration TRICKLE_INTERVAL = Duration.ofMillis(300);
    /** Longer than either deadline at one byte per interval, so only the server can end a trickle. */
    private static final String LONG_HEADER = "X-Slow: " + "a".repeat(200) + "\r\n";

    private final ScheduledExecutorService writers = Executors.newScheduledThreadPool(2);
    private final ExecutorService readers = Executors.newCachedThreadPool();
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeEverything() throws IOException {
        writers.shutdownNow();
        readers.shutdownNow();
        synchronized (sockets) {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    // A request's headers -----------------------------------------------------------------------------

    /** A slowloris client is disconnected after the header deadline, not after minutes of per-read timeouts. */
    @Test
    void headersTrickledPastTheDeadlineAreCut() throws Exception {
        Trickle trickle = trickle("GET /v1/pool HTTP/1.1\r\nHost: localhost\r\n" + LONG_HEADER);

        Duration cut = trickle.serverClosed().get(HEADER_TIMEOUT_MS + SLACK.toMillis() + 5000, TimeUnit.MILLISECONDS);

        System.out.printf(Locale.ROOT, "header trickle (1 byte / %d ms, deadline %d ms): closed %d ms after its first byte%n",
                TRICKLE_INTERVAL.toMillis(), HEADER_TIMEOUT_MS, cut.toMillis());
        assertThat(cut).isBetween(Duration.ofMillis(HEADER_TIMEOUT_MS), Duration.ofMillis(HEADER_TIMEOUT_MS).plus(SLACK));
    }

    /** A request whose headers arrive in pieces, but within the deadline, is answered as usual. */
    @Test
    void headersSlowButWithinTheDeadlineAreServed() throws Exception {
        Socket socket = connect();
        String request = "GET /v1/pool HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
        long start = System.nanoTime();
        sendPaced(socket, pieces(request, 5), Duration.ofMillis(250));

        Http.Reply reply = readReply(socket.getInputStream());

        System.out.printf(Locale.ROOT, "headers in 5 pieces over %d ms: %d%n", elapsed(start).toMillis(), reply.status());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    }

    /** An idle keep-alive connection has no request under way: the header deadline leaves it open. */
    @Test
    void idleKeepAliveConnectionOutlivesTheHeaderDeadline() throws Exception {
        Socket socket = connect();
        String request = "GET /v1/pool HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        assertThat(readReply(socket.getInputStream()).status()).isEqualTo(200);

        Duration idle = Duration.ofMillis(HEADER_TIMEOUT_MS).plus(SLACK);
        await().during(idle).atMost(idle.plusSeconds(2)).until(() -> stillOpen(socket));
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));

        Http.Reply again = readReply(socket.getInputStream());
        System.out.printf(Locale.ROOT, "keep-alive connection idle for %d ms, then reused: %d%n", idle.toMillis(), again.status());
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
    }

    // A request's body --------------------------------------------------------------------------------

    /** A body still trickling in when its deadline passes is refused with a 408 problem and the connection closed. */
    @Test
    void bodyTrickledPastTheDeadlineIsRequestTimeout() throws Exception {
        Socket socket = connect();
        String body = "{\"function\": \"square\", \"inputs\": [" + "1, ".repeat(200) + "1]}";
        String headers = "POST /v1/jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Accept: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n";
        socket.getOutputStream().write(headers.getBytes(StandardCharsets.US_ASCII));
        long start = System.nanoTime();
        sendPaced(socket, pieces(body, body.length()), TRICKLE_INTERVAL);

        Http.Reply reply = readReply(socket.getInputStream());
        Duration refused = elapsed(start);
        boolean closed = socket.getInputStream().read() == -1;

        System.out.printf(Locale.ROOT, "body trickle (1 byte / %d ms, deadline %d ms): %d after %d ms, connection closed: %s%n",
                TRICKLE_INTERVAL.toMillis(), BODY_TIMEOUT_MS, reply.status(), refused.toMillis(), closed);
        ProblemsIT.assertProblem(reply, ProblemType.REQUEST_TIMEOUT);
        assertThat(reply.json().get("detail").asString()).contains("jobpool.limits.body-timeout");
        assertThat(refused).isBetween(Duration.ofMillis(BODY_TIMEOUT_MS), Duration.ofMillis(BODY_TIMEOUT_MS).plus(SLACK));
        assertThat(closed).as("the rest of the body is not awaited").isTrue();
    }

    /**
     * Headers and then a body sent in pieces, each within its own deadline, are accepted although the
     * whole request takes longer than either: the body's time starts when its headers are complete.
     */
    @Test
    void bodySlowButWithinTheDeadlineIsAccepted() throws Exception {
        Socket socket = connect();
        String body = "{\"function\": \"square\", \"inputs\": [1, 2, 3]}";
        String headers = "POST /v1/map HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Accept: application/json\r\nConnection: close\r\nContent-Length: " + body.length() + "\r\n\r\n";
        List<String> pieces = new ArrayList<>(pieces(headers, 4));
        pieces.addAll(pieces(body, 6));
        long start = System.nanoTime();
        sendPaced(socket, pieces, Duration.ofMillis(350));

        Http.Reply reply = readReply(socket.getInputStream());

        System.out.printf(Locale.ROOT, "headers in 4 pieces and body in 6 over %d ms: %d%n", elapsed(start).toMillis(), reply.status());
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.json().get("results").toString()).isEqualTo("[1,4,9]");
    }

    // Under a slowloris attack ------------------------------------------------------------------------

    /** Dozens of trickling connections cost no thread: an ordinary request is as fast as without them, and all are cut. */
    @Test
    void manyTricklersDoNotSlowAnOrdinaryRequestAndAreAllCut() throws Exception {
        List<Long> quiet = poolLatenciesMillis(20);
        List<Trickle> tricklers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tricklers.add(trickle("GET /v1/pool HTTP/1.1\r\nHost: localhost\r\n" + LONG_HEADER));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> tricklers.stream().allMatch(t -> t.sent() >= 2));

        List<Long> underAttack = poolLatenciesMillis(20);
        List<Duration> cuts = new ArrayList<>();
        for (Trickle trickle : tricklers) {
            cuts.add(trickle.serverClosed().get(HEADER_TIMEOUT_MS + SLACK.toMillis() + 5000, TimeUnit.MILLISECONDS));
        }

        Duration slowestCut = Collections.max(cuts);
        System.out.printf(Locale.ROOT, "GET /v1/pool latency (ms) quiet: median %d, max %d; with %d header tricklers: median %d, max %d%n",
                median(quiet), Collections.max(quiet), tricklers.size(), median(underAttack), Collections.max(underAttack));
        System.out.printf(Locale.ROOT, "%d tricklers closed between %d and %d ms after their first byte%n",
                tricklers.size(), Collections.min(cuts).toMillis(), slowestCut.toMillis());
        assertThat(Collections.max(underAttack)).as("slowest GET /v1/pool under attack, ms").isLessThan(500);
        assertThat(slowestCut).isLessThanOrEqualTo(Duration.ofMillis(HEADER_TIMEOUT_MS).plus(SLACK).plus(Duration.ofMillis(500)));
    }

    // Fixtures ----------------------------------------------------------------------------------------

    /** A connection sending {@code text} one byte per interval, and when the server closed it, from its first byte. */
    private record Trickle(AtomicInteger progress, CompletableFuture<Duration> serverClosed) {

        int sent() {
            return progress.get();
        }
    }

    private Trickle trickle(String text) throws IOException {
        Socket socket = connect();
        long start = System.nanoTime();
        AtomicInteger sent = sendPaced(socket, pieces(text, text.length()), TRICKLE_INTERVAL);
        CompletableFuture<Duration> closed = CompletableFuture.supplyAsync(() -> {
            try {
                int read = socket.getInputStream().read();
                assertThat(read).as("the server answers a cut-off request with nothing").isEqualTo(-1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept the connection open", e);
            } catch (IOException reset) {
                // Closed too: a reset because the client wrote after the server closed.
            }
            return elapsed(start);
        }, readers);
        return new Trickle(sent, closed);
    }

    /**
     * Writes one piece per interval, the first at once, on the writer pool, until all are sent or the
     * server stops taking them; returns how many have been sent so far.
     */
    private AtomicInteger sendPaced(Socket socket, List<String> pieces, Duration interval) {
        AtomicInteger sent = new AtomicInteger();
        writers.scheduleAtFixedRate(() -> {
            int next = sent.get();
            if (next == pieces.size()) {
                // Thrown from the task, it ends the repetition (by the executor's contract).
                throw new IllegalStateException("all sent");
            }
            try {
                socket.getOutputStream().write(pieces.get(next).getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                sent.incrementAndGet();
            } catch (IOException closed) {
                throw new IllegalStateException(closed);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return sent;
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15_000);
        socket.setTcpNoDelay(true);
        sockets.add(socket);
        return socket;
    }

    private static List<String> pieces(String text, int count) {
        List<String> pieces = new ArrayList<>();
        int size = (text.length() + count - 1) / count;
        for (int from = 0; from < text.length(); from += size) {
            pieces.add(text.substring(from, Math.min(text.length(), from + size)));
        }
        return pieces;
    }

    /** True while the connection is open and silent: a short read times out rather than ending. */
    private static boolean stillOpen(Socket socket) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(50);
        try {
            socket.getInputStream().read();
            return false;
        } catch (SocketTimeoutException silent) {
            return true;
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    /** Times {@code count} sequential {@code GET /v1/pool} after a few untimed ones (warm connection and code). */
    private List<Long> poolLatenciesMillis(int count) {
        for (int i = 0; i < 5; i++) {
            http.get("/v1/pool");
        }
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            Http.Reply reply = http.get("/v1/pool");
            millis.add(elapsed(start).toMillis());
            assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        }
        return millis;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Reads one HTTP/1.1 response: status line, headers, and a body by Content-Length or chunks. */
    private static Http.Reply readReply(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.computeIfAbsent(header.substring(0, colon).trim(), k -> new ArrayList<>()).add(header.substring(colon + 1).trim());
        }
        Http.Reply head = new Http.Reply(status, headers, "");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(head.header("Transfer-Encoding"))) {
            for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
        } else if (head.header("Content-Length") != null) {
            body.write(in.readNBytes(Integer.parseInt(head.header("Content-Length"))));
        }
        return new Http.Reply(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-response after: " + Arrays.toString(line.toByteArray()));
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
