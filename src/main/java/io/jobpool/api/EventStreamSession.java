package io.jobpool.api;

import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A job's progress as Server-Sent Events: {@code progress} events (at most one per
 * {@code minEventInterval}, and always one when the state changes), then one {@code end} event with
 * the final status, then the stream closes. Event ids are the completed count ({@code end} for the
 * last), so a client that reconnects with {@code Last-Event-ID} gets only news. Idle streams get a
 * comment line every heartbeat so proxies keep them open. When the service stops, the last event is a
 * {@code stopping} event (with a {@code retry} hint) and the client reconnects with its last id.
 */
final class EventStreamSession extends StreamSession {

    static final String END_ID = "end";
    private static final byte[] KEEP_ALIVE = ":keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    /** What an EventSource waits before it reconnects after a stop: another instance, or this one restarted. */
    private static final int RETRY_MILLIS = 2000;

    private final JsonMapper mapper;
    private final long minIntervalNanos;
    private long lastSentNanos;
    private long lastCompleted;
    private JobState lastState;
    private volatile boolean delayedSignal;

    EventStreamSession(Job job, StreamHub hub, String lastEventId, JsonMapper mapper) {
        super(job, hub);
        this.mapper = mapper;
        this.minIntervalNanos = hub.settings().minEventInterval().toNanos();
        // nanoTime has an arbitrary origin (it may be negative): "never sent" must be a time, not 0
        this.lastSentNanos = System.nanoTime() - minIntervalNanos;
        this.lastCompleted = parseCompleted(lastEventId);
        this.lastState = lastEventId == null ? null : JobState.RUNNING;
    }

    @Override
    String kind() {
        return "events";
    }

    @Override
    Turn render(ByteArrayOutputStream out, int budget) {
        JobState state = job.state();
        Progress progress = job.progress();
        long now = System.nanoTime();
        if (state.isTerminal()) {
            event(out, END_ID, "end", mapper.writeValueAsString(JobStatusBody.of(job)));
            return Turn.END;
        }
        boolean stateChanged = state != lastState;
        boolean news = progress.completed() != lastCompleted;
        if (stateChanged || news && now - lastSentNanos >= minIntervalNanos) {
            event(out, Long.toString(progress.completed()), "progress",
                    mapper.writeValueAsString(ProgressEvent.of(state, progress)));
            lastSentNanos = now;
            lastCompleted = progress.completed();
            lastState = state;
        } else if (news && !delayedSignal) {
            delayedSignal = true;
            hub.schedule(() -> {
                delayedSignal = false;
                signal();
            }, minIntervalNanos - (now - lastSentNanos));
        }
        return Turn.WAIT;
    }

    @Override
    byte[] keepAlive() {
        return KEEP_ALIVE;
    }

    @Override
    byte[] stopping() {
        return ("event:stopping\nretry:" + RETRY_MILLIS + "\ndata:"
                + mapper.writeValueAsString(new StoppingEvent("the service is stopping; reconnect"
                + " (to another instance if there is one) with the last event id"))
                + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One event in the wire format; the data is one line of JSON, so it needs one {@code data:} field. */
    private static void event(ByteArrayOutputStream out, String id, String name, String json) {
        out.writeBytes(("id:" + id + "\nevent:" + name + "\ndata:" + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static long parseCompleted(String lastEventId) {
        if (lastEventId == null) {
            return -1;
        }
        try {
            return Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The data of a {@code stopping} event. */
    record StoppingEvent(String message) {
    }

    /** The data of a {@code progress} event. */
    record ProgressEvent(String state, long total, long completed, long failed, double progress,
                         double itemsPerSecond, Double etaSeconds) {

        static ProgressEvent of(JobState state, Progress progress) {
            return new ProgressEvent(state.name(), progress.total(), progress.completed(), progress.failed(),
                    Math.round(progress.fraction() * 1000) / 1000.0, Math.round(progress.itemsPerSecond() * 10) / 10.0,
                    progress.etaSeconds() == null ? null : Math.round(progress.etaSeconds() * 10) / 10.0);
        }
    }
}
