package io.jobpool.execution;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Collects what a task reports. */
final class TaskRecorder implements TaskObserver {
    final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();
    final Map<Integer, Object> values = new ConcurrentHashMap<>();
    final Map<Integer, String> errors = new ConcurrentHashMap<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    private volatile List<Integer> counts;

    /** The outcome, waiting for it a few seconds at most. */
    TaskOutcome outcome() throws Exception {
        return outcome.get(5, TimeUnit.SECONDS);
    }

    /** The final counts: completed, failed. */
    List<Integer> counts() throws Exception {
        outcome();
        return counts;
    }

    @Override
    public void started() {
        started.incrementAndGet();
    }

    @Override
    public ChunkSink chunk(int start) {
        return new ChunkSink() {
            @Override
            public void succeeded(int index, Object value) {
                assertThat(values.put(index, value)).as("index %d reported twice", index).isNull();
            }

            @Override
            public void failed(int index, String type, String message) {
                messages.add(message);
                assertThat(errors.put(index, type + ": " + message)).as("index %d failed twice", index).isNull();
            }

            @Override
            public void flush() {
            }
        };
    }

    @Override
    public void progressed() {
    }

    @Override
    public void finished(TaskOutcome ending, int completed, int failed) {
        finished.incrementAndGet();
        counts = List.of(completed, failed);
        outcome.complete(ending);
    }
}
