package io.jobpool.client;

import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The items of one job's NDJSON result stream, across reconnections. Keep-alive lines are skipped.
 * When the service ends the stream before its end line (a {@code {"stopping": true}} line as it shuts
 * down, or a connection that closes or breaks), the stream is opened again from the number of items
 * received, so no item is lost or repeated; a refusal to reconnect that may pass (503 while the service
 * stops, 429 while it has too many streams open) is retried too. After {@value #RECONNECTS} attempts in a
 * row without a new item, the last failure is thrown. Not thread-safe: one consumer, as an iterator has.
 */
final class ResultLines implements Iterator<ItemResult>, AutoCloseable {

    private static final int RECONNECTS = 5;
    private static final long BACKOFF_MILLIS = 250;

    private final IntFunction<Stream<String>> open;
    /** Item lines received: the {@code from} of a reconnection. */
    private int received;
    private int failures;
    private Stream<String> current;
    private Iterator<String> lines;
    private ItemResult next;
    private boolean ended;

    /** {@code open} opens the stream from an item count; it throws {@link JobpoolException} on a refusal. */
    ResultLines(IntFunction<Stream<String>> open, int from) {
        this.open = open;
        this.received = from;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !ended) {
            advance();
        }
        return next != null;
    }

    @Override
    public ItemResult next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the job's stream has ended");
        }
        ItemResult item = next;
        next = null;
        return item;
    }

    private void advance() {
        while (true) {
            if (lines == null) {
                connect();
                continue;
            }
            String line;
            try {
                if (!lines.hasNext()) {
                    dropped(new IOException("the stream closed before its end line"));
                    continue;
                }
                line = lines.next();
            } catch (UncheckedIOException e) {
                dropped(e.getCause());
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = JobpoolClient.JSON.readTree(line);
            if (node.has("end")) {
                ended = true;
                close();
                return;
            }
            if (!node.has("index")) {
                if (node.path("stopping").asBoolean()) {
                    dropped(new IOException("the service is stopping"));
                }
                continue; // {"keepAlive": true}, or a line kind this client does not know
            }
            received++;
            failures = 0;
            next = item(node);
            return;
        }
    }

    private void connect() {
        try {
            current = open.apply(received);
            lines = current.iterator();
        } catch (UncheckedIOException e) {
            dropped(e.getCause());
        } catch (JobpoolException e) {
            if (e.status() != 503 && e.status() != 429) {
                throw e; // the job is gone, or the caller may not see it: reconnecting will not help
            }
            dropped(new IOException(e.getMessage(), e));
        }
    }

    private void dropped(IOException cause) {
        close();
        if (++failures > RECONNECTS) {
            throw new UncheckedIOException("the job's result stream ended early " + RECONNECTS + " times in a row", cause);
        }
        try {
            Thread.sleep(BACKOFF_MILLIS * failures);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static ItemResult item(JsonNode node) {
        int index = node.get("index").asInt();
        JsonNode error = node.get("error");
        if (error != null) {
            return new ItemResult(index, null, new ItemError(index, text(error, "type"), text(error, "message")));
        }
        return new ItemResult(index, JobpoolClient.JSON.treeToValue(node.get("value"), Object.class), null);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
        lines = null;
    }
}
