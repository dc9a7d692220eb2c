package io.jobpool.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client on a slow link: one streaming GET over a raw socket with a small receive buffer, whose
 * bytes are taken only when the test calls {@link #take} (a scheduler calling it ten times a second
 * with 100 bytes reads at 1 KB/s; a test that never calls it is a reader that stopped reading). The
 * request asks for {@code Connection: close}, so the end of the response is the end of the socket.
 * Keeps what it read, so a test can decode the body afterwards.
 */
public final class SlowReader implements AutoCloseable {

    private final SocketChannel channel;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private volatile boolean closedByServer;

    private SlowReader(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects with a {@code receiveBuffer}-byte receive buffer and sends the request. */
    public static SlowReader open(int port, String path, int receiveBuffer, Map<String, String> headers) {
        try {
            SocketChannel channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer); // before connect: it sets the window
            channel.connect(new InetSocketAddress("127.0.0.1", port));
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            ByteBuffer bytes = ByteBuffer.wrap(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.configureBlocking(false);
            return new SlowReader(channel);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static SlowReader open(int port, String path, int receiveBuffer) {
        return open(port, path, receiveBuffer, Map.of());
    }

    /** Takes at most {@code max} bytes of what has arrived, without waiting. */
    public synchronized void take(int max) {
        if (closedByServer) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocate(max);
        try {
            int n = channel.read(buffer);
            if (n < 0) {
                closedByServer = true;
            } else {
                received.write(buffer.array(), 0, n);
            }
        } catch (IOException e) {
            closedByServer = true; // reset by the server counts as closed too
        }
    }

    /**
     * Takes everything until the server closes the connection (a reader that woke up), waiting in blocking
     * reads rather than spinning.
     */
    public synchronized void drain() {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            channel.configureBlocking(true);
            int n;
            while (!closedByServer && (n = channel.read(buffer.clear())) >= 0) {
                received.write(buffer.array(), 0, n);
            }
        } catch (IOException e) {
            // reset by the server counts as closed too
        }
        closedByServer = true;
    }

    public synchronized int receivedBytes() {
        return received.size();
    }

    public boolean isClosedByServer() {
        return closedByServer;
    }

    /** The response body so far, de-chunked, as lines (a partial last line is left out). */
    public synchronized List<String> bodyLines() {
        byte[] raw = received.toByteArray();
        int headerEnd = indexOf(raw, 0, "\r\n\r\n");
        if (headerEnd < 0) {
            return List.of();
        }
        String head = new String(raw, 0, headerEnd, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        byte[] body = head.contains("transfer-encoding: chunked") ? dechunk(raw, headerEnd + 4)
                : Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
        List<String> lines = new ArrayList<>(List.of(new String(body, StandardCharsets.UTF_8).split("\n", -1)));
        lines.remove(lines.size() - 1); // after the last newline: empty, or a line not complete yet
        return lines;
    }

    /** The status line, once it has arrived. */
    public synchronized String statusLine() {
        byte[] raw = received.toByteArray();
        int end = indexOf(raw, 0, "\r\n");
        return end < 0 ? null : new String(raw, 0, end, StandardCharsets.US_ASCII);
    }

    private static byte[] dechunk(byte[] raw, int at) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int sizeEnd = indexOf(raw, at, "\r\n");
            if (sizeEnd < 0) {
                return body.toByteArray();
            }
            int size = Integer.parseInt(new String(raw, at, sizeEnd - at, StandardCharsets.US_ASCII).trim(), 16);
            int dataStart = sizeEnd + 2;
            body.write(raw, dataStart, Math.min(size, raw.length - dataStart));
            if (size == 0 || dataStart + size + 2 > raw.length) {
                return body.toByteArray();
            }
            at = dataStart + size + 2;
        }
    }

    private static int indexOf(byte[] bytes, int from, String ascii) {
        byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = from; i <= bytes.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
